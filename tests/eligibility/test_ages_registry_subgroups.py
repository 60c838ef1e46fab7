"""Ages as people count them (a record's "64 Years" runs to the 65th birthday), ages in criteria text that
are not the participant's limit (a scan's age, a relative's, one arm's, a sub-group's), and the
age-agreement harness that compares the text with the record's structured ages."""

from datetime import date

import pytest

from trialscout.demo import demo_paths
from trialscout.eligibility import AgeConstraint, Criterion, evaluate, parse_criterion, parse_eligibility, profile_from_form
from trialscout.eligibility.evaluation import age_agreement
from trialscout.registry.files import iter_paths
from trialscout.trial import trial_from_ctgov

TODAY = date(2026, 11, 22)


def demo_study(nct_id: str) -> dict:
    for record in iter_paths(demo_paths()):
        if record.study is not None and record.study["protocolSection"]["identificationModule"]["nctId"] == nct_id:
            return record.study
    raise AssertionError(f"{nct_id} is not among the demo records")


def demo_trial(nct_id: str):
    return trial_from_ctgov(demo_study(nct_id))


def registry_age(born: str, minimum: str | None, maximum: str | None):
    parsed = parse_eligibility(None, minimum_age=minimum, maximum_age=maximum)
    return evaluate(parsed, profile_from_form({"birth_date": born}), today=TODAY).criteria[0]


def test_a_person_64_years_and_6_months_old_is_within_an_18_to_64_years_trial():
    result = registry_age("1962-05-22", "18 Years", "64 Years")  # 64 years and 6 months on TODAY
    assert result.status == "met"
    assert "You are 64" in result.reason and "between 18 and 64" in result.reason


@pytest.mark.parametrize("born, minimum, maximum, expected", [
    ("1961-11-25", "18 Years", "64 Years", "met"),       # days before the 65th birthday
    ("1961-11-19", "18 Years", "64 Years", "not_met"),   # days after it
    ("1960-12-01", None, "65 Years", "met"),             # 65 years and 11 months: "65 Years or younger"
    ("1960-11-19", None, "65 Years", "not_met"),         # just 66
    ("2026-05-01", "1 Month", "6 Months", "met"),        # 6 months and 3 weeks
    ("2026-04-10", "1 Month", "6 Months", "not_met"),    # 7 months and 12 days
    ("2008-11-23", "18 Years", None, "not_met"),         # one day short of 18
])
def test_the_registry_counts_completed_years_and_months(born, minimum, maximum, expected):
    assert registry_age(born, minimum, maximum).status == expected


def test_a_trial_whose_text_says_22_to_64_years_admits_someone_64_and_a_half_both_ways():
    trial = demo_trial("NCT04909229")  # "Age between 22-64 years", record 22 Years to 64 Years
    e = trial.eligibility
    parsed = parse_eligibility(e.criteria, str(e.minimum_age), str(e.maximum_age), e.sex)
    report = evaluate(parsed, profile_from_form({"birth_date": "1962-05-22"}), today=TODAY)
    ages = [c for c in report.criteria if "the criterion asks for age" in (c.reason or "")]
    assert len(ages) == 2 and all(c.status == "met" for c in ages)
    older = evaluate(parsed, profile_from_form({"birth_date": "1961-11-19"}), today=TODAY)  # just 65
    assert all(c.status == "not_met" for c in older.criteria if "the criterion asks for age" in (c.reason or ""))


def ages(text: str, kind: str = "inclusion") -> list[AgeConstraint]:
    pc = parse_criterion(Criterion(kind=kind, text=text, index=0))
    return [c for c in pc.constraints if isinstance(c, AgeConstraint)]


@pytest.mark.parametrize("text", [
    "Patient with Modic I lateralized disc disease seen on an MRI less than 6 months old.",
    "Unexplained sudden death or prolonged QT of immediate family members under the age of 40",
    "Family history of premature CAD (< 55 years of age in male first-degree relatives)",
    "Age at HSCT ≤ 21 years",
    "Adult arm: aged at least 12 years old.",
    "Pediatric arm: aged 1 to 17 years old.",
    "Subjects age 11 and older: Subject is known to be pregnant or attempting to conceive",
    "Subjects age 11 and older: must be willing to wear a sensor",
    "Subjects aged 17 years and younger must have a parent, guardian or legally authorized representative "
    "willing and able to provide written informed consent.",
    "Subjects aged 7 - 17 years of age must be willing and able to provide written informed assent.",
    "Normal range of Hb for pediatric males and pediatric females aged 6 - 12 years old it is 11.5 g/dL",
])
def test_an_age_that_belongs_to_something_or_someone_else_gives_no_limit(text):
    assert ages(text) == []


def test_sub_groups_that_no_one_could_be_in_together_are_not_limits():
    text = ("Patients under 6 years old must weigh at least 7 kg at the time of enrollment. "
            "Patients over 6 years old must weigh at least 10 kg at the time of enrollment.")
    assert ages(text) == []
    kept = ages("Age >/= 60 years. Patients aged < 60 years who are unsuitable for induction may be eligible")
    assert [(c.comparator, c.value) for c in kept] == [(">=", 60)]
    both = ages("Age < 18 or age ≥ 80 years", "exclusion")  # an exclusion's "or": both are limits
    assert sorted((c.comparator, c.value) for c in both) == [("<", 18), (">=", 80)]


@pytest.mark.parametrize("text, expected", [
    ("Children between 1 year and 18 years of age at the time of first diagnosis and less than 21 years at the "
     "time of inclusion", [("<", 21, None)]),
    ("18 ≤ age ≤ 75 years", [("between", 18, 75)]),
    ("1.18 ≤ age and above.", [(">=", 18, None)]),  # list number "1." glued to the age
    ("Patients under 18 years and over 70 of age", [("<", 18, None), (">", 70, None)]),
    ("Family members must be at least 2 years old to participate", [(">=", 2, None)]),
    ("Male and female subjects aged ≤ 30 years. First 2 enrolled subjects: age ≥ 18 and ≤ 30 years",
     [("<=", 30, None)]),  # the 18 is a sentinel group's
    ("Patients aged ≥ 18 years must have histologically confirmed NSCLC", [(">=", 18, None)]),
    ("Patients aged ≥ 18 years who can provide informed consent or whose legally authorized representative "
     "can provide consent", [(">=", 18, None)]),
    ("Participants in this study must be ≥ 18 years of age", [(">=", 18, None)]),
    ("Age ≥ 18 years: male or female", [(">=", 18, None)]),
    ("Age group: 18-65 years", [("between", 18, 65)]),
])
def test_the_participants_age_is_still_read(text, expected):
    assert sorted((c.comparator, c.value, c.upper) for c in ages(text)) == sorted(expected)


def demo_trials(*ids: str):
    return [demo_trial(i) for i in ids]


def test_age_agreement_reads_an_exclusive_bound_both_ways_and_lists_what_disagrees():
    # NCT06503328: "age between >18 and <65", record 18-65 Years (the boundary number);
    # NCT04970355: "Adults >=18 and < 65 years", record 18-64 Years (the convention);
    # NCT06410872: "Age 18-64 years", record 18-65 Years (the record admits a year more than its text).
    report = age_agreement(demo_trials("NCT06503328", "NCT04970355", "NCT06410872"))
    assert report["trials_stating_age"] == 3 and report["agree"] == 2
    assert report["agree_by_boundary_reading"] == 1
    (miss,) = report["disagreements"]
    assert miss["trial"] == "NCT06410872" and miss["category"] == "numbers differ"
    assert miss["text_max"] == [64.0] and miss["record_max"] == "65 years"
    assert any("18-64" in source for source in miss["criteria"])


def test_a_record_without_ages_disagrees_with_a_text_that_states_one():
    report = age_agreement(demo_trials("NCT04251754"))  # "Patients aged 18 or above", no structured ages
    assert report["agreement"] == 0.0
    assert report["disagreements"][0]["category"] == "record gives no age"
    assert report["trials_stating_age_with_record_age"] == 0


def test_an_exclusion_narrows_the_range_only_when_it_is_about_age_alone():
    # NCT06277063: inclusion ">=7, <=20 years old", exclusion "Pediatric patients (under 6 years old); Pregnant
    # women" (record 7-20); NCT04157569: inclusion ">=60", exclusion ">=100 years old" (record 60-100).
    report = age_agreement(demo_trials("NCT06277063", "NCT04157569"))
    assert report["agree"] == 2, report["disagreements"]


def test_a_range_said_with_between_agrees_with_either_reading_unless_the_text_says_inclusive():
    # NCT05484791: "Be between the ages of 18 and 65", record 19-64 Years (the registrant read it exclusively).
    study = demo_study("NCT05484791")
    report = age_agreement([trial_from_ctgov(study)])
    assert report["agree"] == 1 and report["agree_by_boundary_reading"] == 1
    module = study["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = module["eligibilityCriteria"].replace(
        "between the ages of 18 and 65", "between the ages of 18 and 65 inclusive")
    report = age_agreement([trial_from_ctgov(study)])
    assert report["agree"] == 0
    assert report["disagreements"][0]["text_min"] == [18.0] and report["disagreements"][0]["text_max"] == [65.0]


def test_ages_under_two_years_are_said_in_months_or_days_not_fractions_of_a_year():
    baby = registry_age("2026-06-01", "1 Month", "18 Years")  # 5 months and 3 weeks old
    assert baby.status == "met"
    assert "between 1 month and 18 years" in baby.reason and "You are 5 months old" in baby.reason
    assert "0.08" not in baby.reason and baby.evidence[0].text == "age 5 months"
    newborn = registry_age("2026-11-10", "30 Days", None)
    assert newborn.status == "not_met"
    assert "age at least 30 days" in newborn.reason and "12 days old" in newborn.reason
    infant_trial = registry_age("2026-06-01", None, "6 Months")
    assert infant_trial.status == "met" and "age under 7 months" in infant_trial.reason


def test_a_persons_age_is_said_in_completed_units():
    from trialscout.eligibility.constraints import completed_age_words

    assert [completed_age_words(y) for y in (0.01, 0.5, 1.0, 1.5, 2.0, 30.4)] == [
        "3 days", "6 months", "1 year", "18 months", "2 years", "30 years"]
