"""Clinical notes and criteria in everyday wording: what a person checking a trial would notice."""

from datetime import date

from trialscout.eligibility import Criterion, ParsedEligibility, evaluate, parse_criterion, profile_from_note

TODAY = date(2025, 6, 15)


def status(text: str, note: str, kind: str = "inclusion") -> str:
    parsed = ParsedEligibility(criteria=[parse_criterion(Criterion(kind=kind, text=text, index=0))])
    return evaluate(parsed, profile_from_note(note, today=TODAY), today=TODAY).criteria[0].status


def test_a_relative_telling_the_story_is_not_family_history():
    note = ("A 33-year-old man. Family member says the patient fell off his bike and suffered blunt trauma "
            "to the abdomen.")
    profile = profile_from_note(note, today=TODAY)
    assert [c.concept for c in profile.conditions if c.present] == ["trauma"]
    assert not profile.family_history


def test_a_relative_with_an_illness_is_still_family_history():
    profile = profile_from_note("A 40-year-old woman. Her mother had breast cancer.", today=TODAY)
    assert [c.concept for c in profile.family_history] == ["breast_cancer"]


def test_history_negative_for_smoking_means_a_non_smoker():
    profile = profile_from_note("A 50-year-old man. The patient's history is negative for smoking.", today=TODAY)
    assert [c.present for c in profile.conditions if c.concept == "smoking"] == [False]


def test_everyday_words_for_memory_loss_and_walking_pain_are_read():
    note = ("A 72-year-old man complains of increasing calf pain when walking uphill. "
            "He began to have poor memory.")
    assert status("Claudication", note) == "met"
    assert status("Cognitive impairment", note) == "met"


def test_how_long_a_symptom_has_lasted_decides_a_duration_in_words():
    short = "An 8-year-old boy presents with fever up to 39 C, dyspnea and cough for 2 days."
    long = "A 40-year-old man presents with fever and cough for 3 weeks."
    assert status("patients have fever more than one week", short) == "not_met"
    assert status("patients have fever more than one week", long) == "met"


def test_a_length_in_years_after_a_person_is_an_age_not_a_duration():
    parsed = parse_criterion(Criterion(kind="inclusion", text="Patients > 18 years with diabetes", index=0))
    diabetes = next(c for c in parsed.constraints if c.type == "condition")
    assert diabetes.window is None


def test_weeks_since_surgery_is_met_by_no_recent_surgery():
    parsed = parse_criterion(Criterion(kind="inclusion", text="Minimum of two weeks since any major surgery", index=0))
    surgery = parsed.constraints[0]
    assert surgery.present is False and surgery.window is not None and surgery.window.kind == "within"
    assert status("Minimum of two weeks since any major surgery",
                  "A 60-year-old man had major surgery 3 days ago. He underwent surgery yesterday.") != "met"


def test_study_arm_and_acronym_asides_are_not_unread_conditions():
    for text in ("Patients who have never received radioiodine therapy (negative control group)",
                 "Nonsteroidal anti-inflammatory drugs (NSAIDs)"):
        assert parse_criterion(Criterion(kind="inclusion", text=text, index=0)).coverage == "full"


def test_a_scan_that_shows_a_finding_needs_both():
    parsed = parse_criterion(Criterion(kind="exclusion", text="CT scan shows intracranial hemorrhage", index=0))
    assert parsed.logic == "all"
    note = "A 70-year-old woman. A CT scan of the abdomen was normal."
    assert status("CT scan shows intracranial hemorrhage", note, kind="exclusion") != "met"


def _harness(tmp_path, rows: list[tuple[str, str, str]]) -> dict:
    import json

    from trialscout.eligibility.evaluation import score_trialgpt

    note = "0. A 65-year-old man presents with cough.\n1. A chest x-ray is notable for hyperinflation with no consolidation."
    data = [{"patient_id": "p1", "note": note, "criterion_type": kind, "criterion_text": text,
             "expert_eligibility": gold} for kind, text, gold in rows]
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return score_trialgpt(path, verbose=False)


def test_harness_closed_world_reads_the_reported_test_and_worded_absences(tmp_path):
    report = _harness(tmp_path, [
        ("exclusion", "Chest radiography shows congestive heart failure", "not excluded"),  # the x-ray is reported
        ("exclusion", "No evidence of acute infection", "not excluded"),  # an absence filed as an exclusion
        ("exclusion", "Serum creatinine > 1.28 mg/dl without referring physician approval", "not enough information"),
    ])
    assert report["accuracy_closed_world"] == 1.0
