"""Figures for ``trialscout eval plain``: readability, grounding, sections, speed.

Every trial is explained, then its published text is checked again from the payload, as a
reader would get it: a sentence that does not pass the grounding check there counts as an
ungrounded fact published (the target is zero). Sections are counted against what the
record has the data for.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..trial import Trial
from .compose import TemplateWriter
from .explain import Writer, explain_trial
from .grounding import Evidence
from .models import SECTIONS, PlainTrial
from .readability import TARGET_GRADE
from .resources import Resources

#: Share of summaries that must read at grade 8 or lower (issue 5).
TARGET_READABLE_SHARE = 0.90
#: Deterministic generation speed the product needs to keep up with a full registry.
TARGET_TRIALS_PER_SECOND = 500


@dataclass
class PlainEvaluation:
    trials: int = 0
    graded: int = 0
    readable: int = 0
    median_grade: float = 0.0
    ungrounded_published: int = 0
    defects: int = 0
    fallbacks: int = 0
    expected: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SECTIONS})
    present: dict[str, int] = field(default_factory=lambda: {s: 0 for s in SECTIONS})
    missing: list[tuple[str, str]] = field(default_factory=list)
    longest_headline: int = 0
    summaries_out_of_range: int = 0
    seconds: float = 0.0
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def readable_share(self) -> float:
        return self.readable / self.graded if self.graded else 0.0

    @property
    def section_share(self) -> float:
        expected = sum(self.expected.values())
        return sum(min(self.present[s], self.expected[s]) for s in SECTIONS) / expected if expected else 1.0

    @property
    def trials_per_second(self) -> float:
        return self.trials / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(readable_share=round(self.readable_share, 4), section_share=round(self.section_share, 4),
                    trials_per_second=round(self.trials_per_second, 1), targets={
                        "readable_share": TARGET_READABLE_SHARE, "grade": TARGET_GRADE,
                        "ungrounded_published": 0, "trials_per_second": TARGET_TRIALS_PER_SECOND})
        data["missing"] = [{"nct_id": n, "section": s} for n, s in self.missing]
        return data

    def summary_line(self) -> str:
        return (f"plain: {self.trials} trials · grade ≤ {TARGET_GRADE:g} in {self.readable_share:.1%} of summaries "
                f"(target ≥ {TARGET_READABLE_SHARE:.0%}) · {self.ungrounded_published} ungrounded sentences published · "
                f"{self.defects} generator defects dropped · sections {self.section_share:.1%} where the data exists · "
                f"{self.trials_per_second:,.0f} trials/s")


def expected_sections(trial: Trial) -> dict[str, bool]:
    """Which seed-page sections the record has the data for."""
    t = trial
    e = t.eligibility
    codes = [t.overall_status, t.study_type, t.design.primary_purpose, t.design.allocation,
             t.design.intervention_model, t.design.masking, *t.phases]
    return {
        "headline": True,
        "summary": True,
        "active_substance": bool(t.interventions),
        "could_lead_to": bool(t.interventions or t.conditions or t.study_type == "OBSERVATIONAL" or t.has_results),
        "could_go_wrong": bool(t.interventions or t.study_type in {"INTERVENTIONAL", "OBSERVATIONAL"}
                               or t.overall_status in {"TERMINATED", "WITHDRAWN", "SUSPENDED"}),
        "who_can_join": bool(e.sex or e.minimum_age or e.maximum_age or e.healthy_volunteers is not None or e.criteria),
        "labels": any(codes),
        "disclaimer": True,
    }


def published_sentences(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(section, sentence) for every statement a payload publishes about the trial."""
    out: list[tuple[str, str]] = []
    if payload.get("headline"):
        out.append(("headline", payload["headline"]))
    out += [("summary", s) for s in payload["summary"]]
    meaning = payload["meaning"]
    out += [("active_substance", " ".join(x for x in (s["name"], s.get("plain") or "") if x))
            for s in meaning["active_substance"]]
    out += [("could_lead_to", s) for s in meaning["could_lead_to"]]
    out += [("could_go_wrong", s) for s in meaning["could_go_wrong"]]
    who = payload["who_can_join"]
    out += [("who_can_join", s) for key in ("basics", "thresholds", "needs", "cannot") for s in who[key]]
    return out


def evaluate(trials: Iterable[Trial], res: Resources, writer: Writer | None = None,
             keep_examples: int = 3) -> PlainEvaluation:
    trials = list(trials)
    report = PlainEvaluation(trials=len(trials))
    if writer is None:
        # Warm up on a quarter of the trials (compiled patterns, the pronunciation dictionary),
        # then time a pass with empty sentence caches: the steady speed of a long run.
        for trial in trials[::4]:
            explain_trial(trial, res, None, TemplateWriter(res))
        res.claim_reader.clear()
    base = TemplateWriter(res)
    started = time.perf_counter()
    pages: list[PlainTrial] = [explain_trial(t, res, writer, base) for t in trials]
    report.seconds = time.perf_counter() - started
    grades = []
    for trial, page in zip(trials, pages):
        payload = page.to_payload()
        evidence = Evidence(trial, res.glossary, res.lexicon, res.known_words, res.claim_reader)
        report.ungrounded_published += sum(1 for _, s in published_sentences(payload) if evidence.problems(s))
        report.defects += len(page.defects)
        report.fallbacks += len(page.fallbacks)
        if page.summary_grade is not None:
            grades.append(page.summary_grade)
        summary_count = len(payload["summary"])
        if not 3 <= summary_count <= 5:
            report.summaries_out_of_range += 1
        if payload["headline"]:
            report.longest_headline = max(report.longest_headline, len(payload["headline"].split()))
        present = payload["sections"]
        for section, wanted in expected_sections(trial).items():
            if wanted:
                report.expected[section] += 1
                if present[section]:
                    report.present[section] += 1
                else:
                    report.missing.append((trial.nct_id, section))
        if len(report.examples) < keep_examples and trial.nct_id.startswith(("NCT0", "TSLOCAL")):
            report.examples.append({"nct_id": trial.nct_id, "headline": payload["headline"],
                                    "summary": payload["summary"]})
    report.graded = len(grades)
    report.readable = sum(1 for g in grades if g <= TARGET_GRADE)
    report.median_grade = round(statistics.median(grades), 2) if grades else 0.0
    return report


def demo_trials() -> list[Trial]:
    """The bundled demo snapshot (796 registry records and the 5 seed trials), as Trials."""
    from ..demo import demo_paths
    from ..registry.files import iter_paths
    from ..trial import InvalidRecord, trial_from_ctgov

    out = []
    for record in iter_paths(demo_paths()):
        if record.study is None:
            continue
        try:
            out.append(trial_from_ctgov(record.study))
        except InvalidRecord:
            continue
    return out
