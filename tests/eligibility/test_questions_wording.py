"""Questions about conditions read as a person would ask them: "an infection", "a herniated disc", "diabetes";
events in the past ("Have you had a stroke?"); habits in their own words ("Do you smoke?")."""

from trialscout.eligibility import parse_eligibility
from trialscout.eligibility.questions import questions_for, with_article


def asked(criteria: str) -> list[str]:
    return [q.text for q in questions_for(parse_eligibility(criteria))
            if q.id.split(":")[0] in ("condition", "history", "family")]


def test_countable_conditions_take_an_article_and_others_do_not():
    assert with_article("infection") == "an infection"
    assert with_article("herniated disc") == "a herniated disc"
    assert with_article("urinary tract infection") == "a urinary tract infection"
    assert with_article("diabetes") == "diabetes" and with_article("hepatitis B") == "hepatitis B"


def test_questions_on_a_trial_page_are_worded_as_people_ask():
    questions = asked("Exclusion Criteria:\n\n* Active infection\n* History of stroke\n* Current smoker\n"
                      "* Type 2 diabetes")
    assert "Do you have an infection?" in questions
    assert "Have you ever had a stroke?" in questions
    assert "Do you smoke?" in questions
    assert "Do you have type 2 diabetes?" in questions
    assert not any(q.startswith("Do you have smoking") or "have infection" in q for q in questions)


def test_procedure_questions_take_an_article_where_people_say_one():
    assert with_article("MRI scan") == "an MRI scan" and with_article("CT scan") == "a CT scan"
    questions = [q.text for q in questions_for(parse_eligibility(
        "Exclusion Criteria:\n\n* Prior liver transplant\n* Previous abdominal surgery"))
        if q.id.startswith("procedure:")]
    assert "Have you had a liver transplant?" in questions
    assert "Have you had abdominal surgery?" in questions
