"""Age limits read from criteria text (exclusive ends, ages that are not the participant's) and
reuse of a parse for wording that repeats across trials."""

from datetime import date

import pytest

from trialscout.eligibility import (
    AgeConstraint, Criterion, ParsedEligibility, evaluate, parse_criteria, parse_criterion, parse_eligibility,
    profile_from_form,
)

TODAY = date(2026, 11, 21)


def ages(text: str, kind: str = "inclusion") -> list[AgeConstraint]:
    pc = parse_criterion(Criterion(kind=kind, text=text, index=0))
    return [c for c in pc.constraints if isinstance(c, AgeConstraint)]


def status(text: str, age: float) -> str:
    parsed = parse_eligibility(text)
    result = evaluate(parsed, profile_from_form({"age": age}), today=TODAY)
    return result.criteria[0].status


@pytest.mark.parametrize("age, expected", [(17, "not_met"), (18, "met"), (64.9, "met"), (65, "not_met")])
def test_a_range_that_leaves_out_its_upper_end(age, expected):
    (c,) = ages("Adults ≥18 and < 65 years of age")
    assert (c.comparator, c.value, c.upper, c.upper_exclusive) == ("between", 18, 65, True)
    assert status("Adults ≥18 and < 65 years of age", age) == expected


def test_an_inclusive_range_stays_inclusive():
    (c,) = ages("Age range from 18 to 65 years old")
    assert (c.value, c.upper, c.lower_exclusive, c.upper_exclusive) == (18, 65, False, False)
    assert status("Age range from 18 to 65 years old", 65) == "met"


@pytest.mark.parametrize("text", [
    "Patients must have a life expectancy of greater than 3 months",
    "Subject has ≥2 year history of episodic cluster headache",
    "Currently pregnant or <6 months post-partum per patient report",
    "Women of non-childbearing potential are those who are postmenopausal > 1 year",
    "Has failed at least 3 months of conservative care",
])
def test_a_duration_is_not_an_age(text):
    assert ages(text) == []


@pytest.mark.parametrize("text", [
    "Karnofsky performance status of 80-100% for 16 years and older or Lansky Play Score of 80-100 for ≥12 and "
    "< 16 years of age",
    "ECOG performance status score 0-2 (if aged ≥18 years)",
    "For subjects age 6 and older: willing to allow an IV catheter in the arm",
    "Known insulin sensitivity factor (only applicable to subjects age 11 and older)",
    "The participant has a medical history of onset of cluster headache at ≤50 years of age.",
    "Less than 50 years of age at the time of migraine onset.",
    "Post-menopausal defined as aged more than 50 years and amenorrheic for at least 12 months",
])
def test_an_age_that_is_not_the_participants_limit_gives_no_constraint(text):
    assert ages(text) == []


@pytest.mark.parametrize("text, comparator, value", [
    ("Male or female 18 years or older.", ">=", 18),
    ("Patients >= 18 years", ">=", 18),
    ("Age group of 20-45 years", "between", 20),
    ("Age <18 years at the time of inclusion", "<", 18),
])
def test_a_stated_age_is_still_read(text, comparator, value):
    (c,) = ages(text)
    assert (c.comparator, c.value) == (comparator, value)


def test_repeated_wording_is_parsed_once_and_keeps_its_own_place():
    a = Criterion(kind="exclusion", text="Pregnant or breastfeeding women", index=3)
    b = Criterion(kind="exclusion", text="Pregnant or breastfeeding women", index=7, parent=2, depth=1)
    c = Criterion(kind="inclusion", text="Pregnant or breastfeeding women", index=0)
    first, second, third = parse_criteria([a, b, c])
    assert first.constraints == second.constraints
    assert (second.criterion.index, second.criterion.parent, second.criterion.depth) == (7, 2, 1)
    assert third.criterion.kind == "inclusion" and first.criterion.kind == "exclusion"
    again = parse_criteria([b])[0]
    assert again == second
    assert ParsedEligibility.from_json(ParsedEligibility(criteria=[second]).to_json()).criteria[0] == second
