"""The index follows the store: the derive step after a sync, catching up, rebuilding, concurrent writers."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from search_studies import site, trial
from trialscout.config import load_settings
from trialscout.search import IndexBusy, SearchIndex, SearchRequest, SearchService, catch_up, status
from trialscout.services import open_store, refresh_derived


@pytest.fixture
def settings(store_url: str, tmp_path: Path):
    return load_settings({"TRIALSCOUT_HOME": str(tmp_path / "home"), "TRIALSCOUT_DATABASE_URL": store_url,
                          "TRIALSCOUT_LOAD_DEMO": "false"})


def ids(service: SearchService, q: str, **fields) -> list[str]:
    return [h.nct_id for h in service.search(SearchRequest(q=q, **fields)).hits]


def test_a_sync_that_changes_a_trial_updates_the_index_and_searches_see_it(settings):
    store = open_store(settings)
    first = [trial("NCT91000001", "Sepsis cell study", conditions=("Sepsis",), status="RECRUITING",
                   sites=(site("Guangzhou", "China", "Guangdong"),)),
             trial("NCT91000002", "Asthma study", conditions=("Asthma",))]
    refresh_derived(store, settings, store.upsert(first).added)
    service = SearchService.open(settings)  # like the web app: opened once, kept
    assert ids(service, "blood poisoning") == ["NCT91000001"]

    stopped = trial("NCT91000001", "Sepsis cell study", conditions=("Sepsis",), status="TERMINATED",
                    sites=(site("Guangzhou", "China", "Guangdong"),))
    added = trial("NCT91000003", "Sepsis in children", conditions=("Sepsis",))
    result = store.upsert([stopped, added])
    assert result.changed == ["NCT91000001"] and result.added == ["NCT91000003"]
    refresh_derived(store, settings, result.added + result.changed)

    assert ids(service, "sepsis") == ["NCT91000003"]  # the terminated trial left the open results
    assert set(ids(service, "sepsis", status=("any",))) == {"NCT91000001", "NCT91000003"}
    assert status(service.index, store).current


def test_catch_up_rebuilds_a_deleted_index_and_finds_stale_trials(settings):
    store = open_store(settings)
    store.upsert([trial(f"NCT9200000{i}", f"Migraine study {i}", conditions=("Migraine",)) for i in range(1, 4)])
    index = SearchIndex(settings.index_dir)
    assert index.count() == 0  # nothing derived yet: e.g. trials stored before search existed
    assert catch_up(index, store) == 3
    assert status(index, store).current

    store.upsert([trial("NCT92000001", "Migraine study, now about cluster headache",
                        conditions=("Cluster Headache",))])  # changed, but the derive step did not run
    assert status(index, store).stale == 1
    assert catch_up(index, store) == 1
    assert ids(SearchService(index), "cluster headache") == ["NCT92000001"]

    shutil.rmtree(settings.index_dir)
    fresh = SearchIndex(settings.index_dir)
    assert catch_up(fresh, store) == 3


HOLD_WRITER = textwrap.dedent("""
    import sys, tantivy
    from trialscout.search.index import SearchIndex
    index = SearchIndex(sys.argv[1])
    writer = index._index.writer(15_000_000, 1)
    print("holding", flush=True)
    sys.stdin.readline()
    writer.add_document(tantivy.Document(id="NCT93999999", kind="trial"))
    writer.commit()
    writer.wait_merging_threads()
""")


def test_a_second_writer_waits_for_the_lock_then_says_clearly_what_is_happening(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        index = SearchIndex(tmp_path, lock_timeout=0.5)
        with pytest.raises(IndexBusy, match="being written by another trialscout process"):
            index.upsert([])
        holder.stdin.write("done\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
    # the lock is free again, and this reader sees the other process's commit without reopening
    assert index.count() == 1
    index.lock_timeout = 5
    assert index.upsert([]) == 0


def test_a_writer_waiting_for_the_lock_gets_it_when_it_is_released(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        index = SearchIndex(tmp_path, lock_timeout=20)
        import threading

        threading.Timer(0.5, lambda: (holder.stdin.write("done\n"), holder.stdin.flush())).start()
        assert index.upsert([]) == 0  # waited, then wrote
        assert holder.wait(timeout=30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()


def test_an_index_left_with_other_fields_is_emptied_and_rebuilt(settings):
    import tantivy

    from trialscout.search.index import index_folder

    store = open_store(settings)
    store.upsert([trial("NCT94000001", "Sciatica study", conditions=("Sciatica",))])
    folder = index_folder(settings.index_dir)
    folder.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("something_else", stored=True)
    tantivy.Index(builder.build(), str(folder))  # a development build's index with other fields
    service = SearchService.open(settings)
    assert catch_up(service.index, store) == 1
    assert ids(service, "sciatica") == ["NCT94000001"]


def test_removing_a_trial_removes_its_site_documents_too(settings):
    store = open_store(settings)
    guangzhou = site("Guangzhou", "China", "Guangdong")
    refresh_derived(store, settings, store.upsert([trial("NCT95000001", "Stem cells", conditions=("Sepsis",),
                                                         sites=(guangzhou,))]).added)
    service = SearchService.open(settings)
    assert ids(service, "", near="Guangzhou") == ["NCT95000001"]
    moved = trial("NCT95000001", "Stem cells", conditions=("Sepsis",), sites=(site("Beijing", "China"),))
    refresh_derived(store, settings, store.upsert([moved]).changed)
    assert ids(service, "", near="Guangzhou") == []
    assert ids(service, "", near="Beijing") == ["NCT95000001"]
    assert service.index.count() == 1
