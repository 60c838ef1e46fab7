""""What this could mean": the active substance, what the study could lead to, what could go wrong."""

from __future__ import annotations

from .labels import label
from .models import Substance
from .reading import Reading
from .resources import Resources
from .text import normalize, split_sentences, word_count

MAX_SUBSTANCES = 12
SMALL_ENROLMENT = 50
MAX_REASON_WORDS = 30
_EARLY = {"EARLY_PHASE1", "PHASE1", "PHASE1_PHASE2"}


def substances(r: Reading, res: Resources) -> tuple[str, list[Substance], bool]:
    """(heading, items, more-not-shown) for the interventions, tested ones first."""
    t = res.templates
    ordered = [x for x in r.all_treatments if x.role == "tested"] + [x for x in r.all_treatments if x.role != "tested"]
    items = []
    for x in ordered[:MAX_SUBSTANCES]:
        kind = label("intervention_type", x.type)
        items.append(Substance(
            name=x.full,
            kind=kind.label if kind else None,
            kind_explain=kind.explain if kind else "",
            plain=x.entry.plain if x.entry is not None and x.entry.plain.lower() not in x.full.lower() else None,
            role="tested" if x.role == "tested" else "comparison",
        ))
    drug_like = any(x.drug_like for x in ordered if x.role == "tested")
    heading = t("meaning.heading_substance") if drug_like else t("meaning.heading_tested")
    more = len(r.trial.interventions) > MAX_SUBSTANCES
    return heading, items, more


def could_lead_to(r: Reading, res: Resources) -> list[str]:
    t = res.templates
    condition = r.conditions[0] if r.conditions else None
    out = []
    if r.observational:
        out.append(t("lead_to.observational", condition=condition) if condition
                   else t("lead_to.observational_no_condition"))
    elif r.all_treatments or r.conditions:
        purpose = r.trial.design.primary_purpose or "TREATMENT"
        key = f"lead_to.{purpose}" if t.has(f"lead_to.{purpose}") else "lead_to.OTHER"
        out.append(t(key, condition=condition) if condition else t("lead_to.no_condition"))
        if r.phase_key in _EARLY:
            out.append(t("lead_to.early"))
        elif r.phase_key == "PHASE4":
            out.append(t("lead_to.approved"))
    if r.trial.has_results:
        out.append(t("lead_to.results"))
    return out


def could_go_wrong(r: Reading, res: Resources) -> list[str]:
    t = res.templates
    trial = r.trial
    out: list[str] = []
    status = trial.overall_status
    if status in {"TERMINATED", "WITHDRAWN", "SUSPENDED"}:
        reason = _reason(trial.why_stopped, res)
        out.append(t(f"risk.{status}", reason=reason) if reason else t(f"risk.{status}_no_reason"))
    if r.observational:
        out.append(t("risk.observational"))
        return out
    if not (r.all_treatments or trial.study_type == "INTERVENTIONAL"):
        return out
    phase_key = f"risk.{r.phase_key}" if r.phase_key else ""
    out.append(t(phase_key) if phase_key and t.has(phase_key) else t("risk.general"))
    e = trial.enrollment
    if e is not None and e.count and e.count < SMALL_ENROLMENT and status != "WITHDRAWN":
        key = {"ESTIMATED": "risk.small_estimated", "ACTUAL": "risk.small_actual"}.get(e.type or "", "risk.small")
        out.append(t(key, count=e.count))
    if trial.design.masking == "NONE":
        out.append(t("risk.open_label"))
    comparator = {"placebo": "risk.placebo", "sham": "risk.sham", "none": "risk.no_intervention"}.get(
        r.comparator_kind or "")
    if comparator:
        out.append(t(comparator))
    elif trial.design.allocation == "RANDOMIZED":
        out.append(t("risk.randomized"))
    for route in r.routes:
        if route.risk and route.risk not in out:
            out.append(route.risk)
    if any(x.type == "PROCEDURE" for x in (r.tested or r.all_treatments)):
        out.append(t("risk.procedure"))
    return out


def _reason(why: str | None, res: Resources) -> str | None:
    if not why:
        return None
    sentences = split_sentences(normalize(why))
    if not sentences:
        return None
    first = res.glossary.replace(sentences[0])
    words = first.split()
    if len(words) > MAX_REASON_WORDS:
        first = " ".join(words[:MAX_REASON_WORDS]) + " …"
    first = first.strip()
    if word_count(first) == 0:
        return None
    return first if first.endswith((".", "…", "!", "?")) else first + "."
