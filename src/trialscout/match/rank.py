"""Order matched trials: by verdict first, then by a score of how well they fit.

The verdict decides the tier (:data:`models.VERDICT_ORDER`): a "likely not eligible" trial never ranks
above a "likely eligible" one, whatever its other signals. Within a tier the score adds, each in 0–1:

* relevance — the trial's fused retrieval score, relative to the best candidate's;
* nearness — how near its nearest site is (with a place; 0 km → 1, :data:`FAR_KM` or more → 0);
* openness — recruiting now counts most, then soon / by invitation, then status not stated;
* criteria met — the share of checkable criteria known to be met.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import VERDICT_ORDER, Verdict

WEIGHTS = {"relevance": 0.45, "nearness": 0.25, "openness": 0.15, "met": 0.15}
FAR_KM = 1000.0
OPENNESS = {"RECRUITING": 1.0, "NOT_YET_RECRUITING": 0.8, "ENROLLING_BY_INVITATION": 0.6, None: 0.5,
            "NOT_STATED": 0.5, "ACTIVE_NOT_RECRUITING": 0.1, "AVAILABLE": 0.8}
IN_COUNTRY = 0.5


@dataclass(frozen=True)
class Signals:
    relevance: float
    nearness: float
    openness: float
    met: float

    @property
    def score(self) -> float:
        return sum(WEIGHTS[name] * getattr(self, name) for name in WEIGHTS)


def nearness(km: float | None, in_country: bool = False) -> float:
    if km is None:
        return IN_COUNTRY if in_country else 0.0
    return max(0.0, 1.0 - km / FAR_KM)


def openness(status: str | None) -> float:
    return OPENNESS.get(status, 0.0)


def met_share(met: int, unknown: int, not_met: int) -> float:
    checked = met + unknown + not_met
    return met / checked if checked else 0.0


def sort_key(verdict: Verdict, signals: Signals, nct_id: str) -> tuple[int, float, str]:
    """Tier first, then the higher score, then the id (so equal trials keep a stable order)."""
    return (VERDICT_ORDER.index(verdict), -signals.score, nct_id)
