"""The five seed trials get the sections their seed pages show, in plain words true to the record."""

from __future__ import annotations

import pytest

from trialscout.plain import explain_trial


def test_cg_bm1_trial_with_no_title_or_summary_still_gets_a_truthful_headline_and_summary(res, seeds):
    page = explain_trial(seeds["NCT06740149"], res)
    d = page.draft
    assert "CG-BM1" in d.headline and "acute-on-chronic liver failure" in d.headline
    assert len(d.headline.split()) <= 12
    summary = " ".join(d.summary)
    assert "bone marrow mesenchymal stem cells (CG-BM1)" in summary
    assert "90 people" in summary
    assert "vein" in summary  # the record says "given intravenously"
    assert "phase" not in summary.lower()  # the record states no phase: none is invented
    assert 3 <= len(d.summary) <= 5
    assert [s.name for s in d.substances] == ["bone marrow mesenchymal stem cells (CG-BM1)"]
    assert page.defects == []


def test_early_liver_cell_trial_warns_about_early_phase_and_twelve_people(res, seeds):
    d = explain_trial(seeds["NCT07276568"], res).draft
    assert d.substances[0].name == "Hepatocyte-like cells (derived from induced pluripotent stem cells)"
    summary = " ".join(d.summary)
    assert "12 people" in summary and "early-phase" in summary
    risks = " ".join(d.could_go_wrong)
    assert "early trial" in risks and "Only 12 people" in risks
    assert any("larger studies" in s for s in d.could_lead_to)
    assert [(label.name, label.label) for label in d.labels][:2] == [("Status", "Enrolling by invitation"),
                                                                      ("Phase", "Phase 1")]


def test_liver_failure_thresholds_are_explained_in_who_can_join(res, seeds):
    who = explain_trial(seeds["TSLOCAL-0002"], res).draft.who
    assert ("To join, people need bilirubin, a marker of how well the liver clears waste, "
            "of at least 171 μmol/L.") in who.thresholds
    assert any("MELD score" in s and "more than 30" in s and "cannot join" in s for s in who.thresholds)
    assert any("bleeding" in line for line in who.cannot)


def test_sham_controlled_sepsis_trial_names_the_sham_chance_and_the_blinding(res, seeds):
    d = explain_trial(seeds["NCT06882811"], res).draft
    assert "sepsis" in d.headline.lower()
    assert "180 people" in " ".join(d.summary)
    risks = " ".join(d.could_go_wrong)
    assert "sham" in risks and "very early trial" in risks
    labels = {label.name: label for label in d.labels}
    assert labels["Masking"].label == "Double blind"
    assert labels["Masking"].explain == "Neither you nor the doctors know which group you are in."
    assert labels["Allocation"].label == "Randomized"
    assert "People aged up to 65 years can join." in d.who.basics
    assert "Healthy volunteers cannot join: the study is for people with sepsis." in d.who.basics


def test_cirrhosis_trial_states_size_ages_and_open_label_risk(res, seeds):
    d = explain_trial(seeds["NCT05106972"], res).draft
    summary = " ".join(d.summary)
    assert "30 adults aged 20 to 60 years" in summary
    assert "Everyone knows who gets which treatment, which can sway the results." in d.could_go_wrong
    assert "People aged 20 to 60 years can join." in d.who.basics
    assert d.disclaimer and "not medical advice" in d.informational


def test_thresholds_agree_with_the_eligibility_engines_parse(res, demo_trials):
    """Where the eligibility engine parses a short criterion into a lab or score limit, the plain
    page states the same number for it."""
    eligibility = pytest.importorskip("trialscout.eligibility")
    from trialscout.plain.joining import threshold_phrase
    from trialscout.plain.text import NUMBER, number_key

    items = []
    for trial in demo_trials:
        for criterion in eligibility.split_criteria(trial.eligibility.criteria or ""):
            phrase = threshold_phrase(criterion.text, res)
            if phrase and len(criterion.text.split()) <= 12:
                items.append((criterion, phrase))
    parsed = eligibility.parse_criteria([c for c, _ in items])
    checked, disagree = 0, []
    for (criterion, phrase), result in zip(items, parsed):
        limits = [x for x in result.constraints if x.type in {"lab", "score"}]
        if not limits:
            continue
        theirs = {number_key(repr(v)) for x in limits for v in (x.value, x.upper) if v is not None}
        comparison = phrase.split(", of ", 1)[-1] if ", of " in phrase else phrase.split(" of ", 1)[-1]
        mine = number_key(NUMBER.findall(comparison)[0])
        checked += 1
        if mine not in theirs:
            disagree.append((criterion.text, phrase))
    assert checked >= 20
    assert disagree == []
