"""Field-level differences between two versions of a trial (a pure function).

Only changes a reader cares about are listed: status, sites, eligibility, contacts, dates,
enrolment, results, titles, phases, interventions and conditions. Each change says what it
was in words a page can show ("Status: Recruiting → Completed", "Site added: Guangzhou").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..trial import Site, Trial


@dataclass(frozen=True)
class Change:
    """One meaningful change: ``field`` names it, ``kind`` is changed, added or removed."""

    field: str
    kind: str
    before: Any = None
    after: Any = None
    subject: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _scalar_fields(trial: Trial) -> dict[str, Any]:
    return {
        "overall_status": trial.overall_status,
        "why_stopped": trial.why_stopped,
        "brief_title": trial.brief_title,
        "official_title": trial.official_title,
        "phases": ", ".join(trial.phases) or None,
        "eligibility_criteria": trial.eligibility.criteria,
        "minimum_age": str(trial.eligibility.minimum_age) if trial.eligibility.minimum_age else None,
        "maximum_age": str(trial.eligibility.maximum_age) if trial.eligibility.maximum_age else None,
        "sex": trial.eligibility.sex,
        "healthy_volunteers": trial.eligibility.healthy_volunteers,
        "start_date": trial.start.date if trial.start else None,
        "primary_completion_date": trial.primary_completion.date if trial.primary_completion else None,
        "completion_date": trial.completion.date if trial.completion else None,
        "enrollment": f"{trial.enrollment.count} ({(trial.enrollment.type or '').lower()})".replace(" ()", "")
        if trial.enrollment
        else None,
        "has_results": trial.has_results,
        "brief_summary": trial.brief_summary,
        "sponsor": trial.sponsor,
    }


def _site_key(site: Site) -> str:
    # The zip tells apart the many sites named "Research Site" in one city.
    return " | ".join(p or "" for p in (site.facility, site.city, site.state, site.zip, site.country))


def _site_label(site: Site) -> str:
    return ", ".join(p for p in (site.facility, site.city, site.country) if p) or "a site"


def _contact_labels(trial: Trial) -> list[str]:
    return sorted(
        " · ".join(p for p in (c.name, c.phone, c.email) if p) for c in trial.central_contacts
    )


def diff_trials(old: Trial, new: Trial) -> list[Change]:
    """What changed from ``old`` to ``new``, in a stable order; empty if nothing a reader cares about."""
    changes: list[Change] = []
    before, after = _scalar_fields(old), _scalar_fields(new)
    for name, value in after.items():
        if before[name] != value:
            changes.append(Change(name, "changed", before[name], value))
    changes += _list_changes("condition", old.conditions, new.conditions)
    changes += _list_changes("intervention", [i.name for i in old.interventions], [i.name for i in new.interventions])
    changes += _list_changes("central_contact", _contact_labels(old), _contact_labels(new))
    changes += _site_changes(old.locations, new.locations)
    return changes


def _list_changes(field: str, old: list[str], new: list[str]) -> list[Change]:
    gone = [x for x in old if x not in new]
    came = [x for x in new if x not in old]
    return [Change(field, "removed", before=x) for x in gone] + [Change(field, "added", after=x) for x in came]


def _sites_by_key(sites: list[Site]) -> dict[str, list[Site]]:
    grouped: dict[str, list[Site]] = {}
    for site in sites:
        grouped.setdefault(_site_key(site), []).append(site)
    return grouped


def _site_changes(old: list[Site], new: list[Site]) -> list[Change]:
    # Sites with the same key (a record may list one address twice) are paired in order.
    old_by_key, new_by_key = _sites_by_key(old), _sites_by_key(new)
    changes = []
    for key, sites in new_by_key.items():
        previous = old_by_key.get(key, [])
        for i, site in enumerate(sites):
            if i >= len(previous):
                changes.append(Change("site", "added", after=site.status, subject=_site_label(site)))
            elif previous[i].status != site.status:
                changes.append(Change("site_status", "changed", previous[i].status, site.status, _site_label(site)))
    for key, sites in old_by_key.items():
        for site in sites[len(new_by_key.get(key, [])):]:
            changes.append(Change("site", "removed", before=site.status, subject=_site_label(site)))
    return changes
