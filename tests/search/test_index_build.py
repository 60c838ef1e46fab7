"""Building the index fast: documents read from the stored record (not the whole Trial), made in worker
processes, written in one commit; searches must find exactly what the slower way found."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from search_studies import site, study, synthetic_trials
from trialscout.search import SearchRequest, SearchService
from trialscout.search.documents import DETAILS_WORDS, first_words, index_documents
from trialscout.search.geo import default_gazetteer
from trialscout.search.index import SearchIndex
from trialscout.search.maintenance import rebuild
from trialscout.search.records import IndexedTrial, indexed_trial
from trialscout.trial import InvalidRecord, trial_from_ctgov
from trialscout.store import prepare

QUERIES = [SearchRequest(q="liver failure stem cells", near="Guangzhou"), SearchRequest(q="migraine", status=("any",)),
           SearchRequest(q="", near="Paris, France", within="200km"), SearchRequest(q="asthma", age=8),
           SearchRequest(q="slipped disc"), SearchRequest(q="cancer", country=("China",), status=("any",))]


def stored_records(store) -> list[dict]:
    return [orjson.loads(record) for _, _, record in store.iter_records()]


def test_documents_read_from_the_stored_record_equal_those_from_the_whole_trial(demo):
    gazetteer = default_gazetteer()
    records = stored_records(demo.store) + [orjson.loads(prepare(t).record_json) for t in synthetic_trials()]
    assert len(records) == 801 + len(synthetic_trials())
    for record in records:
        light = indexed_trial(record)
        assert isinstance(light, IndexedTrial)
        assert index_documents(light, "h", gazetteer) == index_documents(trial_from_ctgov(record), "h", gazetteer)


def test_awkward_values_are_trimmed_and_dropped_as_the_reader_does():
    record = study("NCT96000001", "  Asthma in children \n", conditions=("Asthma", "  ", " Wheeze "),
                   min_age="N/A", max_age=" 6 Months", keywords=("", "inhaler "),
                   sites=(site(" Guangzhou ", "China", "Guangdong"), {"facility": "No place"}),
                   interventions=(("DRUG", "  "), ("DRUG", "Budesonide")))
    record["protocolSection"]["armsInterventionsModule"]["armGroups"] = [{"label": " "}, {"label": "A", "description": "x"}]
    record["derivedSection"] = {"conditionBrowseModule": {"meshes": [{"id": "D1", "term": "Asthma"}, {"term": ""}]}}
    gazetteer = default_gazetteer()
    assert index_documents(indexed_trial(record), "h", gazetteer) == \
        index_documents(trial_from_ctgov(record), "h", gazetteer)


def test_a_record_not_in_the_stored_form_is_refused_with_the_readers_message():
    record = study("NCT96000002", "Asthma")
    record["protocolSection"]["conditionsModule"]["conditions"] = ["Asthma", 7]
    with pytest.raises(InvalidRecord, match="conditionsModule.conditions"):
        indexed_trial(record)


def test_at_most_the_opening_of_a_long_description_is_indexed():
    long = " ".join(["opening"] * DETAILS_WORDS + ["zygomycosis"] * 5)
    record = study("NCT96000003", "A study")
    record["protocolSection"]["descriptionModule"] = {"detailedDescription": long}
    fields = index_documents(indexed_trial(record), "h", default_gazetteer())[0]
    assert fields["details"] == ([" ".join(["opening"] * DETAILS_WORDS)] if DETAILS_WORDS else [])
    assert first_words("a  b\nc d", 3) == "a b c" and first_words("a b", 3) == "a b" and first_words(None, 3) is None


def results(service: SearchService) -> list[tuple]:
    found = []
    for request in QUERIES:
        page = service.search(request)
        # trials tied on score may come in either order (documents reach the engine's threads in any order)
        hits = sorted((-round(h.score, 4), h.nct_id, h.site.distance_km if h.site else None) for h in page.hits)
        found.append((page.total, hits))
    return found


def test_a_rebuild_in_worker_processes_finds_what_a_rebuild_in_one_process_finds(demo, tmp_path: Path):
    one, two = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "two")
    seen: list[int] = []
    assert rebuild(one, demo.store, workers=1) == 801
    assert rebuild(two, demo.store, workers=2, progress=seen.append) == 801
    assert sum(seen) == 801 and len(seen) > 1  # progress per chunk, as the chunks are written
    assert one.count() == two.count() == 801
    assert results(SearchService(one)) == results(SearchService(two)) == results(demo.service)


def test_a_rebuild_replaces_everything_the_index_held(demo, tmp_path: Path):
    index = SearchIndex(tmp_path)
    extra = study("NCT96000004", "Zygomycosis study", conditions=("Zygomycosis",))
    index.upsert([index_documents(indexed_trial(copy.deepcopy(extra)), "h", default_gazetteer())])
    assert index.count() == 1
    assert rebuild(index, demo.store, workers=2) == 801
    assert index.count() == 801
    assert SearchService(index).search(SearchRequest(q="zygomycosis", status=("any",))).total == 0
