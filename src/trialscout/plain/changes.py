"""One change between two versions of a trial, in words a page or an e-mail can show."""

from __future__ import annotations

from typing import Any

from .labels import label

_FIELD_WORDS = {
    "overall_status": "Status", "why_stopped": "Reason stopped", "brief_title": "Title",
    "official_title": "Official title", "phases": "Phase", "eligibility_criteria": "Eligibility criteria",
    "minimum_age": "Minimum age", "maximum_age": "Maximum age", "sex": "Sex",
    "healthy_volunteers": "Healthy volunteers", "start_date": "Start date",
    "primary_completion_date": "Primary completion date", "completion_date": "Completion date",
    "enrollment": "Enrolment", "has_results": "Results posted", "brief_summary": "Summary",
    "sponsor": "Sponsor", "condition": "Condition", "intervention": "Treatment",
    "central_contact": "Contact", "site": "Site", "site_status": "Site status",
}


def change_words(change: dict[str, Any]) -> str:
    """One change in words: "Status changed from Recruiting to Completed", "Site added: Guangzhou"."""
    name = _FIELD_WORDS.get(change["field"], change["field"].replace("_", " ").capitalize())
    subject = change.get("subject")
    if change["field"] in {"site", "site_status"}:
        status = label("status", change.get("after") or change.get("before"))
        if change["kind"] == "added":
            return f"A new site: {subject}" + (f" ({status.label})" if status else "")
        if change["kind"] == "removed":
            return f"A site was removed: {subject}"
        before, after = label("status", change.get("before")), label("status", change.get("after"))
        return f"{subject}: {before.label if before else 'no status'} → {after.label if after else 'no status'}"
    if change["kind"] == "added":
        return f"{name} added: {change.get('after')}"
    if change["kind"] == "removed":
        return f"{name} removed: {change.get('before')}"
    if change["field"] in {"eligibility_criteria", "brief_summary", "official_title", "brief_title"}:
        return f"{name} changed"
    before, after = change.get("before"), change.get("after")
    if change["field"] == "overall_status":
        before = label("status", before).label if before else None
        after = label("status", after).label if after else None
    return f"{name} changed from {before if before is not None else 'not stated'} to " \
           f"{after if after is not None else 'not stated'}"
