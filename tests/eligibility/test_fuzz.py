"""Property tests: odd input never raises anything but the named errors."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.eligibility import (
    Criterion, EligibilityError, ParsedEligibility, Profile, evaluate, parse_criterion, parse_eligibility,
    profile_from_note, split_criteria,
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
