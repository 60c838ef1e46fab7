"""Named errors of the plain-language engine.

A record that is thin, odd or in another script is never an error: it gets a shorter page.
These are for what a person or a deployment can get wrong: a broken rules file, an LLM
endpoint that cannot be used.
"""

from __future__ import annotations


class PlainLanguageError(Exception):
    """Base class of every error raised by ``trialscout.plain``."""


class RulesError(PlainLanguageError):
    """A glossary, template or grounding file is missing or malformed; the message names it."""


class TemplateSlotError(RulesError):
    """A template names a slot the generator does not fill (a bug in the template file)."""


class WriterError(PlainLanguageError):
    """An optional writer (the LLM) gave no usable text; the deterministic text is used instead."""


class WriterUnavailable(WriterError):
    """The LLM endpoint could not be reached, timed out or answered with an HTTP error."""


class WriterReplyInvalid(WriterError):
    """The LLM answered, but not with the JSON object the prompt asks for."""
