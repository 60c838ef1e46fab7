"""Property tests: odd input never raises anything but the named errors."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.eligibility import (
    Criterion, EligibilityError, ParsedEligibility, Profile, ProfileError, evaluate, parse_criterion,
    parse_eligibility, profile_from_fhir, profile_from_form, profile_from_note, split_criteria,
)

PIECES = st.sampled_from([
    "Inclusion Criteria:", "Exclusion Criteria:", "* ", "- ", "• ", "1. ", "  2) ", "\n", "\n\n", "    ",
    "Age ≥ 18 years", "bilirubin \\> 2 mg/dL", "platelets < 50 x 10^9/L", "No diabetes", "pregnant",
    "MELD score > 30", "within 3 weeks prior to", "ECOG 0-1", "(or INR between 1.5 and 2.6)", "history of",
    "NYHA class III or IV", "x ULN", "%", "µmol/L", "denies", "or", "and", ",", ";", ":", "(", ")", "\\",
])
TEXT = st.one_of(st.text(max_size=300), st.lists(PIECES, max_size=40).map("".join))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(TEXT)
def test_split_never_crashes(text):
    items = split_criteria(text)
    assert all(c.text.strip() for c in items)
    assert [c.index for c in items] == list(range(len(items)))


@SETTINGS
@given(TEXT, st.sampled_from(["inclusion", "exclusion"]))
def test_parse_and_evaluate_never_crash(text, kind):
    pc = parse_criterion(Criterion(kind=kind, text=text, index=0))
    assert pc.constraints  # never dropped: at least a NeedsReview item
    result = evaluate(ParsedEligibility(criteria=[pc]), Profile())
    assert result.criteria[0].status in {"met", "not_met", "unknown", "not_applicable"}


@SETTINGS
@given(TEXT)
def test_whole_documents_round_trip(text):
    parsed = parse_eligibility(text)
    assert ParsedEligibility.from_json(parsed.to_json()) == parsed


@SETTINGS
@given(TEXT)
def test_note_reader_raises_only_named_errors(text):
    try:
        profile = profile_from_note(text)
    except EligibilityError:
        return
    assert profile.source == "note"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["name", "value", "unit", "date", "present", "onset", "active", "status", "code"]),
        inner, max_size=4),
    max_leaves=12)
FORM_KEYS = st.sampled_from(["age", "birth_date", "sex", "conditions", "absent_conditions", "labs", "medications",
                             "procedures", "pregnant", "height", "weight", "scores", "answers"])
RESOURCE = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Patient", "Condition", "Observation", "MedicationStatement", "Procedure"])},
    optional={"gender": JSON, "birthDate": JSON, "code": JSON, "valueQuantity": JSON, "status": JSON,
              "clinicalStatus": JSON, "medicationCodeableConcept": JSON, "component": JSON})


@SETTINGS
@given(st.dictionaries(FORM_KEYS, JSON, max_size=5))
def test_form_raises_only_profile_error(data):
    try:
        profile = profile_from_form(data)
    except ProfileError:
        return
    evaluate(parse_eligibility("* Age >= 18\n* Total bilirubin < 2 mg/dL\n* No diabetes"), profile)


@SETTINGS
@given(st.lists(st.one_of(RESOURCE.map(lambda r: {"resource": r}), JSON), max_size=5))
def test_fhir_raises_only_profile_error(entries):
    try:
        profile_from_fhir({"resourceType": "Bundle", "type": "collection", "entry": entries})
    except ProfileError:
        pass
