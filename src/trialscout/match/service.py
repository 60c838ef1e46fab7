"""Find trials for a person: retrieve candidates, check each one's criteria, rank, explain.

    service = MatchService.open(settings, store, search)
    results = service.match(MatchRequest(read_fhir(bundle)))

The web page, the API and the CLI call this and nothing else. Nothing about the person is stored or
logged here: the profile lives for the call; a fault is logged by its type and place only.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..config import Settings
from ..eligibility import EligibilityResult, evaluate
from ..search import SearchService
from ..store import TrialStore
from .criteria import StoredCriteria, load_criteria
from .errors import NothingToMatch, SemanticUnavailable
from .explain import condition_matches, explain
from .models import MatchRequest, MatchResults, PersonInput, SiteDistance, TrialMatch, Verdict
from .cards import nearest_site
from .rank import Signals, met_share, nearness, openness, sort_key
from .retrieve import Candidate, Retrieval, Retriever
from .semantic import Embedder, MiniLMEmbedder, VectorIndex, semantic_installed

log = logging.getLogger(__name__)


class MatchService:
    """Matches people to the trials of one store and its search index; cheap to share between requests."""

    def __init__(self, store: TrialStore, search: SearchService, vectors_dir: Path | None = None,
                 embedder: Embedder | None = None) -> None:
        self.store = store
        self.search = search
        self.vectors_dir = vectors_dir
        self._embedder = embedder
        self._vectors: VectorIndex | None = None
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, store: TrialStore, search: SearchService) -> "MatchService":
        return cls(store, search, VectorIndex.directory_for(settings.home))

    # --- semantic retrieval, loaded on first use ------------------------------------------------

    def semantic_available(self) -> bool:
        """True when semantic retrieval can run: the extra is installed (or an embedder was given) and the
        trial vectors are built."""
        if self._embedder is None and not semantic_installed():
            return False
        return self._vectors is not None or bool(self.vectors_dir and (self.vectors_dir / "meta.json").is_file())

    def _semantic(self, wanted: bool | None) -> tuple[VectorIndex, Embedder] | None:
        if wanted is False or (wanted is None and not self.semantic_available()):
            return None
        with self._lock:
            if self._vectors is None:
                if self.vectors_dir is None:
                    raise SemanticUnavailable("No trial vectors are configured for semantic matching.")
                self._vectors = VectorIndex.open(self.vectors_dir)
            if self._embedder is None:
                self._embedder = MiniLMEmbedder()
            return self._vectors, self._embedder

    def warm_up(self) -> bool:
        """Load the semantic parts now (model and vectors, when installed and built) instead of on the first
        person's match; True when semantic retrieval is ready."""
        return self._semantic(None) is not None

    # --- the match ------------------------------------------------------------------------------

    def match(self, request: MatchRequest) -> MatchResults:
        """Ranked, explained trials for ``request.person``; :class:`NothingToMatch` when there is nothing to
        look for, :class:`SemanticUnavailable` when semantic retrieval was required but cannot run.

        The best ``request.checked`` candidates (at least ``limit``) have their criteria checked and are
        ranked; only the ``limit`` shown are explained."""
        started = time.perf_counter()
        person, today = request.person, request.today or date.today()
        semantic = self._semantic(request.semantic)
        _check_something(person, semantic is not None)
        retriever = Retriever(self.search, *(semantic or (None, None)))
        scope, notes = retriever.scope(person, request.statuses, person.profile.age_on(today))
        checked = request.checked
        retrieval = retriever.retrieve(person, scope, max(checked, request.retrieve or 0), semantic is not None)
        evaluated = retrieval.candidates[:checked]
        criteria = load_criteria(self.store, [c.nct_id for c in evaluated])
        best = max((c.fused for c in evaluated), default=1.0) or 1.0
        assessed = [_assess(c, criteria.get(c.nct_id), person, retrieval, best, today) for c in evaluated]
        assessed.sort(key=lambda a: sort_key(a.verdict, a.signals, a.candidate.nct_id))
        notices = person.notices + tuple(notes) + retrieval.notes
        if scope.age is None:
            notices += ("We do not know your age, so trials of every age are included: add it for a closer match.",)
        unchecked = [c.nct_id for c in retrieval.candidates[checked:]]
        return MatchResults(
            tuple(a.explained() for a in assessed[: request.limit]), retrieval.searched_for, len(evaluated),
            retrieval.place.label if retrieval.place else retrieval.country, tuple(person.profile.flags),
            notices, retrieval.semantic, (time.perf_counter() - started) * 1000,
            extra={"retrieved": len(retrieval.candidates),
                   "ranked_ids": [a.candidate.nct_id for a in assessed] + unchecked})


@dataclass(frozen=True)
class _Assessed:
    """One checked candidate: its verdict and signals (for ranking); explained only when shown."""

    candidate: Candidate
    stored: StoredCriteria | None
    result: EligibilityResult | None
    verdict: Verdict
    signals: Signals
    nearest: SiteDistance | None

    def explained(self) -> TrialMatch:
        candidate, card = self.candidate, self.candidate.card
        conditions = condition_matches(candidate.conditions, candidate.terms, card.conditions, card.title)
        problem = self.stored.problem if self.stored is not None else "This trial's criteria have not been read yet."
        explanation = explain(self.result, conditions, self.nearest, problem)
        return TrialMatch(candidate.nct_id, card.title, card.status, card.phases, card.conditions, self.verdict,
                          self.signals.score, explanation, self.nearest, candidate.found_by)


def _assess(candidate: Candidate, stored: StoredCriteria | None, person: PersonInput, retrieval: Retrieval,
            best: float, today: date) -> _Assessed:
    card = candidate.card
    result = _evaluate(candidate.nct_id, stored, person, today)
    verdict: Verdict = result.verdict if result is not None else "need_more_information"
    nearest = nearest_site(card, retrieval.place, retrieval.country)
    in_country = bool(retrieval.country and nearest is not None)
    counts = {"met": 0, "unknown": 0, "not_met": 0}
    for c in result.criteria if result is not None else ():
        state = _state(c.kind, c.status)
        if state is not None:
            counts[state] += 1
    signals = Signals(relevance=candidate.fused / best,
                      nearness=nearness(nearest.km if nearest else None, in_country),
                      openness=openness(card.status), met=met_share(counts["met"], counts["unknown"], counts["not_met"]))
    return _Assessed(candidate, stored, result, verdict, signals, nearest)


def _state(kind: str, status: str) -> str | None:
    """A criterion in the person's terms: met (good for them), not_met (against them), unknown."""
    if status == "unknown":
        return "unknown"
    if status in {"met", "not_met"}:
        good = (status == "met") == (kind == "inclusion")
        return "met" if good else "not_met"
    return None


def _evaluate(nct_id: str, stored: StoredCriteria | None, person: PersonInput, today: date) -> EligibilityResult | None:
    if stored is None or not stored.has_criteria or stored.parsed is None:
        return None
    try:
        return evaluate(stored.parsed, person.profile, today=today)
    except Exception as exc:  # noqa: BLE001 - one trial's fault must not lose the person's whole list
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
        log.error("match: evaluating %s failed: %s at %s", nct_id, type(exc).__name__, where)
        return None


def _check_something(person: PersonInput, semantic: bool) -> None:
    """Raise :class:`NothingToMatch` when the profile gives nothing to search for."""
    if person.conditions() or (semantic and person.note and person.note.strip()):
        return
    hints = " ".join(f.message for f in person.profile.flags if f.code in {"language", "unreadable", "truncated"})
    if person.profile.is_empty() and not person.note:
        message = ("Nothing was filled in: name at least one condition (for example \u201cliver failure\u201d), "
                   "upload a health record, or paste a doctor's note.")
    else:
        where = {"note": "in the note (notes are read in English only)", "fhir": "in the health record",
                 "form": "in what you entered"}[person.kind]
        message = (f"We found no condition {where} to look for trials about. {hints} "
                   "Name your condition in the form (for example \u201csepsis\u201d).")
    raise NothingToMatch(" ".join(message.split()))
