"""Age and sex limits from a record's structured fields (``minimumAge``, ``maximumAge``, ``sex``)."""

from __future__ import annotations

import re

from .constraints import AgeConstraint, ParsedCriterion, SexConstraint
from .criteria import Criterion
from .errors import CriteriaError

_AGE_FIELD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|yr|month|week|day|hour|minute)s?\s*$", re.I)
_AGE_DIVISOR = {"year": 1.0, "yr": 1.0, "month": 12.0, "week": 52.18, "day": 365.25, "hour": 8766.0, "minute": 525960.0}


def _age_field(value: str | None) -> float | None:
    if value is None or not str(value).strip() or str(value).strip().upper() in {"N/A", "NA", "NONE"}:
        return None
    m = _AGE_FIELD.match(str(value))
    if not m:
        raise CriteriaError(f"Age '{value}' is not like '18 Years' or '6 Months': pass the record's minimumAge/maximumAge.")
    return float(m.group(1)) / _AGE_DIVISOR[m.group(2).lower()]


def registry_criteria(minimum_age: str | None = None, maximum_age: str | None = None,
                      sex: str | None = None) -> list[ParsedCriterion]:
    """Age and sex limits from the record's structured fields, as parsed inclusion criteria."""
    out: list[ParsedCriterion] = []
    lo, hi = _age_field(minimum_age), _age_field(maximum_age)
    if lo is not None or hi is not None:
        if lo is not None and hi is not None:
            age = AgeConstraint(comparator="between", value=lo, upper=hi, text=f"{minimum_age} to {maximum_age}")
            label = f"Age {minimum_age} to {maximum_age}"
        elif lo is not None:
            age = AgeConstraint(comparator=">=", value=lo, text=f"{minimum_age} or older")
            label = f"Age {minimum_age} or older"
        else:
            age = AgeConstraint(comparator="<=", value=hi, text=f"{maximum_age} or younger")  # type: ignore[arg-type]
            label = f"Age {maximum_age} or younger"
        crit = Criterion(kind="inclusion", text=label.replace("Years", "years").replace("Year", "year"),
                         index=-1, source="registry")
        out.append(ParsedCriterion(criterion=crit, constraints=[age]))
    if sex and sex.strip().upper() in {"FEMALE", "MALE"}:
        value = sex.strip().lower()
        crit = Criterion(kind="inclusion", text=f"Sex: {value} only", index=-2, source="registry")
        out.append(ParsedCriterion(criterion=crit, constraints=[SexConstraint(sex=value, text=sex)]))  # type: ignore[arg-type]
    elif sex and sex.strip().upper() not in {"ALL", "BOTH", ""}:
        raise CriteriaError(f"Sex '{sex}' is not ALL, FEMALE or MALE: pass the record's eligibilityModule.sex.")
    return out
