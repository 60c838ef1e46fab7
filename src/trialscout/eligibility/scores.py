"""Clinical scores: read from a profile, or computed from its labs when it has the inputs.

* MELD (UNOS, original): ``10 × (0.957 ln Cr + 0.378 ln bilirubin + 1.120 ln INR + 0.643)``
  with bilirubin and creatinine in mg/dL; each input floored at 1.0, creatinine
  capped at 4.0 (and set to 4.0 on dialysis); rounded, 6–40.
* BMI: weight (kg) / height (m)².
* eGFR: CKD-EPI 2021 (race-free) from creatinine, age and sex.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from .labs import convert, format_unit, to_canonical
from .errors import UnitError
from .grades import score_spec
from .profile.models import Profile
from .text import grade_number


@dataclass(frozen=True)
class ScoreValue:
    """A score as an interval (a single value has ``low == high``) and how it was obtained."""

    low: float
    high: float
    how: str
    computed: bool = False


def meld(bilirubin_mg_dl: float, inr: float, creatinine_mg_dl: float, dialysis: bool = False) -> int:
    """UNOS MELD score (6–40) from bilirubin and creatinine in mg/dL and INR."""
    bili = max(bilirubin_mg_dl, 1.0)
    inr_v = max(inr, 1.0)
    cr = 4.0 if dialysis else min(max(creatinine_mg_dl, 1.0), 4.0)
    raw = 10 * (0.957 * math.log(cr) + 0.378 * math.log(bili) + 1.120 * math.log(inr_v) + 0.643)
    return int(min(max(round(raw), 6), 40))


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body mass index in kg/m²."""
    metres = height_cm / 100.0
    return weight_kg / (metres * metres)


def egfr_ckd_epi_2021(creatinine_mg_dl: float, age: float, sex: str) -> float:
    """CKD-EPI 2021 eGFR in mL/min/1.73 m²."""
    female = sex == "female"
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = creatinine_mg_dl / kappa
    value = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.200 * 0.9938 ** age
    return value * (1.012 if female else 1.0)


def _latest_value(profile: Profile, analyte: str, unit: str) -> tuple[float, str] | None:
    for lab in profile.latest_labs(analyte):
        try:
            value = convert(lab.value, lab.unit or "1", unit, analyte) if lab.unit or unit == "1" else None
        except UnitError:
            continue
        if value is not None:
            return value, f"{lab.name or analyte} {lab.value:g} {format_unit(lab.unit)}".strip()
    return None


def _on_dialysis(profile: Profile) -> bool:
    return any(p.concept == "dialysis" and p.present for p in profile.procedures)


def _given(score_id: str, raw: float | str) -> ScoreValue | None:
    spec = score_spec(score_id)
    if isinstance(raw, (int, float)):
        return ScoreValue(float(raw), float(raw), f"{spec['label']} {raw:g}")
    text = str(raw).strip()
    classes = spec.get("classes", {})
    if text.upper() in classes:
        lo, hi = classes[text.upper()]
        return ScoreValue(float(lo), float(hi), f"{spec['label']} class {text.upper()}")
    grade = grade_number(text.split(":")[0].replace("grade", "").replace("class", "").strip())
    if grade is not None:
        return ScoreValue(float(grade), float(grade), f"{spec['label']} {text}")
    return None


def missing_inputs(profile: Profile, score_id: str, today: date | None = None) -> list[str]:
    """The inputs of a computed score (``computed_from``: analyte ids, "age", "sex") the profile lacks.

    A lab counts only when its unit can be converted, as ``score_value`` needs.
    """
    have = {"age": profile.age_on(today) is not None, "sex": profile.sex is not None,
            "weight": profile.weight_kg is not None, "height": profile.height_cm is not None}
    return [name for name in score_spec(score_id).get("computed_from", [])
            if not have.get(name) and not any(to_canonical(lab.value, lab.unit, name) is not None
                                              for lab in profile.latest_labs(name))]


def score_value(profile: Profile, score_id: str, today: date | None = None) -> ScoreValue | None:
    """The profile's value for a score: given (answers or scores), else computed, else ``None``."""
    raw = profile.answers.get(f"score:{score_id}", profile.scores.get(score_id))
    if raw is not None:
        return _given(score_id, raw)
    if score_id == "meld":
        bili = _latest_value(profile, "bilirubin", "mg/dL")
        inr = _latest_value(profile, "inr", "1")
        cr = _latest_value(profile, "creatinine", "mg/dL")
        if bili and inr and cr:
            value = meld(bili[0], inr[0], cr[0], _on_dialysis(profile))
            return ScoreValue(value, value, f"MELD {value} computed from {bili[1]}, INR {inr[0]:g}, {cr[1]}", True)
    if score_id == "bmi":
        weight = profile.weight_kg or (_latest_value(profile, "weight", "kg") or (None,))[0]
        height = profile.height_cm or (_latest_value(profile, "height", "cm") or (None,))[0]
        if weight and height:
            value = round(bmi(weight, height), 1)
            return ScoreValue(value, value, f"BMI {value:g} computed from weight {weight:g} kg and height {height:g} cm", True)
    if score_id == "egfr":
        cr = _latest_value(profile, "creatinine", "mg/dL")
        age = profile.age_on(today)
        if cr and age is not None and profile.sex:
            value = round(egfr_ckd_epi_2021(cr[0], age, profile.sex))
            return ScoreValue(value, value, f"eGFR {value} computed (CKD-EPI 2021) from {cr[1]}, age and sex", True)
    if score_id == "hepatic_encephalopathy_grade":
        for fact in profile.conditions:
            if fact.concept == "hepatic_encephalopathy" and not fact.present:
                return ScoreValue(0, 0, "no hepatic encephalopathy")
    return None
