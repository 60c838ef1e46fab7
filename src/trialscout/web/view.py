"""Shape a stored trial for a page or the JSON API: labels and explanations, no decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..plain.changes import change_words
from ..plain.labels import Label, label
from ..plain.text import registry_display
from ..store import StoredTrial, Version
from ..trial import DatePoint, Trial

_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def trial_json(stored: StoredTrial) -> dict[str, Any]:
    """The JSON twin of a trial page: the model without the raw record, plus trialscout's dates."""
    data = stored.trial.model_dump(mode="json", exclude={"raw"})
    data.update(
        title=stored.trial.title,
        version=stored.version,
        first_seen=stored.first_seen.isoformat(),
        last_changed=stored.last_changed.isoformat(),
        registry_url=stored.trial.registry_url,
    )
    return data


def human_date(value: DatePoint | datetime | str | None) -> str | None:
    """``2024-12-16`` → ``Dec 16, 2024``; ``2024-12`` → ``Dec 2024``; estimated dates say so."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return f"{_MONTHS[value.month - 1]} {value.day}, {value.year}"
    text = value.date if isinstance(value, DatePoint) else value
    parts = text.split("-")
    words = parts[0]
    if len(parts) >= 2:
        words = f"{_MONTHS[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 3:
        words = f"{_MONTHS[int(parts[1]) - 1]} {int(parts[2])}, {parts[0]}"
    if isinstance(value, DatePoint) and value.estimated:
        words += " (estimated)"
    return words


@dataclass(frozen=True)
class Fact:
    """One labelled line of the design section: what it is, its value, what it means."""

    name: str
    value: str
    explain: str = ""


@dataclass
class TrialPage:
    trial: Trial
    stored: StoredTrial
    status: Label | None
    phases: list[Label]
    sponsor_class: Label | None
    design: list[Fact]
    dates: list[Fact]
    eligibility: list[Fact]
    history: list[dict[str, Any]] = field(default_factory=list)
    plain: dict[str, Any] | None = None  # the stored plain-language payload (trialscout.plain), if derived


def trial_page(stored: StoredTrial, versions: list[Version], plain: dict[str, Any] | None = None) -> TrialPage:
    t = stored.trial
    return TrialPage(
        trial=t,
        stored=stored,
        status=label("status", t.overall_status),
        phases=[p for p in (label("phase", code) for code in t.phases) if p],
        sponsor_class=label("sponsor_class", t.sponsor_class),
        design=_design_facts(t),
        dates=_date_facts(t),
        eligibility=_eligibility_facts(t),
        history=[_version_view(v) for v in reversed(versions)],
        plain=plain,
    )


def _fact(name: str, kind: str, code: str | None, extra: str = "") -> Fact | None:
    found = label(kind, code)
    if found is None:
        return None
    return Fact(name, found.label + extra, found.explain)


def _design_facts(t: Trial) -> list[Fact]:
    d = t.design
    who = ", ".join(label("who_masked", w).label for w in d.who_masked if label("who_masked", w))
    facts = [
        _fact("Study type", "study_type", t.study_type),
        _fact("Primary purpose", "primary_purpose", d.primary_purpose),
        _fact("Allocation", "allocation", d.allocation),
        _fact("Interventional model", "intervention_model", d.intervention_model),
        _fact("Masking", "masking", d.masking, f" ({who})" if who else ""),
    ]
    if t.enrollment and t.enrollment.count is not None:
        kind = "estimated" if t.enrollment.estimated else "actual" if t.enrollment.type == "ACTUAL" else ""
        facts.append(Fact("Enrolment", f"{t.enrollment.count:,} {kind} participants".replace("  ", " "),
                          "How many people the study plans to include." if kind == "estimated"
                          else "How many people took part." if kind == "actual" else ""))
    if d.observational_model:
        facts.append(Fact("Observational model", d.observational_model.replace("_", " ").capitalize()))
    if d.time_perspective:
        facts.append(Fact("Time perspective", d.time_perspective.replace("_", " ").capitalize()))
    return [f for f in facts if f]


def _date_facts(t: Trial) -> list[Fact]:
    rows = [
        ("Study start", t.start),
        ("Primary completion", t.primary_completion),
        ("Study completion", t.completion),
        ("First posted", t.first_posted),
        ("Last update posted", t.last_update_posted),
    ]
    return [Fact(name, human_date(value) or "") for name, value in rows if value]


def _eligibility_facts(t: Trial) -> list[Fact]:
    e = t.eligibility
    facts = []
    if e.sex:
        sex = label("sex", e.sex)
        facts.append(Fact("Sex", sex.label, sex.explain) if sex else None)
    if e.minimum_age or e.maximum_age:
        if e.minimum_age and e.maximum_age:
            ages = f"{e.minimum_age} to {e.maximum_age}"
        elif e.minimum_age:
            ages = f"{e.minimum_age} and older"
        else:
            ages = f"up to {e.maximum_age}"
        facts.append(Fact("Ages", ages))
    if e.healthy_volunteers is not None:
        facts.append(Fact("Healthy volunteers", "Accepted" if e.healthy_volunteers else "Not accepted",
                          "People without the condition can join." if e.healthy_volunteers
                          else "Only people with the condition can join."))
    return [f for f in facts if f]


def _version_view(v: Version) -> dict[str, Any]:
    return {"version": v.version, "when": human_date(v.recorded_at), "changes": [change_words(c) for c in v.changes]}
