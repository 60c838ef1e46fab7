"""Build a ``Profile`` from structured form data (JSON from the web form or the API).

Accepted keys (all optional)::

    {"age": 52, "birth_date": "1973-04-01", "sex": "male",
     "conditions": ["hepatitis B", {"name": "cirrhosis", "onset": "2015-06-01"}],
     "absent_conditions": ["diabetes"],
     "labs": [{"name": "bilirubin", "value": 12, "unit": "mg/dL", "date": "2025-05-01"},
              {"name": "IL-6", "value": 25, "unit": "pg/mL", "reference_high": 7},
              {"name": "CRP", "interpretation": "high"}],
     "medications": ["entecavir"], "procedures": [{"name": "splenectomy", "date": "2019-01-01"}],
     "pregnant": false, "lactating": false,
     "height": {"value": 175, "unit": "cm"}, "weight": {"value": 80, "unit": "kg"},
     "scores": {"ecog": 1}, "answers": {"condition:circulatory_failure": false}}

``answers`` are replies to ``questions_for`` questions, keyed by question id. A lab may
give only the report's flag (``interpretation``: high / normal / low), its normal range
(``reference_low`` / ``reference_high``), or both with the value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError

from ..errors import ProfileError, UnitError
from ..labs import analytes, convert, find_analyte, format_unit, unit_info
from ..ruleset import vocabulary
from .models import (
    ConditionFact, Evidence, LabFact, MedicationFact, ProcedureFact, Profile, ProfileFlag, check_consistency,
)

_SEX = {"female": "female", "f": "female", "woman": "female", "women": "female", "male": "male", "m": "male",
        "man": "male", "men": "male"}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}
#: Answers read as yes/no besides the entity questions: ``criterion:<index>`` and these.
YES_NO_ANSWERS = {"pregnancy_plan", "childbearing_potential", "consent", "compliance", "other_trial", "judgement",
                  "practical"}
#: What a yes / no answer to an entity question says, for the evidence shown with a verdict.
_SAID = {"condition": ("you have {}", "you do not have {}"),
         "history": ("you have had {}", "you have never had {}"),
         "family": ("a close blood relative has had {}", "no close blood relative has had {}"),
         "medication": ("you take or took {}", "you do not take {}"),
         "procedure": ("you have had {}", "you have not had {}")}


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ProfileError(f"{field} is not a date: use YYYY-MM-DD.") from exc


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise ProfileError(f"{field} must be a number, not true/false.")
    try:
        return float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{field} is not a number: give digits only, e.g. 12.5.") from exc


def _bool(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    if text in {"unknown", "not sure", "dont know", "don't know", ""}:
        return None
    raise ProfileError(f"{field} must be yes, no or unknown.")


def _sex(value: Any) -> str | None:
    if value in (None, ""):
        return None
    sex = _SEX.get(str(value).strip().lower())
    if sex is None:
        raise ProfileError("Sex is not understood: use 'female' or 'male'.")
    return sex


def _measure(value: Any, unit: str, field: str) -> float:
    """A height or weight given as a number (in ``unit``) or as {"value", "unit"}."""
    if isinstance(value, dict):
        number = _number(value.get("value"), field)
        try:
            return convert(number, value.get("unit") or unit, unit)
        except UnitError as exc:
            raise ProfileError(f"The {field} unit is not understood: use {unit}.") from exc
    return _number(value, field)


def _entry(item: Any, field: str) -> dict[str, Any]:
    if isinstance(item, str) and item.strip():
        return {"name": item}
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
        return item
    raise ProfileError(f"Each item of '{field}' must be a name or an object with a 'name' (text).")


def _items(data: dict[str, Any], field: str) -> list[Any]:
    value = data.get(field)
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ProfileError(f"'{field}' must be a list, e.g. [\"hepatitis B\"].")
    return value


def _mapping(data: dict[str, Any], field: str) -> dict[str, Any]:
    value = data.get(field)
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ProfileError(f"'{field}' must be an object, e.g. {{\"ecog\": 1}}.")
    return value


def _lab(item: Any, field: str, source: str = "form") -> LabFact:
    """A lab from {name, value, unit, date}; ``field`` names it in errors ("Lab 2", "Answer 'lab:inr'")."""
    if not isinstance(item, dict):
        raise ProfileError(f"{field} must be an object with 'name', 'value' and 'unit'.")
    name = str(item.get("analyte") or item.get("name") or "")
    analyte_id = name if name in analytes() else find_analyte(name)
    if analyte_id is None:
        known = ", ".join(sorted(a.label for a in analytes().values()))
        raise ProfileError(f"{field} is not known as a lab. Use one of: {known}.")
    flag = _flag(item.get("interpretation", item.get("flag")), f"{field} interpretation")
    value = _number(item.get("value"), f"{field} value") if item.get("value") not in (None, "") or not flag else None
    unit = item.get("unit") or None
    if source == "answer":  # the question's id, not words the person typed: show the lab's own name
        name = analytes()[analyte_id].label
    low, high = (_number(item[k], f"{field} {k}") if item.get(k) not in (None, "") else None
                 for k in ("reference_low", "reference_high"))
    shown = f"{name} {value:g} {format_unit(unit)}".strip() if value is not None else name
    if flag:
        shown += f" ({flag})"
    return LabFact(analyte=analyte_id, value=value, unit=unit, date=_date(item.get("date"), f"{field} date"),
                   interpretation=flag, reference_low=low, reference_high=high,  # type: ignore[arg-type]
                   name=name, evidence=Evidence(source=source, text=shown))  # type: ignore[arg-type]


_FLAGS = {"high": "high", "h": "high", "hh": "high", "raised": "high", "elevated": "high", "above normal": "high",
          "normal": "normal", "n": "normal", "within normal": "normal", "low": "low", "l": "low", "ll": "low",
          "below normal": "low"}


def _flag(value: Any, field: str) -> str | None:
    """A lab report's flag: high / normal / low (H, HH, N, L, LL, "raised", "elevated")."""
    if value in (None, ""):
        return None
    flag = _FLAGS.get(str(value).strip().lower())
    if flag is None:
        raise ProfileError(f"{field} must be high, normal or low (as the lab report marks the result).")
    return flag


def apply_answers(profile: Profile) -> Profile:
    """Turn answers keyed by question id into facts (``lab:bilirubin`` -> a LabFact, ...).

    Yes/no answers may be true/false or text ("yes", "n", "0" ...); the returned profile holds them as
    true/false (or ``None`` for "unknown"). Raises ``ProfileError`` naming the question for a bad answer.
    """
    update: dict[str, Any] = {}
    answers = dict(profile.answers)
    def own(facts: list[Any]) -> list[Any]:  # facts from earlier answers are rebuilt, so this is idempotent
        return [f for f in facts if f.evidence is None or f.evidence.source != "answer"]

    conditions, labs, meds, procs = own(profile.conditions), own(profile.labs), own(profile.medications), own(profile.procedures)
    family = own(profile.family_history)
    scores = dict(profile.scores)
    for qid, value in profile.answers.items():
        if value is None:
            continue
        kind, _, key = qid.partition(":")
        if qid == "age":
            update["age"] = _number(value, "age")
        elif qid in {"height", "weight"}:
            unit = "cm" if qid == "height" else "kg"
            update[f"{qid}_{unit}"] = _measure(value, unit, qid)
        elif qid == "sex":
            update["sex"] = _sex(value)
        elif qid in {"pregnant", "lactating"}:
            update[qid] = _bool(value, qid)
        elif qid in YES_NO_ANSWERS or kind == "criterion":
            answers[qid] = _bool(value, f"Answer '{qid}'")
        elif kind == "lab":
            entry = value if isinstance(value, dict) else {"value": value}
            labs.append(_lab({**entry, "analyte": key}, f"Answer '{qid}'", "answer"))
        elif kind == "lab_flag":
            if _flag(value, f"Answer '{qid}'") is not None:
                labs.append(_lab({"analyte": key, "interpretation": value}, f"Answer '{qid}'", "answer"))
        elif kind == "score":
            scores[key] = value.strip() if isinstance(value, str) and not _is_number(value) else _number(value, qid)
        elif kind in {"condition", "history", "family", "medication", "procedure"}:
            present = _bool(value, f"Answer '{qid}'")
            if present is None:
                continue
            vocab_kind = "condition" if kind in {"history", "family"} else kind
            concept = key if key in vocabulary(vocab_kind).concepts else None
            name = vocabulary(vocab_kind).label(concept) or key.replace("-", " ").replace("_", " ")
            ev = Evidence(source="answer", text="you said " + _SAID[kind][0 if present else 1].format(name))
            if kind == "condition":
                conditions.append(ConditionFact(name=name, concept=concept, present=present, evidence=ev))
            elif kind == "history":
                conditions.append(ConditionFact(name=name, concept=concept, present=present, status="history",
                                                evidence=ev))
            elif kind == "family":
                family.append(ConditionFact(name=name, concept=concept, present=present, relation="family",
                                            evidence=ev))
            elif kind == "medication":
                meds.append(MedicationFact(name=name, concept=concept, present=present, active=present, evidence=ev))
            else:
                procs.append(ProcedureFact(name=name, concept=concept, present=present, evidence=ev))
    update.update(conditions=conditions, labs=labs, medications=meds, procedures=procs, scores=scores,
                  family_history=family, answers=answers)
    return profile.model_copy(update=update)


def profile_from_form(data: dict[str, Any], today: date | None = None) -> Profile:
    """Build a ``Profile`` from form JSON (see the module docstring). Raises ``ProfileError`` on bad values."""
    if not isinstance(data, dict):
        raise ProfileError(f"Form data must be a JSON object, not {type(data).__name__}.")
    try:
        return _from_form(data, today)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0].get("loc", ())) or "a field"
        raise ProfileError(f"Form field '{where}' has a value of the wrong kind: {exc.errors()[0].get('msg')}.") from exc


def _from_form(data: dict[str, Any], today: date | None) -> Profile:
    ev = lambda text: Evidence(source="form", text=text)  # noqa: E731
    conditions = []
    for item in _items(data, "conditions"):
        e = _entry(item, "conditions")
        vocab = vocabulary("condition")
        conditions.append(ConditionFact(
            name=e["name"], concept=vocab.lookup(e["name"]) or _first(vocab.find(e["name"])),
            present=_bool(e.get("present", True), "present") is not False, status=_status(e.get("status")),
            onset=_date(e.get("onset"), "A condition's onset"), evidence=ev(f"condition: {e['name']}")))
    for item in _items(data, "absent_conditions"):
        e = _entry(item, "absent_conditions")
        vocab = vocabulary("condition")
        conditions.append(ConditionFact(name=e["name"], concept=vocab.lookup(e["name"]) or _first(vocab.find(e["name"])),
                                        present=False, evidence=ev(f"does not have: {e['name']}")))
    meds = []
    for item in _items(data, "medications"):
        e = _entry(item, "medications")
        vocab = vocabulary("medication")
        meds.append(MedicationFact(name=e["name"], concept=vocab.lookup(e["name"]) or _first(vocab.find(e["name"])),
                                   present=_bool(e.get("present", True), "present") is not False,
                                   active=_bool(e.get("active", True), "active"), start=_date(e.get("start"), "start"),
                                   end=_date(e.get("end"), "end"), evidence=ev(f"medicine: {e['name']}")))
    procs = []
    for item in _items(data, "procedures"):
        e = _entry(item, "procedures")
        vocab = vocabulary("procedure")
        procs.append(ProcedureFact(name=e["name"], concept=vocab.lookup(e["name"]) or _first(vocab.find(e["name"])),
                                   date=_date(e.get("date"), "date"), evidence=ev(f"procedure: {e['name']}")))
    labs = [_lab(item, f"Lab {i}") for i, item in enumerate(_items(data, "labs"), 1)]
    flags = [ProfileFlag(code="unknown_unit", message=f"The unit '{lab.unit}' of {lab.name} is not known: "
                                                      "criteria about it stay unknown. Use a unit from the lab report.")
             for lab in labs if lab.unit and unit_info(lab.unit) is None]
    answers = _mapping(data, "answers")
    profile = Profile(
        age=_number(data["age"], "age") if data.get("age") not in (None, "") else None,
        birth_date=_date(data.get("birth_date"), "birth_date"), sex=_sex(data.get("sex")),  # type: ignore[arg-type]
        conditions=conditions, medications=meds, procedures=procs, labs=labs,
        pregnant=_bool(data.get("pregnant"), "pregnant"), lactating=_bool(data.get("lactating"), "lactating"),
        height_cm=_measure(data["height"], "cm", "height") if data.get("height") not in (None, "") else (
            _number(data["height_cm"], "height_cm") if data.get("height_cm") not in (None, "") else None),
        weight_kg=_measure(data["weight"], "kg", "weight") if data.get("weight") not in (None, "") else (
            _number(data["weight_kg"], "weight_kg") if data.get("weight_kg") not in (None, "") else None),
        scores={str(k): (v.strip() if isinstance(v, str) and not _is_number(v) else _number(v, f"score {k}"))
                for k, v in _mapping(data, "scores").items()},
        answers=answers, flags=flags, source="form",
    )
    return check_consistency(apply_answers(profile), today)


def _status(value: Any) -> str:
    if value in (None, ""):
        return "active"
    if value not in {"active", "history", "resolved"}:
        raise ProfileError("A condition's status must be active, history or resolved.")
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def _first(found: list[tuple[int, int, str]]) -> str | None:
    return found[0][2] if len(found) == 1 else None
