"""The derive step: parse every trial's eligibility once, when its record is stored or changes.

Registered in :data:`trialscout.services.DERIVERS`; runs after every import or sync for the
trials that were added or changed (``ids``), or for all trials (``ids=None``). The check page,
the API and the CLI read the stored parse (:mod:`trialscout.eligibility.service`); nothing is
parsed per request unless a stored parse is missing or out of date.

Each payload (kind ``"eligibility"``) holds::

    {"record_hash": <the record's content hash>,
     "input_hash":  <hash of the eligibility fields and the parser's version and rules>,
     "parse":       <ParsedEligibility.to_json() as an object>}            # or
    {"record_hash": ..., "input_hash": ..., "error": "what went wrong"}    # the parser refused it

A record that changed elsewhere (status, sites) keeps its parse: when ``input_hash`` is the
same, the payload is re-tagged with the new record hash instead of being parsed again.
Rebuilding everything (``ids=None``) always parses afresh. A large run (``store.workers.MIN_TRIALS``
trials or more) is parsed in ``settings.derive_workers`` forked processes and written here, batch by
batch in order, so the store holds what one process writes (:mod:`trialscout.store.workers`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import orjson

from ..config import Settings
from ..store import StoredTrial, TrialStore, in_batches
from ..store.workers import Row, derive_in_workers, worker_count
from ..trial import Trial
from .constraints import PARSE_VERSION, ParsedEligibility
from .errors import EligibilityError
from .nlp import pipeline
from .parse import parse_eligibility
from .parse_cache import decoded

#: The ``kind`` of the parsed-eligibility payload in the derived store.
KIND = "eligibility"
BATCH = 200

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def engine_fingerprint() -> str:
    """Hash of the parser version and its rules files: a change to either re-parses every trial."""
    digest = hashlib.sha256(f"parse-version:{PARSE_VERSION}".encode())
    rules = resources.files("trialscout.eligibility").joinpath("rules")
    for item in sorted(rules.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return digest.hexdigest()[:16]


def eligibility_fields(trial: Trial) -> tuple[str | None, str | None, str | None, str | None]:
    """(criteria text, minimum age, maximum age, sex) as ``parse_eligibility`` takes them."""
    e = trial.eligibility
    return (e.criteria, str(e.minimum_age) if e.minimum_age else None,
            str(e.maximum_age) if e.maximum_age else None, e.sex)


def input_hash(trial: Trial) -> str:
    """What a parse depends on: the eligibility fields and the engine fingerprint."""
    return hashlib.sha256(orjson.dumps([engine_fingerprint(), *eligibility_fields(trial)])).hexdigest()


def parse_trial(trial: Trial) -> ParsedEligibility:
    """Parse one trial's eligibility (text criteria plus the registry's age and sex limits).

    Raises ``EligibilityError`` when the record's fields cannot be used.
    """
    return parse_eligibility(*eligibility_fields(trial))


def payload_for(stored: StoredTrial) -> dict[str, Any]:
    """The derived payload of one stored trial (a parse, or the reason there is none)."""
    base = {"record_hash": stored.content_hash, "input_hash": input_hash(stored.trial)}
    try:
        parsed = parse_trial(stored.trial)
    except EligibilityError as exc:
        return {**base, "error": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one unreadable record must not stop an import of thousands
        log.error("eligibility parse failed for %s: %s", stored.trial.nct_id, type(exc).__name__, exc_info=True)
        return {**base, "error": "The eligibility criteria of this record could not be read automatically."}
    return {**base, "parse": orjson.loads(parsed.to_json())}


def parsed_from_payload(payload: Any) -> ParsedEligibility | None:
    """The ``ParsedEligibility`` a payload holds, or ``None`` (no parse, or an unreadable one).

    Parses decoded before in this process come from ``parse_cache`` (the same stored JSON, the same objects).
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("parse"), dict):
        return None
    try:
        return decoded(orjson.dumps(payload["parse"]))  # decoded once per process while it stays in the cache
    except EligibilityError:
        return None


def is_current(payload: Any, stored: StoredTrial) -> bool:
    """True when ``payload`` was derived from this very record by this parser."""
    return (isinstance(payload, dict) and payload.get("record_hash") == stored.content_hash
            and payload.get("input_hash") == input_hash(stored.trial))


def derive_eligibility(store: TrialStore, settings: Settings, ids: Sequence[str] | None = None) -> None:
    """Store the parse of ``ids`` (all trials when None) under ``store.derived("eligibility")``.

    For listed ids, a trial whose eligibility fields did not change since its last parse keeps
    that parse (re-tagged with the new record hash); ``ids=None`` re-parses every trial.
    """
    derived = store.derived(KIND)
    reuse = ids is not None

    def compute(source: TrialStore, batch: list[StoredTrial]) -> list[Row]:
        held = source.derived(KIND).get_many([s.trial.nct_id for s in batch]) if reuse else {}
        rows: list[Row] = []
        for stored in batch:
            old = held.get(stored.trial.nct_id)
            if isinstance(old, dict) and old.get("input_hash") == input_hash(stored.trial) and (
                    "parse" in old or "error" in old):
                payload = {**old, "record_hash": stored.content_hash}
            else:
                payload = payload_for(stored)
            rows.append((stored.trial.nct_id, stored.content_hash, payload))
        return rows

    workers = worker_count(settings.derive_workers, store.count() if ids is None else len(ids), store)
    if workers > 1:  # large runs: parsed in worker processes, written here
        pipeline()  # built once here and inherited by the forked workers
        engine_fingerprint()
        derive_in_workers(store, workers, ids, BATCH, compute, derived.put, what="eligibility parses", logger=log)
        return
    for batch in in_batches(store.iter_trials(ids), BATCH):
        derived.put(compute(store, batch))
