"""Measure search against the judged query set (judged_queries.json): recall@10 and nDCG@10.

recall@10 is the share of a query's judged trials (any grade) found in the first ten results, out of
at most ten (so a query with 22 judged trials scores 1.0 when all ten results are judged ones).
nDCG@10 uses the grades as gains (2 = what was asked for, 1 = related) with the usual log2 discount.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .errors import SearchError
from .query import SearchRequest
from .service import SearchService

JUDGED = Path(__file__).with_name("judged_queries.json")
K = 10
_TUPLE_FIELDS = ("status", "phase", "study_type", "country", "condition", "intervention_type")


@dataclass(frozen=True)
class JudgedQuery:
    id: str
    request: SearchRequest
    relevant: dict[str, int]
    why: str = ""


@dataclass(frozen=True)
class QueryScore:
    id: str
    recall: float
    ndcg: float
    found: tuple[str, ...]
    missed: tuple[str, ...]
    error: str | None = None


@dataclass
class EvalReport:
    scores: list[QueryScore] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return sum(s.recall for s in self.scores) / len(self.scores) if self.scores else 0.0

    @property
    def ndcg(self) -> float:
        return sum(s.ndcg for s in self.scores) / len(self.scores) if self.scores else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"queries": len(self.scores), f"recall@{K}": round(self.recall, 4), f"ndcg@{K}": round(self.ndcg, 4),
                "per_query": [s.__dict__ for s in self.scores]}


def request_from(data: dict[str, Any]) -> SearchRequest:
    values = dict(data)
    for name in _TUPLE_FIELDS:
        if name in values and isinstance(values[name], (list, str)):
            values[name] = tuple([values[name]] if isinstance(values[name], str) else values[name])
    for name in ("first_posted_from", "first_posted_to", "updated_from", "updated_to"):
        if isinstance(values.get(name), str):
            values[name] = date.fromisoformat(values[name])
    return SearchRequest(**values)


def load_judged(path: Path = JUDGED) -> list[JudgedQuery]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [JudgedQuery(q["id"], request_from(q["request"]), {k: int(v) for k, v in q["relevant"].items()},
                        q.get("why", "")) for q in data["queries"]]


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    dcg = sum(relevant.get(nct_id, 0) / math.log2(i + 2) for i, nct_id in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    best = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / best if best else 0.0


def recall(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    if not relevant:
        return 0.0
    return len([r for r in ranked[:k] if r in relevant]) / min(k, len(relevant))


def evaluate(service: SearchService, judged: list[JudgedQuery] | None = None) -> EvalReport:
    """Run every judged query (first page of ten) and score it."""
    report = EvalReport()
    for item in judged if judged is not None else load_judged():
        try:
            results = service.search(SearchRequest(**{**item.request.__dict__, "page": 1, "per_page": K}))
            ranked = [h.nct_id for h in results.hits]
            error = None
        except SearchError as exc:
            ranked, error = [], str(exc)
        report.scores.append(QueryScore(
            item.id, recall(ranked, item.relevant), ndcg(ranked, item.relevant),
            tuple(r for r in ranked if r in item.relevant), tuple(r for r in item.relevant if r not in ranked), error))
    return report
