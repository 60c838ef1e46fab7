"""One trial in plain words: write, check, publish only what passes.

The template writer always runs. An optional writer (the LLM) may propose the headline,
the summary and the two "what this could mean" paragraphs; each proposed section is kept
only if every sentence is grounded in the record and it reads at the target grade, else
the template text stands and the reason is recorded. Then every section, whoever wrote
it, goes through the grounding check once more: a sentence that fails is dropped and
reported as a generator defect. Nothing ungrounded is published.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from collections.abc import Sequence
from typing import Any, Protocol

from ..trial import Trial
from .compose import TemplateWriter
from .errors import WriterError
from .grounding import Evidence
from .joining import Item
from .models import Defect, Draft, Fallback, PlainTrial, Substance
from .readability import TARGET_GRADE
from .resources import Resources
from .summary import MAX_HEADLINE_WORDS, MAX_SENTENCES, MIN_SENTENCES
from .text import split_sentences

log = logging.getLogger(__name__)

#: Sections an optional writer may propose.
PROPOSABLE = ("headline", "summary", "could_lead_to", "could_go_wrong")


class Writer(Protocol):
    """An optional writer: given the record and the template draft, propose section texts."""

    name: str

    def propose(self, trial: Trial, draft: Draft) -> dict[str, Any]: ...


def explain_trial(trial: Trial, res: Resources, writer: Writer | None = None,
                  base: TemplateWriter | None = None, criteria: Sequence[Item] | None = None) -> PlainTrial:
    """The published page of ``trial``. ``criteria``: its eligibility criteria as the eligibility
    engine split them (read from the stored parse by the derive step); split here when None."""
    base = base or TemplateWriter(res)
    draft = base.compose(trial, criteria)
    evidence = Evidence(trial, res.glossary, res.lexicon, res.known_words, res.claim_reader)
    fallbacks: list[Fallback] = []
    writer_name = base.name
    if writer is not None:
        try:
            proposal = writer.propose(trial, draft)
        except WriterError as exc:
            fallbacks.append(Fallback("all", str(exc)))
        else:
            draft, fallbacks, accepted = _merge(draft, proposal, evidence, base)
            if accepted:
                writer_name = writer.name
    defects: list[Defect] = []
    draft = _gate(draft, evidence, defects, writer_name)
    if draft.headline is None:  # every candidate named something the record does not back: say nothing specific
        draft = replace(draft, headline=res.templates("headline.nothing"))
    for d in defects:
        log.warning("plain %s: dropped an ungrounded %s sentence (%s): %r", trial.nct_id, d.section,
                    "; ".join(d.problems), d.sentence)
    grade = base.grade(draft.summary) if draft.summary else None
    return PlainTrial(nct_id=trial.nct_id, lang=res.lang, draft=draft, writer=writer_name,
                      summary_grade=round(grade, 2) if grade is not None else None,
                      defects=defects, fallbacks=fallbacks)


# --- the optional writer's proposal -----------------------------------------------------


def _sentences(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return split_sentences(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [s for v in value for s in split_sentences(v)]
    return None


def _merge(draft: Draft, proposal: dict[str, Any], evidence: Evidence,
           base: TemplateWriter) -> tuple[Draft, list[Fallback], bool]:
    fallbacks: list[Fallback] = []
    changes: dict[str, Any] = {}
    for section in PROPOSABLE:
        if section not in proposal:
            fallbacks.append(Fallback(section, "not in the reply"))
            continue
        value = proposal[section]
        if section == "headline":
            if not isinstance(value, str) or not value.strip():
                fallbacks.append(Fallback(section, "not text"))
                continue
            sentences = [value.strip()]
            if len(value.split()) > MAX_HEADLINE_WORDS:
                fallbacks.append(Fallback(section, f"{len(value.split())} words (at most {MAX_HEADLINE_WORDS})"))
                continue
        else:
            found = _sentences(value)
            if not found:
                fallbacks.append(Fallback(section, "not a list of sentences"))
                continue
            sentences = found
            if section == "summary" and not MIN_SENTENCES <= len(sentences) <= MAX_SENTENCES:
                fallbacks.append(Fallback(section, f"{len(sentences)} sentences ({MIN_SENTENCES}–{MAX_SENTENCES} wanted)"))
                continue
        problems = [str(p) for s in sentences for p in evidence.problems(s)]
        if problems:
            fallbacks.append(Fallback(section, "ungrounded: " + "; ".join(problems[:5])))
            continue
        if section != "headline":
            level = base.grade(sentences)
            if level > TARGET_GRADE:
                fallbacks.append(Fallback(section, f"reading grade {level:.1f} (at most {TARGET_GRADE:g})"))
                continue
        changes[section] = sentences[0] if section == "headline" else sentences
    return replace(draft, **changes), fallbacks, bool(changes)


# --- the last check before publishing ---------------------------------------------------


def _gate(draft: Draft, evidence: Evidence, defects: list[Defect], writer: str) -> Draft:
    def keep(section: str, sentences: list[str]) -> list[str]:
        out = []
        for s in sentences:
            problems = evidence.problems(s)
            if problems:
                defects.append(Defect(section, s, tuple(str(p) for p in problems), writer))
            else:
                out.append(s)
        return out

    headline = draft.headline
    if headline and not keep("headline", [headline]):
        headline = None
    substances: list[Substance] = []
    for item in draft.substances:
        text = " ".join(x for x in (item.name, item.plain or "") if x)
        if keep("active_substance", [text]):
            substances.append(item)
    who = replace(draft.who,
                  basics=keep("who_can_join", draft.who.basics),
                  thresholds=keep("who_can_join", draft.who.thresholds),
                  needs=keep("who_can_join", draft.who.needs),
                  cannot=keep("who_can_join", draft.who.cannot))
    who.needs_heading = who.needs_heading if who.needs else ""
    who.cannot_heading = who.cannot_heading if who.cannot else ""
    return replace(draft, headline=headline, summary=keep("summary", draft.summary), substances=substances,
                   could_lead_to=keep("could_lead_to", draft.could_lead_to),
                   could_go_wrong=keep("could_go_wrong", draft.could_go_wrong), who=who)
