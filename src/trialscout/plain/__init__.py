"""Plain language: every trial explained the way the seed pages do, true to the record.

    res = load_resources()                      # templates, glossary, grounding rules (data)
    page = explain_trial(trial, res)            # PlainTrial: headline, summary, meaning, who can join…
    page.to_payload()                           # what the store keeps and the page and API show

Deterministic by default (templates over the record plus a lay glossary); an optional LLM
writer (:class:`LLMWriter`) proposes text that must pass the same checks. The grounding
check (:class:`Evidence`) drops any sentence with a number, unit, name or condition the
record does not support and reports it as a defect.
"""

from .compose import TemplateWriter
from .derive import KIND, derive_plain
from .errors import (
    PlainLanguageError,
    RulesError,
    TemplateSlotError,
    WriterError,
    WriterReplyInvalid,
    WriterUnavailable,
)
from .explain import Writer, explain_trial
from .glossary import Entry, Glossary, load_glossary
from .grounding import Evidence, Problem
from .llm import LLMWriter
from .models import SECTIONS, Defect, Draft, Fallback, PlainTrial
from .readability import TARGET_GRADE, Grader, grade
from .resources import Resources, load_resources

__all__ = [
    "TemplateWriter", "KIND", "derive_plain", "PlainLanguageError", "RulesError", "TemplateSlotError",
    "WriterError", "WriterReplyInvalid", "WriterUnavailable", "Writer", "explain_trial", "Entry", "Glossary",
    "load_glossary", "Evidence", "Problem", "LLMWriter", "SECTIONS", "Defect", "Draft", "Fallback", "PlainTrial",
    "TARGET_GRADE", "Grader", "grade", "Resources", "load_resources",
]
