"""Splitting eligibility text into criteria, in every layout the registry uses."""

from elig_fixtures import SEED_002, SEED_003, SEED_004

from trialscout.eligibility import CriteriaError, split_criteria

import pytest


def kinds(items):
    return [c.kind for c in items]


def test_seed_002_page_capture_splits_into_8_inclusion_and_6_exclusion_items():
    items = split_criteria(SEED_002)
    assert kinds(items).count("inclusion") == 8
    assert kinds(items).count("exclusion") == 6
    assert items[0].text == "Age range from 18 to 65 years old"
    assert items[2].text == "Total bilirubin (TBil) ≥ 171μmol/L or an increase of ≥ 17.1μmol/L per day"
    assert items[11].text == "Patients with a MELD score > 30"  # the "\>" escape is gone


def test_seed_003_bullets_without_markdown():
    items = split_criteria(SEED_003)
    assert kinds(items).count("inclusion") == 7
    assert kinds(items).count("exclusion") == 12


def test_nested_numbered_items_keep_their_parent():
    items = split_criteria(SEED_004)
    heading = next(c for c in items if c.text == "Specific medical conditions:")
    children = [c for c in items if c.parent == heading.index]
    assert len(children) == 8
    assert all(c.kind == "exclusion" and c.depth == 1 for c in children)
    assert children[-1].text == "Pregnancy, lactation, or plans for pregnancy within the next year"


def test_markdown_bullets_nested_and_continuation_lines():
    text = (
        "Inclusion Criteria:\n\n"
        "* Adults aged 18 to 75\n"
        "* Laboratory values:\n"
        "  * Platelet count ≥ 100 x 10^9/L\n"
        "  * Total bilirubin \\< 2 mg/dL\n"
        "* A criterion that goes on\n  over two lines\n\n"
        "Exclusion Criteria:\n\n"
        "1. Pregnancy\n"
        "2) Known HIV infection\n"
    )
    items = split_criteria(text)
    assert [c.text for c in items] == [
        "Adults aged 18 to 75", "Laboratory values:", "Platelet count ≥ 100 x 10^9/L", "Total bilirubin < 2 mg/dL",
        "A criterion that goes on over two lines", "Pregnancy", "Known HIV infection",
    ]
    assert items[2].parent == 1 and items[3].parent == 1
    assert kinds(items) == ["inclusion"] * 5 + ["exclusion"] * 2


@pytest.mark.parametrize("header", ["Key Inclusion Criteria:", "INCLUSION CRITERIA", "Inclusion:", "Inclusion criteria"])
def test_header_variants(header):
    items = split_criteria(f"{header}\n- Age 18 or older\n\nKEY EXCLUSION CRITERIA:\n- Pregnancy\n")
    assert [(c.kind, c.text) for c in items] == [("inclusion", "Age 18 or older"), ("exclusion", "Pregnancy")]


def test_no_header_means_inclusion():
    items = split_criteria("* Adults with asthma\n* Non-smokers")
    assert kinds(items) == ["inclusion", "inclusion"]


def test_legacy_hard_wrapped_text():
    text = (
        "\n        Inclusion Criteria:\n\n"
        "          1. Recipients of a renal allograft, with a minimum age of 18 years.\n\n"
        "          2. Male or female recipients. Women of child-bearing age must practice adequate\n"
        "             contraception\n\n"
        "        Exclusion criteria:\n\n"
        "          -  Treatment with Prograf (Tacrolimus)\n      "
    )
    items = split_criteria(text)
    assert items[1].text == ("Male or female recipients. Women of child-bearing age must practice adequate "
                             "contraception")
    assert items[2].kind == "exclusion"
    assert len(items) == 3


def test_run_in_numbered_list_is_split():
    items = split_criteria("Exclusion Criteria:\n\n1. Any prior cervical fusion 2. BMI > 40 3. Active infection")
    assert [c.text for c in items] == ["Any prior cervical fusion", "BMI > 40", "Active infection"]


def test_header_with_inline_criterion_and_empty_section():
    items = split_criteria("Inclusion Criteria: Age 21 or above\n\nExclusion Criteria: none")
    assert [(c.kind, c.text) for c in items] == [("inclusion", "Age 21 or above")]


def test_items_that_mention_inclusion_are_not_headers():
    items = split_criteria("Exclusion Criteria:\n* Patients who do not fulfil the inclusion criteria\n")
    assert len(items) == 1 and items[0].kind == "exclusion"


def test_empty_and_wrong_type():
    assert split_criteria("") == []
    with pytest.raises(CriteriaError):
        split_criteria(None)  # type: ignore[arg-type]
