"""Each candidate's parsed eligibility criteria, as the derive step stored them.

The eligibility deriver parses every record when it is stored (``store.derived("eligibility")``);
matching reads those parses in one query and decodes each (``derive.parsed_from_payload``, kept decoded
in the process by ``eligibility.parse_cache``). A trial whose parse is missing (a store filled before that
step existed) is parsed now and stored for next time, as the single-trial check does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..eligibility import ParsedEligibility
from ..eligibility.derive import KIND, parsed_from_payload, payload_for
from ..store import TrialStore


@dataclass(frozen=True)
class StoredCriteria:
    """A trial's parse, or why there is none (``parsed`` None, or a parse with no criteria)."""

    parsed: ParsedEligibility | None
    problem: str | None = None

    @property
    def has_criteria(self) -> bool:
        return self.parsed is not None and bool(self.parsed.all())


NO_CRITERIA = "The record gives no eligibility criteria, so there is nothing to check automatically."


def load_criteria(store: TrialStore, ids: Sequence[str]) -> dict[str, StoredCriteria]:
    """The stored parse of each id (parsing and storing the ones that are missing)."""
    derived = store.derived(KIND)
    payloads = derived.get_many(list(ids))
    missing = [i for i in ids if i not in payloads]
    if missing:
        rows = [(s.trial.nct_id, s.content_hash, payload_for(s)) for s in store.iter_trials(missing)]
        derived.put(rows)
        payloads.update({nct_id: payload for nct_id, _, payload in rows})
    found: dict[str, StoredCriteria] = {}
    for nct_id in ids:
        payload = payloads.get(nct_id)
        if payload is None:
            continue
        parsed = _parsed(payload)
        if parsed is None:
            error = payload.get("error") if isinstance(payload, dict) else None
            found[nct_id] = StoredCriteria(None, str(error or "The eligibility criteria could not be read "
                                                              "automatically."))
        elif not parsed.all():
            found[nct_id] = StoredCriteria(parsed, NO_CRITERIA)
        else:
            found[nct_id] = StoredCriteria(parsed)
    return found


def _parsed(payload: Any) -> ParsedEligibility | None:
    """The parse a payload holds (``derive.parsed_from_payload``: decoded once per process while cached)."""
    return parsed_from_payload(payload)
