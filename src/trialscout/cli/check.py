"""``check``: might a person qualify for one trial? The same answer as the web page and the API."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape

from ..eligibility import ProfileError
from ..eligibility.service import CheckFailed, CheckReport, check_stored_trial, detect_profile
from .common import JsonOption, fail, out, print_json, store

MAX_PROFILE_BYTES = 10 * 1024 * 1024
_VERDICT = {"likely_eligible": "Likely eligible", "likely_not_eligible": "Likely not eligible",
            "need_more_information": "Need more information"}
_STATUS = {"met": "met", "not_met": "not met", "unknown": "unknown", "not_applicable": "not applicable"}


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def _read(path: Path) -> bytes:
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_PROFILE_BYTES + 1)
    else:
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_PROFILE_BYTES + 1)
        except OSError as exc:
            fail(f"cannot read the profile file {path}: {exc.strerror or type(exc).__name__}")
            raise
    if len(data) > MAX_PROFILE_BYTES:
        fail(f"the profile file is larger than {MAX_PROFILE_BYTES // (1024 * 1024)} MB: export only recent results")
    return data


def check(
    nct_id: str = typer.Argument(..., help="The trial, e.g. NCT06882811 (or a local id such as TSLOCAL-0002)."),
    profile: Path = typer.Option(..., "--profile", "-p", help="The person: form JSON ({\"age\": 52, ...}), a FHIR "
                                 "R4 Bundle (JSON), or a clinical note (plain text). '-' reads standard input."),
    json_output: bool = JsonOption,
) -> None:
    """Might this person qualify for this trial? Every criterion with its verdict, reason and evidence.

    Nothing from the profile is stored or logged.
    """
    content = _read(profile)
    trials = store()
    ident = nct_id.strip().upper() if nct_id.strip().upper().startswith("NCT") else nct_id.strip()
    stored = trials.get(ident)
    if stored is None:
        fail(f"no trial {ident} in this copy of the registry (ids look like NCT06740149)")
        return
    try:
        report = check_stored_trial(trials, stored, detect_profile(content))
    except (ProfileError, CheckFailed) as exc:
        fail(str(exc), code=2)
        return
    if json_output:
        print_json(report.model_dump(mode="json"))
        return
    _print(report)


def _print(report: CheckReport) -> None:
    say = lambda text="": out.print(text, highlight=False, soft_wrap=True)  # noqa: E731
    say(f"[bold]{escape(report.nct_id)}[/] {escape(report.title or '')}")
    say(f"[bold]{_VERDICT[report.verdict]}[/]: {escape(report.summary)}")
    for flag in report.flags:
        say(f"  check: {escape(flag.message)}")
    if report.questions:
        say("\nQuestions that would settle it:")
        for q in report.questions:
            units = f" [{', '.join(q.unit_options)}]" if q.unit_options else ""
            say(f"  - {escape(q.text)}{escape(units)}  (answer id: {escape(q.id)})")
    for kind, title in (("inclusion", "Inclusion criteria"), ("exclusion", "Exclusion criteria")):
        items = [c for c in report.criteria if c.kind == kind]
        if not items:
            continue
        say(f"\n{title}:")
        for c in items:
            status = "needs review" if c.needs_review else _STATUS[c.status]
            if kind == "exclusion" and c.status in {"met", "not_met"} and not c.needs_review:
                status += " (rules you out)" if c.status == "met" else " (does not rule you out)"
            where = "registry" if c.source == "registry" else f"{c.index + 1}"
            say(f"  {where}. [bold]{escape(status)}[/]: {escape(c.text)}")
            say(f"      {escape(c.reason)}")
            if c.evidence:
                say("      based on: " + escape("; ".join(e.text for e in c.evidence)))
    say(f"\n{escape(report.notice)}")
