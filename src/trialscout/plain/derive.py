"""The derive step: write every trial's plain-language page into the store.

Registered in :data:`trialscout.services.DERIVERS`; runs after every import or sync for the
trials that were added or changed (``ids``), or for all trials (``ids=None``). The page and
the API read the stored payload; nothing is generated at request time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..config import Settings
from ..store import TrialStore
from ..trial import Trial
from .compose import TemplateWriter
from .explain import Writer, explain_trial
from .llm import LLMWriter
from .models import PlainTrial
from .resources import Resources, load_resources

#: The ``kind`` of the plain-language payload in the derived store.
KIND = "plain"
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


def derive_plain(store: TrialStore, settings: Settings, ids: Sequence[str] | None = None) -> None:
    """Write the plain payload of ``ids`` (all trials when None) into ``store.derived("plain")``."""
    res = resources_for(settings)
    writer = writer_for(settings)
    base = TemplateWriter(res)
    derived = store.derived(KIND)
    rows: list[tuple[str, str, object]] = []
    for stored in store.iter_trials(ids):
        plain = explain_trial(stored.trial, res, writer, base)
        rows.append((stored.trial.nct_id, stored.content_hash, plain.to_payload()))
        if len(rows) >= BATCH:
            derived.put(rows)
            rows = []
    if rows:
        derived.put(rows)
