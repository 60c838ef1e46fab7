"""Everything one language needs: templates, glossary, grounding lexicon (loaded once)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .glossary import Glossary, load_glossary
from .grounding import ClaimReader, Lexicon, known_vocabulary, load_lexicon
from .labels import all_texts as label_texts
from .templates import Templates, load_templates


@dataclass(frozen=True)
class Resources:
    templates: Templates
    glossary: Glossary
    lexicon: Lexicon

    @property
    def lang(self) -> str:
        return self.templates.lang

    @cached_property
    def known_words(self) -> frozenset[str]:
        """Trusted wording: template words, label texts, glossary plain words, common words."""
        labels = " ".join(label_texts())
        plain = " ".join(f"{e.plain} {e.explain} {e.risk}" for e in self.glossary.entries)
        return known_vocabulary([self.templates.all_text(), labels, plain]) | self.lexicon.common_words

    @cached_property
    def claim_reader(self) -> ClaimReader:
        """Finds facts in sentences (cached: template sentences repeat across trials)."""
        return ClaimReader(self.lexicon, self.known_words)


_CACHE: dict[tuple[str, str | None, float], Resources] = {}


def load_resources(lang: str = "en", extra_glossary: Path | None = None) -> Resources:
    """Resources for ``lang``; ``extra_glossary`` (if the file exists) extends the glossary."""
    present = extra_glossary is not None and extra_glossary.is_file()
    key = (lang, str(extra_glossary) if present else None, extra_glossary.stat().st_mtime if present else 0.0)
    if key not in _CACHE:
        _CACHE[key] = Resources(load_templates(lang), load_glossary(lang, extra_glossary), load_lexicon(lang))
    return _CACHE[key]
