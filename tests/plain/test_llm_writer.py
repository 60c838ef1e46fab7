"""The optional LLM writer, against a real local HTTP endpoint: its text is kept only when it is
grounded and readable; otherwise, or when the endpoint is slow or broken, the template text stands."""

from __future__ import annotations

import pytest

from fake_llm import FakeLLM, answer, completion
from trialscout.config import load_settings
from trialscout.plain import LLMWriter, TemplateWriter, explain_trial
from trialscout.plain.derive import KIND
from trialscout.services import ingest_and_derive, open_store
from trialscout.demo import DEMO_DIR

GOOD = {
    "headline": "Bone marrow stem cells (CG-BM1) tested for acute-on-chronic liver failure",
    "summary": [
        "This study tests CG-BM1, made of stem cells from bone marrow.",
        "It is for people with acute-on-chronic liver failure.",
        "It involves 90 people.",
        "The cells are given through a drip into a vein.",
    ],
    "could_lead_to": ["If it works, people with this liver failure could get a new treatment."],
    "could_go_wrong": ["The cells may not work.", "A drip can cause pain or bruising."],
}


@pytest.fixture
def cg_bm1(seeds):
    return seeds["NCT06740149"]


def test_a_grounded_readable_reply_is_published(res, cg_bm1):
    with FakeLLM(answer(GOOD)) as llm:
        writer = LLMWriter(llm.url, "fake-model", "secret-key", timeout=5)
        page = explain_trial(cg_bm1, res, writer)
    assert page.writer == "llm" and page.fallbacks == []
    assert page.draft.headline == GOOD["headline"]
    assert page.draft.summary == GOOD["summary"]
    request = llm.requests[0]
    assert request["model"] == "fake-model"
    assert llm.headers[0]["authorization"] == "Bearer secret-key"
    assert "CG-BM1" in request["messages"][1]["content"]


def test_a_reply_that_invents_a_number_is_rejected_for_the_template_text(res, cg_bm1):
    invented = dict(GOOD, summary=[*GOOD["summary"][:2], "It involves 500 people.", GOOD["summary"][3]])
    with FakeLLM(answer(invented)) as llm:
        page = explain_trial(cg_bm1, res, LLMWriter(llm.url, "fake-model", timeout=5))
    template = TemplateWriter(res).compose(cg_bm1)
    assert page.draft.summary == template.summary
    assert "500" not in " ".join(page.draft.summary)
    reasons = {f.section: f.reason for f in page.fallbacks}
    assert "500" in reasons["summary"]
    assert page.draft.headline == GOOD["headline"]  # the grounded sections are kept


def test_a_reply_naming_a_drug_not_in_the_record_is_rejected(res, cg_bm1):
    made_up = dict(GOOD, could_go_wrong=["Patients also get prednisone, which can raise blood sugar."])
    with FakeLLM(answer(made_up)) as llm:
        page = explain_trial(cg_bm1, res, LLMWriter(llm.url, "fake-model", timeout=5))
    assert "prednisone" not in " ".join(page.draft.could_go_wrong)
    assert "prednisone" in {f.section: f.reason for f in page.fallbacks}["could_go_wrong"]


def test_a_hard_to_read_summary_is_rejected(res, cg_bm1):
    hard = dict(GOOD, summary=["This investigational intravenous administration of bone marrow mesenchymal stem "
                               "cell preparations evaluates acute-on-chronic liver failure.",
                               "It involves 90 people.", "Acute-on-chronic liver failure is evaluated."])
    with FakeLLM(answer(hard)) as llm:
        page = explain_trial(cg_bm1, res, LLMWriter(llm.url, "fake-model", timeout=5))
    assert "reading grade" in {f.section: f.reason for f in page.fallbacks}["summary"]


@pytest.mark.parametrize("reply, reason", [
    (lambda r: (200, completion("Sure! Here is a lovely summary."), 0.0), "no JSON"),
    (lambda r: (500, {"error": "boom"}, 0.0), "HTTP 500"),
    (lambda r: (200, completion(GOOD["headline"]), 2.0), "no answer"),
])
def test_a_broken_or_slow_endpoint_leaves_the_template_text(res, cg_bm1, reply, reason):
    with FakeLLM(reply) as llm:
        page = explain_trial(cg_bm1, res, LLMWriter(llm.url, "fake-model", timeout=0.5))
    assert page.writer == "templates"
    assert page.draft.summary == TemplateWriter(res).compose(cg_bm1).summary
    assert reason in page.fallbacks[0].reason


def test_after_repeated_failures_the_endpoint_is_left_alone(res, cg_bm1):
    with FakeLLM(lambda r: (503, None, 0.0)) as llm:
        writer = LLMWriter(llm.url, "fake-model", timeout=1, max_failures=2)
        for _ in range(4):
            explain_trial(cg_bm1, res, writer)
    assert len(llm.requests) == 2


def test_the_derive_step_uses_the_configured_endpoint(tmp_path):
    with FakeLLM(answer(GOOD)) as llm:
        settings = load_settings({"TRIALSCOUT_HOME": str(tmp_path), "TRIALSCOUT_LOAD_DEMO": "false",
                                  "TRIALSCOUT_LLM_URL": llm.url, "TRIALSCOUT_LLM_MODEL": "fake-model"})
        store = open_store(settings)
        ingest_and_derive([DEMO_DIR / "seeds" / "NCT06740149.json"], store, settings)
    payload = store.derived(KIND).get("NCT06740149")
    assert payload["writer"] == "llm" and payload["summary"] == GOOD["summary"]
