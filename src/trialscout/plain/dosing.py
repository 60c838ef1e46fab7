"""The dose and schedule of the tested treatment, read from its arm and intervention descriptions.

Only a plain, single statement is read: one amount per dose ("1*10^8 cells/dose", "300 mg"), a
number of doses ("2 doses"), an interval ("apart from 24weeks", "every 4 weeks"), a frequency
("once daily") and a duration ("for 7 days"). Vocabulary and patterns are data
(``rules/dosing.LANG.json``). When the descriptions disagree, name several amounts, or use a word
that says the dose changes by group, step or period (``unsure_words``), nothing is read: a wrong
dose is worse than none.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

from ..trial import Trial
from .errors import RulesError
from .lexicon import RULES_DIR
from .reading import clean_name
from .text import NUMBER_AT_DIGIT, normalize, number_key


@dataclass(frozen=True)
class Dose:
    """What one tested treatment's descriptions state about its dose; ``None`` fields are unstated."""

    amount: str | None = None  # "1×10^8 cells", "300 mg"
    count: str | None = None  # "2 doses"
    interval: str | None = None  # "24 weeks"  (between doses)
    every: str | None = None  # "4 weeks"  (given every ...)
    frequency: str | None = None  # "once a day"
    duration: str | None = None  # "7 days"

    @property
    def empty(self) -> bool:
        return not (self.amount or self.count or self.interval or self.every or self.frequency)


@dataclass(frozen=True)
class DosingRules:
    amount: re.Pattern[str]
    units: dict[str, str]
    count: re.Pattern[str]
    intervals: tuple[re.Pattern[str], ...]
    everies: tuple[re.Pattern[str], ...]
    durations: tuple[re.Pattern[str], ...]
    frequencies: dict[str, str]
    frequency: re.Pattern[str]
    unsure: re.Pattern[str]
    time_units: dict[str, str]
    kinds: frozenset[str]


_SCIENTIFIC = r"\d+(?:\.\d+)?\s*[*x×]\s*10\s*\^\s*\d+"


@cache
def load_dosing_rules(lang: str = "en") -> DosingRules:
    path = RULES_DIR / f"dosing.{lang}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        units = {k.lower(): v for k, v in data["amount_units"].items()}
        unit_alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
        amount = re.compile(rf"(?<![\w.^])({_SCIENTIFIC}|{NUMBER_AT_DIGIT})\s*({unit_alt})(?![\w])", re.IGNORECASE)
        nouns = "|".join(re.escape(n) for n in data["count_nouns"])
        count = re.compile(rf"(?<![\w.])(\d+)\s+({nouns})\b", re.IGNORECASE)
        intervals = [re.compile(p, re.IGNORECASE) for p in data["interval_patterns"]]
        everies = tuple(p for p in intervals if p.pattern.startswith(r"\bevery"))
        freq = {k.lower(): v for k, v in data["frequencies"].items()}
        unsure = "|".join(
            (r"(?<![^\W_])" if w[:1].isalnum() else "") + re.escape(w.lower()) for w in data["unsure_words"])
        unsure += "|" + data["range_pattern"]
        return DosingRules(
            amount=amount, units=units, count=count,
            intervals=tuple(p for p in intervals if p not in everies), everies=everies,
            durations=tuple(re.compile(p, re.IGNORECASE) for p in data["duration_patterns"]),
            frequencies=freq,
            frequency=re.compile(r"\b(?:" + "|".join(re.escape(f) for f in freq) + r")\b", re.IGNORECASE),
            unsure=re.compile(unsure, re.IGNORECASE), time_units=dict(data["time_units"]),
            kinds=frozenset(data["dose_kinds"]))
    except FileNotFoundError:
        raise RulesError(f"{path}: no dosing rules for language {lang!r}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: not valid JSON ({exc}); fix the file") from None
    except (KeyError, TypeError, AttributeError, ValueError, re.error) as exc:
        raise RulesError(f"{path}: missing or malformed key ({exc}); see the file's 'about'") from None


def dose_texts(trial: Trial, tested_names: list[str], lang: str = "en") -> list[str] | None:
    """The descriptions of the one tested medicine and its experimental arms (``None``: not one)."""
    if len(tested_names) != 1:
        return None
    name = tested_names[0].lower()
    items = [i for i in trial.interventions if clean_name(i.name).lower() == name]
    if len(items) != 1:
        return None
    item = items[0]
    if item.type not in load_dosing_rules(lang).kinds:
        return None
    texts = [item.description or ""]
    for arm in trial.arms:
        if arm.type != "EXPERIMENTAL" or not arm.description:
            continue
        linked = arm.label in item.arm_labels or any(x.lower().endswith(item.name.lower()) for x in arm.interventions)
        if not linked or len(arm.interventions) > 1:
            return None  # an experimental arm of this treatment gives it with something else
        texts.append(arm.description)
    return [normalize(t) for t in texts if t and t.strip()]


def read_dose(texts: list[str], lang: str = "en") -> Dose | None:
    """The dose the ``texts`` agree on; ``None`` when they state none or are not plain enough to trust."""
    rules = load_dosing_rules(lang)
    found: dict[str, set[str]] = {k: set() for k in ("amount", "count", "interval", "every", "frequency", "duration")}
    for text in texts:
        if rules.unsure.search(text):
            if _states_dose(text, rules):
                return None  # a dose that changes by group, step or period: say nothing
            continue
        amounts = {_amount(m.group(1), m.group(2), rules) for m in rules.amount.finditer(text)}
        if len(amounts) > 1:
            return None
        found["amount"] |= amounts
        found["count"] |= {f"{int(m.group(1))} {m.group(2).lower()}" for m in rules.count.finditer(text)}
        found["interval"] |= {_time(m, rules) for p in rules.intervals for m in p.finditer(text)}
        found["every"] |= {_time(m, rules) for p in rules.everies for m in p.finditer(text)}
        found["duration"] |= {_time(m, rules) for p in rules.durations for m in p.finditer(text)}
        found["frequency"] |= {rules.frequencies[m.group(0).lower()] for m in rules.frequency.finditer(text)}
    if any(len(v) > 1 for v in found.values()):
        return None
    one = {k: next(iter(v)) if v else None for k, v in found.items()}
    if one["interval"] and one["every"]:
        return None
    dose = Dose(**one)
    return None if dose.empty else dose


def _states_dose(text: str, rules: DosingRules) -> bool:
    patterns = (rules.amount, rules.count, rules.frequency, *rules.intervals, *rules.everies, *rules.durations)
    return any(p.search(text) for p in patterns)


def _amount(number: str, unit: str, rules: DosingRules) -> str:
    shown = rules.units[unit.lower()]
    sci = re.fullmatch(r"(\d+(?:\.\d+)?)\s*[*x×]\s*10\s*\^\s*(\d+)", number)
    value = f"{sci.group(1)}×10^{sci.group(2)}" if sci else number
    return f"{value} {shown}"


def _time(m: re.Match[str], rules: DosingRules) -> str:
    n = number_key(m.group("n")) or m.group("n")
    unit = rules.time_units.get(m.group("unit").lower(), m.group("unit").lower())
    if n == "1":
        unit = unit.rstrip("s")
    elif not unit.endswith("s"):
        unit += "s"
    return f"{n} {unit}"
