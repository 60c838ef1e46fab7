"""Which changes of a trial are worth an e-mail, and how to say them (pure functions).

The store records every field-level change (:mod:`trialscout.store.diff`); a subscriber hears only
about what can change their decision: status, sites (added, removed, changing status), who can join,
contacts, dates, enrolment and posted results. Sentences reuse the trial page's wording
(:func:`trialscout.web.view.change_words`) and add the place of a site and the date of a status change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..plain.labels import label
from ..store.diff import _site_label
from ..trial import Site, Trial
from ..plain.changes import change_words

#: Fields whose change is sent to the trial's subscribers.
MEANINGFUL = frozenset({
    "overall_status", "why_stopped", "site", "site_status", "eligibility_criteria", "minimum_age", "maximum_age",
    "sex", "healthy_volunteers", "central_contact", "start_date", "primary_completion_date", "completion_date",
    "enrollment", "has_results",
})
_OPEN_SITE = {None, "RECRUITING", "AVAILABLE"}


def meaningful(changes: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The changes a subscriber should hear about, in the store's order."""
    return [dict(c) for c in changes if c.get("field") in MEANINGFUL]


def site_places(trials: Iterable[Trial]) -> dict[str, Site]:
    """Each site of ``trials`` under the label the diff uses for it (later trials win)."""
    return {_site_label(site): site for trial in trials for site in trial.locations}


def _status_words(code: str | None) -> str:
    found = label("status", code)
    return found.label if found else (code or "no status").replace("_", " ").capitalize()


def _where(site: Site | None, subject: str) -> tuple[str, str]:
    """(place, name) of a site: ("Guangzhou, China", "Third Affiliated Hospital"); the label when unknown."""
    if site is None or not (site.city or site.country):
        return "", subject
    place = ", ".join(p for p in (site.city, site.country) if p)
    return place, site.facility or ""


def _site_sentence(change: Mapping[str, Any], places: Mapping[str, Site]) -> str:
    subject = change.get("subject") or "a site"
    place, name = _where(places.get(subject), subject)
    named = f": {name}" if place and name else ""
    if change["field"] == "site" and change["kind"] == "added":
        status = change.get("after")
        verb = "opened" if status in _OPEN_SITE else "was listed"
        where = f" in {place}{named}" if place else f": {subject}"
        return f"A new site {verb}{where}" + (f" ({_status_words(status)})" if status else "")
    if change["field"] == "site":
        where = f" in {place}{named}" if place else f": {subject}"
        return f"A site was removed from the list{where}"
    where = f"The site in {place}" + (f" ({name})" if name else "") if place else f"The site {subject}"
    return f"{where} changed from {_status_words(change.get('before'))} to {_status_words(change.get('after'))}"


def phrase(change: Mapping[str, Any], on: str | None = None, places: Mapping[str, Site] | None = None) -> str:
    """One change as a sentence: "Status changed from Recruiting to Completed on 2026-11-20"."""
    field = change.get("field")
    if field in {"site", "site_status"}:
        return _site_sentence(change, places or {})
    if field == "has_results":
        return "Results were posted on the registry" if change.get("after") else \
            "Results are no longer shown on the registry"
    if field == "eligibility_criteria":
        return "The eligibility criteria (who can join) changed: read them again on the trial page"
    if field == "why_stopped" and change.get("after"):
        return f"Reason the study stopped: {change['after']}"
    words = change_words(dict(change))
    if field == "overall_status" and on:
        words += f" on {on}"
    return words


def phrase_all(changes: Iterable[Mapping[str, Any]], on: str | None = None,
               places: Mapping[str, Site] | None = None) -> list[str]:
    return [phrase(c, on, places) for c in changes]
