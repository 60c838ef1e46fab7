"""Bugs found while building the check page on the engine: each test asserts what a person would notice."""

from datetime import date

import pytest
from elig_fixtures import SEED_002

from trialscout.eligibility import (
    Criterion, ParsedEligibility, ProfileError, evaluate, parse_criterion, parse_eligibility, profile_from_fhir,
    profile_from_form, profile_from_note, questions_for,
)

TODAY = date(2025, 6, 15)
SEED = parse_eligibility(SEED_002, minimum_age="18 Years", maximum_age="65 Years", sex="ALL")
MARKER = "Zorblax-4417"  # a word no rule or vocabulary contains


def one(text: str, kind: str = "inclusion") -> ParsedEligibility:
    return ParsedEligibility(criteria=[parse_criterion(Criterion(kind=kind, text=text, index=0))])


def seed_result(answers: dict, **data):
    return evaluate(SEED, profile_from_form({"age": 52, "sex": "male", **data, "answers": answers}), today=TODAY)


def criterion(result, start: str):
    return next(c for c in result.criteria if c.text.startswith(start))


# 1 ---------------------------------------------------------------- a trial without criteria

def test_a_trial_without_criteria_needs_more_information():
    result = evaluate(ParsedEligibility(criteria=[]), profile_from_form({"age": 30}), today=TODAY)
    assert result.verdict == "need_more_information"
    assert "no criteria to check" in result.summary


# 2 ---------------------------------------------------------------- unitless labs

@pytest.mark.parametrize("answer", [{"value": 1.9, "unit": "(no unit)"}, {"value": 1.9, "unit": ""},
                                    {"value": 1.9}, 1.9])
def test_inr_answered_without_a_unit_is_read(answer):
    offered = next(q for q in questions_for(SEED) if q.id == "lab:inr")
    assert offered.unit_options == ["(no unit)"]
    result = criterion(seed_result({"lab:inr": answer}), "Prothrombin activity")
    assert result.status == "met"
    assert "Your INR is 1.9;" in result.reason and "converted" not in result.reason
    assert [e.text for e in result.evidence] == ["INR 1.9"]


def test_no_unit_is_not_accepted_for_a_lab_that_has_units():
    result = criterion(seed_result({"lab:bilirubin": {"value": 12, "unit": "(no unit)"}}), "Total bilirubin")
    assert result.status == "unknown" and "has no unit" in result.reason


# 3 ---------------------------------------------------------------- yes/no answers given as text

@pytest.mark.parametrize("yes, no", [("yes", "no"), ("Y", "N"), ("TRUE", "false"), ("1", "0"), (True, False)])
def test_yes_no_answers_may_be_text(yes, no):
    unread = one(f"{MARKER} status confirmed by the sponsor")  # a criterion the parser cannot read
    assert unread.criteria[0].needs_review
    answered = lambda answer: evaluate(unread, profile_from_form({"answers": {"criterion:0": answer}}),  # noqa: E731
                                       today=TODAY).criteria[0]
    assert answered(yes).status == "met" and answered(no).status == "not_met"
    pregnancy = one("Women planning pregnancy or of childbearing potential", "exclusion")
    woman = {"sex": "female", "answers": {"pregnancy_plan": no, "childbearing_potential": no}}
    assert evaluate(pregnancy, profile_from_form(woman), today=TODAY).criteria[0].status == "not_met"
    consent = one("Signed informed consent")
    result = evaluate(consent, profile_from_form({"answers": {"consent": yes}}), today=TODAY).criteria[0]
    assert result.status == "met"
    compliance = one("Unable to comply with study visits", "exclusion")
    result = evaluate(compliance, profile_from_form({"answers": {"compliance": no}}), today=TODAY).criteria[0]
    assert result.status == "met" and result.applies is True


def test_a_yes_no_answer_that_is_neither_is_refused_without_quoting_it():
    with pytest.raises(ProfileError, match="criterion:5") as caught:
        profile_from_form({"answers": {"criterion:5": MARKER}})
    assert MARKER not in str(caught.value)


# 4 ---------------------------------------------------------------- notes in other languages

@pytest.mark.parametrize("note", [
    "Le patient est un homme de 52 ans atteint d'une insuffisance hépatique aiguë sur chronique liée à l'hépatite B.",
    "Der Patient ist ein 52-jähriger Mann mit akut-auf-chronischem Leberversagen bei Hepatitis B.",
    "患者男性，52岁，乙型肝炎相关慢加急性肝衰竭。",
    "Пациент, мужчина 52 лет, острая печеночная недостаточность на фоне хронического гепатита B.",
])
def test_a_note_in_another_language_is_flagged(note):
    assert "language" in [f.code for f in profile_from_note(note).flags]


@pytest.mark.parametrize("note", [
    "A 52-year-old man with acute-on-chronic liver failure on hepatitis B. Total bilirubin 210 umol/L, INR 1.9.",
    "52M ACLF HBV. TBil 210 umol/L, INR 1.9, Cr 1.1 mg/dL. Denies alcohol.",  # terse, few function words
    "Patient presents with IL-6 elevated; de novo HCC excluded. He has no encephalopathy.",
])
def test_an_english_note_is_not_flagged(note):
    assert "language" not in [f.code for f in profile_from_note(note).flags]


# 5 ---------------------------------------------------------------- MELD asks only for what is missing

def test_meld_asks_only_for_its_missing_inputs():
    result = seed_result({"lab:bilirubin": {"value": 12, "unit": "mg/dL"}, "lab:inr": {"value": 1.9, "unit": "(no unit)"}})
    meld = criterion(result, "Patients with a MELD score")
    assert meld.status == "unknown" and meld.questions == ["lab:creatinine"]
    assert "serum creatinine" in meld.reason
    assert criterion(seed_result({}), "Patients with a MELD score").questions == [
        "lab:bilirubin", "lab:inr", "lab:creatinine"]


# 6 ---------------------------------------------------------------- wording a person sees

def test_answers_are_shown_in_words_not_question_ids():
    result = seed_result({"condition:circulatory_failure": "no", "condition:heart_disease": "yes"})
    shown = [e.text for c in result.criteria for e in c.evidence]
    assert "you said you do not have circulatory failure" in shown
    assert not [t for t in shown if "condition:" in t or "your answer to" in t]


def test_counts_in_the_summary_agree_in_number():
    unread = evaluate(one(f"{MARKER} status confirmed by the sponsor"), profile_from_form({"age": 30}), today=TODAY)
    assert "1 criterion could not be read automatically; the study team will check it." in unread.summary
    blocked = evaluate(SEED, profile_from_form({"age": 70}), today=TODAY).summary
    assert "2 criteria rule you out" in blocked
    only = evaluate(one("Patients with circulatory failure"), profile_from_form({"age": 30}), today=TODAY)
    assert "1 criterion cannot be checked yet; answering 1 question would help" in only.summary
    open_exclusion = evaluate(one("Patients with circulatory failure", "exclusion"), profile_from_form({"age": 30}),
                              today=TODAY)
    assert "nothing you told us points to 1 exclusion still open; answering 1 question would confirm it." in \
        open_exclusion.summary


def test_a_narrower_criterion_says_which_qualifier_is_unknown():
    result = criterion(seed_result({"condition:acute_liver_failure": "yes"}), "Patients with acute liver failure")
    assert result.status == "unknown"
    assert "it asks about the early and intermediate stages" in result.reason
    assert "(acute liver failure)" not in result.reason
    bleeding = criterion(seed_result({"condition:bleeding": "yes"}), "Patients with severe active bleeding")
    assert "it asks about severe active bleeding" in bleeding.reason


# 7 ---------------------------------------------------------------- errors never repeat what was typed

@pytest.mark.parametrize("build", [
    lambda: profile_from_form({"labs": [{"name": MARKER, "value": 1}]}),
    lambda: profile_from_form({"labs": [{"name": "bilirubin", "value": MARKER}]}),
    lambda: profile_from_form({"labs": [{"name": "bilirubin", "value": 1, "date": MARKER}]}),
    lambda: profile_from_form({"conditions": [{"name": "hepatitis B", "onset": MARKER}]}),
    lambda: profile_from_form({"conditions": [{"name": MARKER, "onset": "soon"}]}),
    lambda: profile_from_form({"conditions": [{"name": "hepatitis B", "status": MARKER}]}),
    lambda: profile_from_form({"sex": MARKER}),
    lambda: profile_from_form({"age": MARKER}),
    lambda: profile_from_form({"pregnant": MARKER}),
    lambda: profile_from_form({"height": {"value": 170, "unit": MARKER}}),
    lambda: profile_from_form({"answers": {"lab:inr": {"value": MARKER}}}),
    lambda: profile_from_form({"answers": {"condition:diabetes": MARKER}}),
    lambda: profile_from_fhir({"resourceType": MARKER}),
])
def test_an_error_names_the_field_not_the_value(build):
    with pytest.raises(ProfileError) as caught:
        build()
    assert MARKER not in str(caught.value) and "soon" not in str(caught.value)
