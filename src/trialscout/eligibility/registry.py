"""Age and sex limits from a record's structured fields (``minimumAge``, ``maximumAge``, ``sex``).

ClinicalTrials.gov counts ages in completed units: a maximum of "64 Years" admits everyone
before their 65th birthday (a person 64 years and 6 months old is within "18 Years to 64
Years"), "6 Months" everyone before 7 months. A maximum in years keeps the record's number
(``AgeConstraint.holds`` counts an inclusive whole-year upper end in completed years, so the
person reads "between 18 and 64", as the record says); a maximum in months, weeks or days becomes
an exclusive bound one unit above (``upper_exclusive``). A minimum of "18 Years" starts on the 18th
birthday.
"""

from __future__ import annotations

import re

from .constraints import AgeConstraint, ParsedCriterion, SexConstraint
from .criteria import Criterion
from .errors import CriteriaError

_AGE_FIELD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|yr|month|week|day|hour|minute)s?\s*$", re.I)
_AGE_DIVISOR = {"year": 1.0, "yr": 1.0, "month": 12.0, "week": 52.18, "day": 365.25, "hour": 8766.0, "minute": 525960.0}


def _age_field(value: str | None) -> tuple[float, float] | None:
    """``(years, one unit in years)`` of "18 Years" / "6 Months", ``None`` when the record gives no limit."""
    if value is None or not str(value).strip() or str(value).strip().upper() in {"N/A", "NA", "NONE"}:
        return None
    m = _AGE_FIELD.match(str(value))
    if not m:
        raise CriteriaError(f"Age '{value}' is not like '18 Years' or '6 Months': pass the record's minimumAge/maximumAge.")
    unit = 1.0 / _AGE_DIVISOR[m.group(2).lower()]
    return float(m.group(1)) * unit, unit


def _maximum(field: tuple[float, float]) -> tuple[float, bool]:
    """(bound in years, exclusive) for a record's maximum: "64 Years" is 64 in completed years (up to the
    65th birthday, see ``AgeConstraint.holds``); "6 Months" is under 7 months."""
    years, unit = field
    if unit == 1.0 and years == int(years):
        return years, False
    return years + unit, True


def registry_criteria(minimum_age: str | None = None, maximum_age: str | None = None,
                      sex: str | None = None) -> list[ParsedCriterion]:
    """Age and sex limits from the record's structured fields, as parsed inclusion criteria."""
    out: list[ParsedCriterion] = []
    low, high = _age_field(minimum_age), _age_field(maximum_age)
    lo = low[0] if low else None
    hi, exclusive = _maximum(high) if high else (None, False)
    if lo is not None or hi is not None:
        if lo is not None and hi is not None:
            age = AgeConstraint(comparator="between", value=lo, upper=hi, upper_exclusive=exclusive,
                                text=f"{minimum_age} to {maximum_age}")
            label = f"Age {minimum_age} to {maximum_age}"
        elif lo is not None:
            age = AgeConstraint(comparator=">=", value=lo, text=f"{minimum_age} or older")
            label = f"Age {minimum_age} or older"
        else:
            age = AgeConstraint(comparator="<" if exclusive else "<=", value=hi,  # type: ignore[arg-type]
                                text=f"{maximum_age} or younger")
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
