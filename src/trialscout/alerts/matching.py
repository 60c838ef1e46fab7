"""New trials against condition and search subscriptions, with the search the site uses.

A :class:`TrialMatcher` answers two questions: which of these trials can you judge now (the search
index holds their current record), and which of them does this saved search find. New-trial events
wait in ``alert_events`` until the matcher can judge them, so a trial indexed a little after the sync
is still matched, once. :class:`SearchMatcher` asks :class:`trialscout.search.SearchService`;
:class:`RecordMatcher` is the stand-in for a site without a search index (all words in the
conditions, title, keywords or treatments; status and phase filters).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import orjson
import sqlalchemy as sa

from ..config import Settings
from ..store import TrialStore
from ..store.schema import alert_events, alert_items, alert_subscriptions, trials
from ..trial import OPEN_STATUSES, Trial
from .db import chunks, insert_ignoring_duplicates, utc
from .errors import InvalidInput
from .models import Kind, SavedQuery, State

if TYPE_CHECKING:
    from ..search import SearchRequest, SearchService

#: An event the matcher still cannot judge after this long is dropped (its trial never got indexed).
GIVE_UP_AFTER = timedelta(days=7)
EVENTS_PER_RUN = 5000
#: How deep the stand-in matcher looks into a saved search's results (pages of 100).
MAX_SEARCH_PAGES = 50


class TrialMatcher(Protocol):
    def ready(self, trials: Mapping[str, str]) -> set[str]:
        """Of ``{nct_id: content_hash}``, the trials the matcher can judge as they are now."""

    def match(self, kind: Kind, query: SavedQuery, ids: Sequence[str]) -> set[str]:
        """Of ``ids``, the trials the saved search (or condition) finds."""


def search_request(kind: Kind, query: SavedQuery, per_page: int = 20) -> "SearchRequest":
    """The search page's request for a saved query (a condition is searched as its words, open trials)."""
    from ..search import SearchRequest

    if kind is Kind.CONDITION:
        return SearchRequest(q=query.q, per_page=per_page)
    f = query.filter
    age = f("age")
    return SearchRequest(
        q=query.q, near=(f("near") or (None,))[0], within=(f("within") or (None,))[0],
        age=float(age[0]) if age else None, sex=(f("sex") or (None,))[0], status=f("status") or ("open",),
        phase=f("phase"), study_type=f("study_type"), country=f("country"), condition=f("condition"),
        intervention_type=f("intervention_type"), per_page=per_page,
    )


def check_query(kind: Kind, query: SavedQuery) -> None:
    """Refuse a saved search the search page would refuse (:class:`InvalidInput` names the parameter)."""
    try:
        from ..search.errors import InvalidQuery
        from ..search.query import parse_distance, read_filters
    except ImportError:  # pragma: no cover - the search package is part of trialscout
        return
    try:
        request = search_request(kind, query)
        read_filters(request)
        if request.within:
            parse_distance(request.within)
    except InvalidQuery as exc:
        raise InvalidInput(exc.parameter, exc.message) from None


class SearchMatcher:
    """Matches with the site's search service (its index, vocabulary, filters and places)."""

    def __init__(self, service: "SearchService") -> None:
        self.service = service

    def ready(self, trials: Mapping[str, str]) -> set[str]:
        return {nct_id for nct_id, digest in trials.items() if self.service.index.has(nct_id, digest)}

    def match(self, kind: Kind, query: SavedQuery, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        from ..search.errors import InvalidQuery

        request = search_request(kind, query)
        among = getattr(self.service, "matching_ids", None)
        try:
            if among is not None:
                return set(among(request, list(ids)))
            return self._restricted(request, ids)
        except InvalidQuery as exc:  # e.g. a place the gazetteer no longer knows
            raise InvalidInput(exc.parameter, exc.message) from None

    def _restricted(self, request: "SearchRequest", ids: Sequence[str]) -> set[str]:
        """Stand-in until the search service offers ``matching_ids``: page through the public search.

        Results the search only found by relaxing the words (any word instead of all) do not count.
        """
        from dataclasses import replace

        from ..search.query import MAX_PER_PAGE

        wanted, found = set(ids), set()
        for page in range(1, MAX_SEARCH_PAGES + 1):
            results = self.service.search(replace(request, page=page, per_page=MAX_PER_PAGE))
            if results.relaxed:
                break
            found |= {hit.nct_id for hit in results.hits} & wanted
            if found == wanted or not results.has_next:
                break
        return found


_WORD = re.compile(r"[a-z0-9]+")
_SMALL_WORDS = frozenset("a an and or of the for in on with to by at from".split())


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _SMALL_WORDS}


class RecordMatcher:
    """For a site without a search index: every word in the trial's conditions, title, keywords or treatments."""

    def __init__(self, store: TrialStore) -> None:
        self.store = store

    def ready(self, trials: Mapping[str, str]) -> set[str]:
        return set(trials)

    def match(self, kind: Kind, query: SavedQuery, ids: Sequence[str]) -> set[str]:
        wanted = _words(query.q)
        statuses = {s.upper().replace(" ", "_") for s in query.filter("status")} or {"OPEN"}
        phases = {p.upper().replace(" ", "") for p in query.filter("phase")}
        found = set()
        for stored in self.store.iter_trials(list(ids)):
            if _fits(stored.trial, wanted, statuses, phases):
                found.add(stored.trial.nct_id)
        return found


def _fits(trial: Trial, wanted: set[str], statuses: set[str], phases: set[str]) -> bool:
    status_ok = "ANY" in statuses or "ALL" in statuses or trial.overall_status in statuses or (
        "OPEN" in statuses and (trial.overall_status in OPEN_STATUSES or trial.overall_status is None))
    if not status_ok or (phases and not phases & set(trial.phases)):
        return False
    text = " ".join([*trial.conditions, trial.title or "", *trial.keywords, *(i.name for i in trial.interventions),
                     *(m.term for m in trial.condition_meshes)])
    return wanted <= _words(text)


def default_matcher(store: TrialStore, settings: Settings) -> TrialMatcher:
    """The site's search when its index holds documents; otherwise :class:`RecordMatcher`."""
    try:
        from ..search import SearchService
        from ..search.errors import SearchError

        service = SearchService.open(settings)
        if service.index.count() > 0:
            return SearchMatcher(service)
    except (ImportError, SearchError, OSError, ValueError):
        pass
    return RecordMatcher(store)


def match_new_trials(engine: sa.Engine, matcher: TrialMatcher, now: datetime) -> int:
    """Turn new-trial events the matcher can judge into items for the subscriptions that find them."""
    ev = alert_events.c
    with engine.connect() as conn:
        events = conn.execute(sa.select(ev.id, ev.nct_id, ev.recorded_at).where(ev.matched_at.is_(None))
                              .order_by(ev.id).limit(EVENTS_PER_RUN)).all()
        if not events:
            return 0
        hashes: dict[str, str] = {}
        for part in chunks(list({e.nct_id for e in events})):
            hashes.update(conn.execute(sa.select(trials.c.nct_id, trials.c.content_hash)
                                       .where(trials.c.nct_id.in_(list(part)))).all())
        subs = conn.execute(sa.select(alert_subscriptions).where(
            alert_subscriptions.c.kind != Kind.TRIAL.value, alert_subscriptions.c.state == State.ACTIVE.value)).all()
    ready = matcher.ready(hashes)
    judged = [e for e in events if e.nct_id in ready]
    dropped = [e for e in events if e.nct_id not in ready and
               (e.nct_id not in hashes or utc(e.recorded_at) < now - GIVE_UP_AFTER)]
    groups: dict[str, tuple[Kind, SavedQuery, list[Any]]] = {}
    for s in subs:
        groups.setdefault(s.target_key, (Kind(s.kind), SavedQuery.from_dict(orjson.loads(s.query or "{}")), []))[2].append(s)
    ids = sorted({e.nct_id for e in judged})
    by_trial: dict[str, list[Any]] = {}
    for event in judged:
        by_trial.setdefault(event.nct_id, []).append(event)
    rows = []
    for kind, query, members in groups.values():
        try:
            found = matcher.match(kind, query, ids)
        except InvalidInput:  # a saved search the search can no longer run finds nothing
            continue
        for nct_id in sorted(found):
            for event in by_trial[nct_id]:
                for s in members:
                    if utc(s.confirmed_at) <= utc(event.recorded_at):  # only trials new since they signed up
                        rows.append({"subscription_id": s.id, "subscriber_id": s.subscriber_id, "nct_id": nct_id,
                                     "kind": "new", "source_key": f"new:{nct_id}",
                                     "payload": orjson.dumps({"date": utc(event.recorded_at).date().isoformat()}).decode(),
                                     "created_at": now, "message_id": None})
    with engine.begin() as conn:
        added = insert_ignoring_duplicates(conn, alert_items, rows, ("subscription_id", "source_key"))
        done = [e.id for e in judged + dropped]
        for part in chunks(done):
            conn.execute(alert_events.update().where(ev.id.in_(list(part))).values(matched_at=now))
    return added
