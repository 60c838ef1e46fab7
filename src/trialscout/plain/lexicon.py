"""What counts as a fact in a sentence, per language (``rules/grounding.LANG.json``): number
words, units, claim words and claim suffixes, and the ordinary words that may open a sentence."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import RulesError
from .text import NUMBER_AT_DIGIT, value_key

RULES_DIR = Path(__file__).with_name("rules")
_UNIT_SYNONYMS = {
    "hrs": "hour", "hr": "hour", "h": "hour", "hours": "hour", "yrs": "year", "yr": "year", "years": "year",
    "wks": "week", "weeks": "week", "mos": "month", "months": "month", "min": "minute", "minutes": "minute",
    "sec": "second", "seconds": "second", "days": "day", "percent": "%", "per cent": "%", "lbs": "lb",
    "mcg": "μg", "ug": "μg", "umol/l": "μmol/l", "doses": "dose", "cycles": "cycle", "sessions": "session",
    "visits": "visit", "tablets": "tablet", "capsules": "capsule", "puffs": "puff", "injections": "injection",
    "infusions": "infusion", "units": "unit", "u": "unit", "times": "time",
}


@dataclass(frozen=True)
class Lexicon:
    """One language's idea of what counts as a fact (``rules/grounding.LANG.json``)."""

    number_words: dict[str, str]
    units: tuple[str, ...]
    claim_words: frozenset[str]
    claim_suffixes: tuple[str, ...]
    suffix_min_length: int
    not_claims: frozenset[str]
    common_words: frozenset[str]
    quantity: re.Pattern[str] = field(repr=False, compare=False, default=re.compile(""))

    def __post_init__(self) -> None:
        by_value: dict[str, list[str]] = {}
        for word, value in self.number_words.items():
            by_value.setdefault(value, []).append(word)
        object.__setattr__(self, "_by_value", {v: tuple(w) for v, w in by_value.items()})

    def words_for(self, key: str) -> tuple[str, ...]:
        """The number words that stand for the number ``key`` ("2" → ("two", "second", ...))."""
        return self._by_value.get(key, ())

    def is_claim_word(self, lower: str, suffixes: bool = True) -> bool:
        if lower in self.not_claims:
            return False
        if lower in self.claim_words:
            return True
        return suffixes and len(lower) >= self.suffix_min_length and lower.endswith(self.claim_suffixes)


def unit_key(unit: str) -> str:
    u = unit.lower().replace("µ", "μ").replace("²", "2").replace("^", "").replace(" ", "")
    if u in {"x", "×"} or (u[:1] in {"x", "×"} and u[1:].removeprefix("the") in {"uln", "unl", "iuln"}):
        return "time"  # "1.5 x ULN" is "1.5 times the upper limit of normal"
    return _UNIT_SYNONYMS.get(u, u)


def _quantity_pattern(units: tuple[str, ...]) -> re.Pattern[str]:
    """A number and one of ``units`` (longest first), in any case: groups (number, unit).

    The units are grouped by first letter, each group behind a look-ahead for that letter, and
    a look-ahead for any first letter follows the number: the search drops most numbers, and
    most units, without trying the units one by one. Same matches as the plain alternation.
    """
    groups: dict[str, list[str]] = {}
    for unit in units:
        head = next((k for k in groups if re.fullmatch(re.escape(k), unit[0], re.IGNORECASE)), unit[0])
        groups.setdefault(head, []).append(re.escape(unit).replace(r"\ ", r"\s?"))
    alternatives = "|".join(f"(?={re.escape(head)})(?:{'|'.join(group)})" for head, group in groups.items())
    starts = "".join(re.escape(head) for head in groups)
    return re.compile(rf"({NUMBER_AT_DIGIT})(?=\s*[{starts}])\s*((?:{alternatives}))(?![\w/])", re.IGNORECASE)


@cache
def load_lexicon(lang: str = "en") -> Lexicon:
    path = RULES_DIR / f"grounding.{lang}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: no grounding rules for language {lang!r}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid JSON ({exc}); fix the file") from None
    try:
        units = tuple(sorted({u.lower() for u in data["units"]}, key=len, reverse=True))
        quantity = _quantity_pattern(units)
        return Lexicon(
            number_words={k.lower(): value_key(v) for k, v in data["number_words"].items()},
            units=units,
            claim_words=frozenset(w.lower() for w in data["claim_words"]),
            claim_suffixes=tuple(s.lower() for s in data["claim_suffixes"]),
            suffix_min_length=int(data.get("claim_suffix_min_length", 6)),
            not_claims=frozenset(w.lower() for w in data.get("not_claims", [])),
            common_words=frozenset(w.lower() for w in data.get("common_words", [])),
            quantity=quantity,
        )
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise RulesError(f"{path}: missing or malformed key ({exc}); see the file's 'about'") from None
