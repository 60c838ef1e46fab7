"""``search``: the search page as a command (a table, or ``--json``)."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from ..plain.labels import label
from ..search import IndexBusy, InvalidQuery, SearchError, SearchRequest, SearchResults, SearchService, UnknownPlace
from ..search.maintenance import ensure_current
from .common import JsonOption, fail, out, print_json, settings, store


def register(app: typer.Typer) -> None:
    app.command("search")(search)


def open_search() -> SearchService:
    """The search service over the configured store, its index brought up to date first."""
    trials = store()
    service = SearchService.open(settings())
    try:
        ensure_current(service.index, trials)
    except IndexBusy as exc:
        fail(str(exc))
    return service


def search(
    words: list[str] = typer.Argument(None, help="What to look for, in your own words (quote it or not)."),
    near: Optional[str] = typer.Option(None, "--near", help="A place: Guangzhou, \"Springfield, IL\", \"23.1, 113.3\"."),
    within: Optional[str] = typer.Option(None, "--within", help="Distance from --near: 50km, 30mi (default 100km)."),
    age: Optional[float] = typer.Option(None, "--age", help="The person's age in years."),
    sex: Optional[str] = typer.Option(None, "--sex", help="female or male."),
    status: list[str] = typer.Option(["open"], "--status", help="open (default), any, or a status such as completed."),
    phase: list[str] = typer.Option([], "--phase", help="early1, 1, 2, 3, 4 or na (repeatable)."),
    study_type: list[str] = typer.Option([], "--study-type", help="interventional, observational, expanded_access."),
    country: list[str] = typer.Option([], "--country", help="A country with a site (repeatable)."),
    intervention_type: list[str] = typer.Option([], "--intervention-type", help="drug, biological, device, …"),
    healthy_volunteers: Optional[bool] = typer.Option(None, "--healthy-volunteers/--no-healthy-volunteers",
                                                      help="Only trials that do (or do not) take healthy volunteers."),
    page: int = typer.Option(1, "--page", min=1, help="Page of results."),
    per_page: int = typer.Option(20, "--per-page", min=1, max=100, help="Results per page."),
    json_output: bool = JsonOption,
) -> None:
    """Search trials the way you would ask: "liver failure stem cells near Guangzhou"."""
    request = SearchRequest(
        q=" ".join(words or []), near=near, within=within, age=age, sex=sex, status=tuple(status) or ("open",),
        phase=tuple(phase), study_type=tuple(study_type), country=tuple(country),
        intervention_type=tuple(intervention_type), healthy_volunteers=healthy_volunteers, page=page,
        per_page=per_page,
    )
    service = open_search()
    try:
        results = service.search(request)
    except UnknownPlace as exc:
        fail(exc.message, code=2)
        return
    except InvalidQuery as exc:
        fail(f"--{exc.parameter.replace('_', '-')}: {exc.message}" if exc.parameter != "q" else exc.message, code=2)
        return
    except SearchError as exc:
        fail(str(exc))
        return
    if json_output:
        print_json(results.to_dict())
        return
    print_results(results)


def print_results(results: SearchResults) -> None:
    if results.place:
        out.print(f"Within {results.radius} of {results.place.label}", highlight=False)
    for note in results.notes:
        out.print(note, style="italic", highlight=False)
    table = Table("#", "Trial", "Status", "Phase", "Site" if not results.place else "Nearest site", "Distance",
                  title=f"{results.total:,} trials (page {results.page} of {results.pages})", title_justify="left")
    first = (results.page - 1) * results.per_page
    for number, hit in enumerate(results.hits, first + 1):
        site, distance = "—", "—"
        if hit.site:
            s = hit.site.site
            site = ", ".join(p for p in (s.facility, s.place) if p) + \
                (f" ({label('status', s.status).label})" if s.status else "")
            if hit.site.distance_km is not None:
                distance = f"{hit.site.distance_in(results.unit):.0f} {results.unit}" + ("*" if hit.site.approximate else "")
        table.add_row(str(number), f"{hit.nct_id}\n{hit.display_title}",
                      label("status", hit.status).label if hit.status else "not stated",
                      ", ".join(label("phase", p).label for p in hit.phases) or "—", site, distance)
    out.print(table)
    if any(h.site and h.site.approximate and h.site.distance_km is not None for h in results.hits):
        out.print("* measured to the city centre: the record gives no exact site location", style="dim")
    facets = results.facets
    for name, values in (("Status", facets.status), ("Phase", facets.phase), ("Country", facets.country)):
        if values:
            about = "about " if results.facets_estimated else ""
            out.print(f"{name}: " + "; ".join(f"{v.label} ({about}{v.count:,})" if about else f"{v.label} ({v.count})"
                                              for v in values[:8]), style="dim", highlight=False)
