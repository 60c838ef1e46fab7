"""The ClinicalTrials.gov client against a local fake API serving real records."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from fake_ctgov import (
    FakeClock,
    FakeCtgov,
    Fault,
    Study,
    conditions,
    last_update,
    nct_id,
    term_text,
)

from trialscout.registry.checkpoint import Checkpoint
from trialscout.registry.ctgov import (
    CheckpointError,
    CheckpointMismatch,
    CtgovClient,
    InvalidQuery,
    RegistryUnavailable,
    RetryPolicy,
    StudyNotFound,
    StudyPage,
    SyncQuery,
    parse_since,
)

ClientFactory = Callable[..., CtgovClient]  # the make_client fixture
ALL = SyncQuery(page_size=100)  # 796 records -> 8 pages (7 x 100 + 96)


def collect(pages: list[StudyPage]) -> list[str]:
    return [nct_id(study) for page in pages for study in page.studies]


def assert_each_once(ids: list[str], studies: list[Study]) -> None:
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert duplicates == []
    assert sorted(ids) == sorted(nct_id(s) for s in studies)


# --- paging and queries ---------------------------------------------------------------


def test_pages_through_every_record_exactly_once(
    make_client: ClientFactory, fake: FakeCtgov, studies: list[Study]
) -> None:
    pages = list(make_client().iter_pages(ALL))

    assert_each_once(collect(pages), studies)
    assert [len(p.studies) for p in pages] == [100] * 7 + [96]
    assert all(p.total_count == 796 for p in pages)  # for a progress bar, on every page
    assert pages[-1].is_last and not pages[0].is_last
    sent = fake.search_requests()
    assert [r.params["pageSize"] for r in sent] == ["100"] * 8
    assert all(r.params["format"] == "json" for r in sent)
    assert [r.params.get("countTotal") for r in sent] == ["true"] + [None] * 7
    assert [r.params.get("pageToken") for r in sent[1:]] == [p.next_page_token for p in pages[:-1]]
    assert sent[0].headers["user-agent"].startswith("trialscout/")


def test_studies_are_handed_over_untouched(
    make_client: ClientFactory, studies: list[Study]
) -> None:
    first = next(make_client().iter_pages(SyncQuery(page_size=5)))
    assert first.studies == studies[:5]


def test_condition_query_returns_only_matching_trials(
    make_client: ClientFactory, fake: FakeCtgov, studies: list[Study]
) -> None:
    pages = list(make_client().iter_pages(SyncQuery(condition="Asthma", page_size=3)))

    expected = {nct_id(s) for s in studies if any("asthma" in c.lower() for c in conditions(s))}
    assert 0 < len(expected) < len(studies)
    assert sorted(collect(pages)) == sorted(expected)
    assert pages[0].total_count == len(expected)
    assert all(r.params["query.cond"] == "Asthma" for r in fake.search_requests())


def test_term_query_searches_titles_and_summaries(
    make_client: ClientFactory, fake: FakeCtgov, studies: list[Study]
) -> None:
    pages = list(make_client().iter_pages(SyncQuery(term="ozone")))

    expected = {nct_id(s) for s in studies if "ozone" in term_text(s).lower()}
    assert expected and sorted(collect(pages)) == sorted(expected)
    assert fake.search_requests()[0].params["query.term"] == "ozone"


def test_since_returns_only_trials_updated_on_or_after_the_date(
    make_client: ClientFactory, fake: FakeCtgov, studies: list[Study]
) -> None:
    since = parse_since("2025-06-01")
    pages = list(make_client().iter_pages(SyncQuery(since=since, page_size=50)))

    expected = {nct_id(s) for s in studies if last_update(s) >= "2025-06-01"}
    assert 0 < len(expected) < len(studies)
    assert sorted(collect(pages)) == sorted(expected)
    advanced = {r.params["filter.advanced"] for r in fake.search_requests()}
    assert advanced == {"AREA[LastUpdatePostDate]RANGE[2025-06-01,MAX]"}


@pytest.mark.parametrize("size", [0, 1001, -5])
def test_page_size_is_checked_before_anything_is_sent(size: int) -> None:
    with pytest.raises(InvalidQuery, match="between 1 and 1000"):
        SyncQuery(page_size=size)


def test_bad_since_date_gets_a_clear_message() -> None:
    with pytest.raises(InvalidQuery, match="2024-01-31"):
        parse_since("31/01/2024")


# --- single study -----------------------------------------------------------------------


def test_get_study_returns_the_record(make_client: ClientFactory, studies: list[Study]) -> None:
    wanted = studies[42]
    assert make_client().get_study(nct_id(wanted).lower()) == wanted


def test_unknown_study_raises_study_not_found(make_client: ClientFactory, fake: FakeCtgov) -> None:
    with pytest.raises(StudyNotFound, match="NCT99999999") as caught:
        make_client().get_study("NCT99999999")
    assert caught.value.nct_id == "NCT99999999"
    assert len(fake.requests) == 1  # a 404 is an answer, not a reason to retry


def test_malformed_nct_id_is_refused_without_a_request(
    make_client: ClientFactory, fake: FakeCtgov
) -> None:
    with pytest.raises(InvalidQuery, match="NCT followed by 8 digits"):
        make_client().get_study("12345")
    assert fake.requests == []


# --- faults -----------------------------------------------------------------------------

FAULTS = {
    "500": Fault.http_error(500),
    "503-retry-after": Fault.http_error(503, retry_after="2"),
    "429-retry-after": Fault.http_error(429, retry_after="3"),
    "stall-past-timeout": Fault.stall(),
    "truncated-json": Fault.truncated(),
    "connection-cut-mid-body": Fault.cut_off(),
    "page-served-twice": Fault.repeat_page(),
    "studies-served-twice": Fault.repeat_studies(),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
def test_each_fault_is_survived_without_losing_or_duplicating_records(
    make_client: ClientFactory, fake: FakeCtgov, studies: list[Study], fault: Fault
) -> None:
    fake.inject(fault, on_request=3)

    pages = list(make_client().iter_pages(ALL))

    assert_each_once(collect(pages), studies)
    assert len(fake.requests) == 9  # 8 pages + the one retry
    assert fake.requests[3].params.get("pageToken") == fake.requests[2].params.get("pageToken")


def test_retry_after_seconds_is_honoured(
    make_client: ClientFactory, fake: FakeCtgov, clock: FakeClock
) -> None:
    fake.inject(Fault.http_error(429, retry_after="7"), on_request=2)

    list(make_client(requests_per_minute=None).iter_pages(ALL))

    assert clock.sleeps == [7.0]


def test_retry_after_http_date_is_honoured(
    make_client: ClientFactory, fake: FakeCtgov, clock: FakeClock
) -> None:
    when = datetime.fromtimestamp(clock.time(), UTC) + timedelta(seconds=30)
    fake.inject(Fault.http_error(503, retry_after=format_datetime(when, usegmt=True)), on_request=2)

    list(make_client(requests_per_minute=None).iter_pages(ALL))

    assert clock.sleeps == [pytest.approx(30.0)]


def test_a_huge_retry_after_is_capped(
    make_client: ClientFactory, fake: FakeCtgov, clock: FakeClock
) -> None:
    fake.inject(Fault.http_error(429, retry_after="86400"), on_request=1)
    client = make_client(requests_per_minute=None, retry=RetryPolicy(retry_after_cap=120.0))

    next(client.iter_pages(ALL))

    assert clock.sleeps == [120.0]


def test_giving_up_raises_registry_unavailable_with_advice(
    make_client: ClientFactory, fake: FakeCtgov, clock: FakeClock
) -> None:
    fake.inject(Fault.http_error(503), on_request=1, times=100)
    client = make_client(requests_per_minute=None, retry=RetryPolicy(max_attempts=5))

    with pytest.raises(RegistryUnavailable) as caught:
        next(client.iter_pages(ALL))

    message = str(caught.value)
    assert "5 attempts" in message and "HTTP 503" in message and "try again" in message
    assert len(fake.requests) == 5
    # exponential backoff with jitter: each wait within [half, full] of 1, 2, 4, 8 seconds
    for wait, ceiling in zip(clock.sleeps, [1, 2, 4, 8], strict=True):
        assert ceiling / 2 <= wait <= ceiling


def test_a_server_stuck_repeating_a_page_does_not_loop_forever(
    make_client: ClientFactory, fake: FakeCtgov
) -> None:
    fake.inject(Fault.repeat_page(), on_request=3, times=100)

    with pytest.raises(RegistryUnavailable, match="already sent"):
        list(make_client().iter_pages(ALL))
    assert len(fake.requests) == 2 + 4  # two good pages, then max_attempts tries


def test_requests_are_spaced_politely(make_client: ClientFactory, clock: FakeClock) -> None:
    list(make_client(requests_per_minute=120).iter_pages(ALL))

    assert clock.sleeps == [pytest.approx(0.5)] * 7  # 8 requests, none closer than 0.5 s


# --- checkpoint and resume ---------------------------------------------------------------


class CallerCrashed(Exception):
    """The sync command dying half-way through."""


def test_resume_after_a_crash_continues_where_storing_stopped(
    make_client: ClientFactory, fake: FakeCtgov, studies: list[Study], tmp_path: Path
) -> None:
    checkpoint = Checkpoint(tmp_path / "sync.json")
    stored: list[str] = []

    with pytest.raises(CallerCrashed):
        for page in make_client().iter_pages(ALL, checkpoint):
            if page.number == 4:
                raise CallerCrashed  # dies while storing page 4
            stored += [nct_id(s) for s in page.studies]
    saved = json.loads(checkpoint.path.read_text())
    assert saved["pages_done"] == 3 and saved["studies_done"] == 300
    assert saved["next_page_token"] == fake.requests[3].params["pageToken"]

    resumed = list(make_client().iter_pages(ALL, checkpoint))
    stored += collect(resumed)

    assert_each_once(stored, studies)
    assert [p.number for p in resumed] == [4, 5, 6, 7, 8]
    assert resumed[0].studies_before == 300 and resumed[0].total_count == 796
    tokens = [r.params.get("pageToken") for r in fake.requests]
    assert tokens[4] == tokens[3]  # only the page in flight is fetched again
    assert len(tokens) == 9 and len(set(tokens)) == 8
    assert not checkpoint.path.exists()  # finished: nothing left to resume


def test_checkpoint_is_written_after_each_stored_page(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    checkpoint = Checkpoint(tmp_path / "state" / "sync.json")
    seen: list[dict[str, Any] | None] = []

    for _page in make_client().iter_pages(ALL, checkpoint):
        seen.append(json.loads(checkpoint.path.read_text()) if checkpoint.path.exists() else None)

    assert seen[0] is None  # nothing is recorded before the first page is stored
    assert [s["pages_done"] for s in seen[1:] if s] == [1, 2, 3, 4, 5, 6, 7]
    last = seen[-1]
    assert last is not None and last["query"]["page_size"] == 100 and last["updated_at"]
    assert list((tmp_path / "state").iterdir()) == []  # finished, no temp files left


def test_leaving_the_loop_early_does_not_skip_the_unstored_page(
    make_client: ClientFactory, fake: FakeCtgov, tmp_path: Path
) -> None:
    checkpoint = Checkpoint(tmp_path / "sync.json")
    for page in make_client().iter_pages(ALL, checkpoint):
        if page.number == 2:
            break

    resumed = next(make_client().iter_pages(ALL, checkpoint))

    assert resumed.number == 2
    assert fake.requests[-1].params["pageToken"] == fake.requests[1].params["pageToken"]


def test_checkpoint_of_a_different_query_is_not_reused(
    make_client: ClientFactory, fake: FakeCtgov, tmp_path: Path
) -> None:
    checkpoint = Checkpoint(tmp_path / "sync.json")
    pages = make_client().iter_pages(SyncQuery(condition="asthma", page_size=2), checkpoint)
    next(pages), next(pages)
    before = len(fake.requests)

    with pytest.raises(CheckpointMismatch, match="condition=asthma") as caught:
        next(make_client().iter_pages(SyncQuery(condition="leukemia"), checkpoint))
    assert str(checkpoint.path) in str(caught.value) and "delete" in str(caught.value)
    assert len(fake.requests) == before

    checkpoint.clear()
    assert next(make_client().iter_pages(SyncQuery(condition="leukemia"), checkpoint)).number == 1


def test_an_expired_resume_point_says_what_to_do(
    make_client: ClientFactory, fake: FakeCtgov, tmp_path: Path
) -> None:
    checkpoint = Checkpoint(tmp_path / "sync.json")
    client = make_client()
    key = {"base_url": client.base_url, **ALL.describe()}
    checkpoint.advance(key, "no-longer-valid", pages_done=3, studies_done=300, total_count=796)

    with pytest.raises(CheckpointError, match="delete that file"):
        next(client.iter_pages(ALL, checkpoint))
    assert len(fake.requests) == 1  # a 400 is not retried


def test_an_unreadable_checkpoint_says_what_to_do(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    path = tmp_path / "sync.json"
    path.write_text('{"version": 1, "query": ')

    with pytest.raises(CheckpointError, match="delete it"):
        next(make_client().iter_pages(ALL, Checkpoint(path)))


def test_default_client_targets_clinicaltrials_gov() -> None:
    with CtgovClient() as client:
        assert client.base_url == "https://clinicaltrials.gov"
    assert SyncQuery().params() == {"format": "json", "pageSize": "1000"}
    assert SyncQuery(since=date(2024, 1, 1)).params()["filter.advanced"] == (
        "AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX]"
    )
