"""Reciprocal rank fusion: several ranked lists into one (Cormack, Clarke & Büttcher, SIGIR 2009).

Each list gives an item ``1 / (k + rank)``; an item found by several lists (two of the person's
conditions, or words and meaning) collects from each. Scores of different engines never need to be
comparable, only their orders.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60


def reciprocal_rank_fusion(lists: Mapping[str, Sequence[str]], k: int = RRF_K,
                           weights: Mapping[str, float] | None = None) -> list[tuple[str, float, tuple[str, ...]]]:
    """``{list name: ids best first}`` → ``(id, fused score, names of the lists that found it)``, best first.

    Ties keep the order of first appearance (list order, then rank), so the result is deterministic."""
    scores: dict[str, float] = {}
    found_by: dict[str, list[str]] = {}
    for name, ids in lists.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        seen: set[str] = set()
        for rank, item in enumerate(ids, start=1):
            if item in seen:
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            found_by.setdefault(item, []).append(name)
    order = {item: position for position, item in enumerate(scores)}
    ranked = sorted(scores, key=lambda item: (-scores[item], order[item]))
    return [(item, scores[item], tuple(found_by[item])) for item in ranked]
