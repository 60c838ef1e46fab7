"""The deterministic writer: the whole page as templates over the read record."""

from __future__ import annotations

from collections.abc import Sequence

from ..trial import Trial
from .labels import label
from .meaning import could_go_wrong, could_lead_to, substances
from .models import Draft, LabelLine
from .joining import Item, who_can_join
from .readability import TARGET_GRADE, Grader
from .reading import Reading, read_trial
from .resources import Resources
from .summary import fit_grade, headline, summary_variants
from .text import split_sentences

_LABEL_KINDS = ("overall_status", "phase", "study_type", "primary_purpose", "allocation", "intervention_model",
                "masking")
_LABEL_TABLES = {"overall_status": "status"}


class TemplateWriter:
    """Writes every section from templates; the reference the optional LLM writer falls back to."""

    name = "templates"

    def __init__(self, resources: Resources) -> None:
        self.res = resources
        self.grader = Grader(resources.templates.readability_lang)
        self._labels: dict[tuple[object, ...], list[LabelLine]] = {}

    def compose(self, trial: Trial, criteria: Sequence[Item] | None = None) -> Draft:
        """Every section of ``trial``'s page; ``criteria``: its eligibility items already split."""
        res = self.res
        r = read_trial(trial, res)
        sentences, _ = fit_grade(summary_variants(r, res), self.grader.grade, TARGET_GRADE)
        heading, items, more = substances(r, res)
        return Draft(
            headline=headline(r, res),
            summary=sentences,
            substances=items,
            substances_more=more,
            substance_heading=heading,
            could_lead_to=could_lead_to(r, res),
            could_go_wrong=could_go_wrong(r, res),
            who=who_can_join(r, res, criteria),
            labels=self.label_lines(trial),
            informational=res.templates("meaning.informational"),
            disclaimer=res.templates.lines("disclaimer.lines"),
            headings=dict(res.templates.raw("headings")),
        )

    def label_lines(self, trial: Trial) -> list[LabelLine]:
        """:func:`label_lines`, remembered by the codes (a few hundred combinations recur)."""
        d = trial.design
        key = (trial.overall_status, tuple(trial.phases), trial.study_type, d.primary_purpose, d.allocation,
               d.intervention_model, d.masking)
        found = self._labels.get(key)
        if found is None:
            if len(self._labels) >= 10_000:
                self._labels.clear()
            found = self._labels[key] = label_lines(trial, self.res)
        return list(found)

    def grade(self, text: str | list[str]) -> float:
        """Reading grade of a text or of a list of sentences."""
        return self.grader.grade(split_sentences(text) if isinstance(text, str) else text)

    def reading(self, trial: Trial) -> Reading:
        return read_trial(trial, self.res)


def label_lines(trial: Trial, res: Resources) -> list[LabelLine]:
    """Status, phase, study type, purpose, allocation, model and masking, each with a line of explanation."""
    d = trial.design
    codes: dict[str, list[str | None]] = {
        "overall_status": [trial.overall_status],
        "phase": list(trial.phases),
        "study_type": [trial.study_type],
        "primary_purpose": [d.primary_purpose],
        "allocation": [d.allocation],
        "intervention_model": [d.intervention_model],
        "masking": [d.masking],
    }
    out = []
    for kind in _LABEL_KINDS:
        for code in codes[kind]:
            found = label(_LABEL_TABLES.get(kind, kind), code)
            if found is not None:
                out.append(LabelLine(name=res.templates(f"labels.{kind}"), code=found.code, label=found.label,
                                     explain=found.explain))
    return out
