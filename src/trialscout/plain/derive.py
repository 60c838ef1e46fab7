"""The derive step: write every trial's plain-language page into the store.

Registered in :data:`trialscout.services.DERIVERS`; runs after every import or sync for the
trials that were added or changed (``ids``), or for all trials (``ids=None``). The page and
the API read the stored payload; nothing is generated at request time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..config import Settings
from ..store import StoredTrial, TrialStore, in_batches
from ..trial import Trial
from .compose import TemplateWriter
from .explain import Writer, explain_trial
from ..heap import long_run
from .joining import Item, top_items
from .llm import LLMWriter
from .models import PlainTrial
from .resources import Resources, load_resources
from .workers import Row, derive_in_workers, worker_count

#: The ``kind`` of the plain-language payload in the derived store.
KIND = "plain"
#: The kind of the eligibility parse this step reads its criteria from (``eligibility.derive``).
ELIGIBILITY_KIND = "eligibility"
BATCH = 500


def glossary_extension(settings: Settings) -> Path:
    """Where a deployment keeps its own glossary entries (same shape as the shipped file)."""
    return settings.home / "glossary.json"


def resources_for(settings: Settings, lang: str = "en") -> Resources:
    return load_resources(lang, glossary_extension(settings))


def writer_for(settings: Settings) -> Writer | None:
    """The optional LLM writer when ``llm_url`` is configured, else None (templates only)."""
    return LLMWriter.from_settings(settings)


def explain_all(trials: Iterable[Trial], res: Resources, writer: Writer | None = None) -> Iterator[PlainTrial]:
    """Plain-language pages for ``trials``, one at a time."""
    base = TemplateWriter(res)
    for trial in trials:
        yield explain_trial(trial, res, writer, base)


def stored_criteria(payload: Any, content_hash: str) -> list[Item] | None:
    """The criteria items of a stored eligibility payload (``eligibility.derive``), if it was
    derived from this very record version; None when there is no usable parse."""
    if not isinstance(payload, dict) or payload.get("record_hash") != content_hash:
        return None
    parse = payload.get("parse")
    try:
        rows = [(c["kind"], c["text"], c["index"], c.get("parent"))
                for c in (item["criterion"] for item in parse["criteria"])]
    except (KeyError, TypeError):
        return None
    if not all(isinstance(k, str) and isinstance(t, str) for k, t, _, _ in rows):
        return None
    return top_items(rows)


def derive_plain(store: TrialStore, settings: Settings, ids: Sequence[str] | None = None) -> None:
    """Write the plain payload of ``ids`` (all trials when None) into ``store.derived("plain")``.

    Runs after the eligibility step (``services.DERIVERS``): the criteria are read from the
    parse it stored, so this page and the eligibility check list the same items and the text
    is split once; a trial without a current parse has its text split here.
    """
    res = resources_for(settings)
    writer = writer_for(settings)
    base = TemplateWriter(res)
    derived = store.derived(KIND)

    def explain(source: TrialStore, batch: list[StoredTrial]) -> list[Row]:
        held = source.derived(ELIGIBILITY_KIND).get_many([s.trial.nct_id for s in batch])
        return [(stored.trial.nct_id, stored.content_hash, explain_trial(
                    stored.trial, res, writer, base, stored_criteria(held.get(stored.trial.nct_id),
                                                                      stored.content_hash)).to_payload())
                for stored in batch]

    workers = worker_count(settings.derive_workers, store.count() if ids is None else len(ids), writer, store)
    with long_run():  # the resources loaded above are frozen: the collector no longer walks them
        if workers > 1:  # large runs: generated in worker processes, written here
            derive_in_workers(store, workers, ids, BATCH, explain, derived.put)
            return
        for batch in in_batches(store.iter_trials(ids), BATCH):
            derived.put(explain(store, batch))
