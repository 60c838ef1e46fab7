"""The judged patient sets: how well "Find trials for me" ranks the trials experts judged for real patients.

Two collections (read ``SOURCE.txt`` beside each):

* SIGIR 2016 (58 patient descriptions; TrialGPT's ``trialgpt/sigir/queries.jsonl`` and ``qrels/test.tsv``);
* TREC 2021 Clinical Trials (75 topics; ``trec_ct_2021/topics2021.xml`` and ``qrels2021.txt``).

Labels: 0 not relevant, 1 excluded (relevant but the patient is excluded), 2 eligible. Each description
is read as a clinical note and matched against the whole imported corpus, any status. Scores only count
judged trials that the corpus holds (the others cannot be found), and a topic with no such eligible trial
is left out. Two views: *all* (unjudged trials in the ranking count as not relevant) and *judged only*
(unjudged trials are dropped from the ranking first, the condensed lists of Sakai 2007).

nDCG@10 uses gains 0/1/2; P@10 and recall@100 count eligible (2) trials as relevant.
Anchors on the full TREC 2021 corpus (375,580 trials): best automatic run nDCG@10 0.712, median 0.342.
"""

from __future__ import annotations

import csv
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..store import TrialStore
from ..store.schema import trials as trials_table
from .errors import MatchError
from .intake import read_note
from .models import CHECKED, MatchRequest
from .service import MatchService

K = 10
RECALL_AT = 100
ELIGIBLE = 2


@dataclass(frozen=True)
class Topic:
    id: str
    text: str


@dataclass(frozen=True)
class Collection:
    name: str
    topics: list[Topic]
    judgements: dict[str, dict[str, int]]  # topic -> trial -> label


class HarnessDataMissing(MatchError):
    """A judged collection's files are not where the harness looks."""


def load_sigir(shared: Path) -> Collection:
    base = Path(shared) / "data" / "trialgpt" / "sigir"
    queries, qrels = base / "queries.jsonl", base / "qrels" / "test.tsv"
    _need(queries, qrels)
    topics = [Topic(row["_id"], row["text"]) for row in map(json.loads, queries.read_text("utf-8").splitlines()) if row]
    judgements: dict[str, dict[str, int]] = {}
    with qrels.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            judgements.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return Collection("SIGIR 2016", topics, judgements)


def load_trec2021(shared: Path) -> Collection:
    base = Path(shared) / "data" / "trec_ct_2021"
    topics_file, qrels = base / "topics2021.xml", base / "qrels2021.txt"
    _need(topics_file, qrels)
    root = ET.fromstring(topics_file.read_bytes())
    topics = [Topic(t.get("number") or "", " ".join((t.text or "").split())) for t in root.iter("topic")]
    judgements: dict[str, dict[str, int]] = {}
    for line in qrels.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) == 4:
            judgements.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return Collection("TREC 2021", topics, judgements)


def _need(*paths: Path) -> None:
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise HarnessDataMissing(f"Missing judged data: {', '.join(missing)}. Point --shared at the folder "
                                 "that holds data/trialgpt and data/trec_ct_2021.")


# --- measures ------------------------------------------------------------------------------------

def dcg(gains: Sequence[int], k: int) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))


def ndcg_at(ranking: Sequence[str], labels: dict[str, int], k: int = K) -> float:
    ideal = dcg(sorted(labels.values(), reverse=True), k)
    return dcg([labels.get(t, 0) for t in ranking], k) / ideal if ideal else 0.0


def precision_at(ranking: Sequence[str], labels: dict[str, int], k: int = K) -> float:
    return sum(1 for t in ranking[:k] if labels.get(t, 0) >= ELIGIBLE) / k


def recall_at(ranking: Sequence[str], labels: dict[str, int], k: int = RECALL_AT) -> float:
    relevant = {t for t, g in labels.items() if g >= ELIGIBLE}
    return len(relevant & set(ranking[:k])) / len(relevant) if relevant else 0.0


@dataclass
class TopicScore:
    topic: str
    judged_present: int
    eligible_present: int
    ndcg: float
    precision: float
    recall: float
    ndcg_judged: float
    precision_judged: float
    found: int
    error: str | None = None


@dataclass
class CollectionReport:
    name: str
    topics: int
    judged: int
    judged_present: int
    eligible_present: int
    scored: list[TopicScore] = field(default_factory=list)
    elapsed_s: float = 0.0

    def mean(self, name: str) -> float:
        """Over every scored topic: one where nothing could be matched counts 0."""
        values = [getattr(s, name) for s in self.scored]
        return sum(values) / len(values) if values else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"collection": self.name, "topics": self.topics, "judged_trials": self.judged,
                "judged_trials_in_corpus": self.judged_present, "eligible_trials_in_corpus": self.eligible_present,
                "topics_scored": len(self.scored),
                "topics_nothing_matched": len([s for s in self.scored if s.error is not None]),
                "ndcg@10": round(self.mean("ndcg"), 4), "p@10": round(self.mean("precision"), 4),
                "recall@100": round(self.mean("recall"), 4),
                "judged_only": {"ndcg@10": round(self.mean("ndcg_judged"), 4),
                                "p@10": round(self.mean("precision_judged"), 4)},
                "elapsed_s": round(self.elapsed_s, 1),
                "per_topic": [s.__dict__ for s in self.scored]}


def stored_ids(store: TrialStore) -> set[str]:
    with store.engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(trials_table.c.nct_id))}


def run_collection(service: MatchService, collection: Collection, present: set[str], semantic: bool | None = False,
                   progress: Callable[[int], None] | None = None, limit_topics: int | None = None,
                   checked: int = CHECKED) -> CollectionReport:
    """Match every topic with at least one eligible judged trial in the corpus, and score it.

    As the product ranks: the best ``checked`` candidates have their criteria checked and are ranked by
    verdict; the rest of the :data:`RECALL_AT` retrieved follow in retrieval order."""
    import time

    judged = {t for labels in collection.judgements.values() for t in labels}
    in_corpus = judged & present
    eligible = {t for labels in collection.judgements.values() for t, g in labels.items() if g >= ELIGIBLE} & present
    report = CollectionReport(collection.name, len(collection.topics), len(judged), len(in_corpus), len(eligible))
    started = time.perf_counter()
    topics = [t for t in collection.topics
              if any(g >= ELIGIBLE and n in present for n, g in collection.judgements.get(t.id, {}).items())]
    for topic in topics[:limit_topics]:
        labels = {n: g for n, g in collection.judgements.get(topic.id, {}).items() if n in present}
        ranking, error = rank_for(service, topic, semantic, checked)
        condensed = [t for t in ranking if t in labels]
        report.scored.append(TopicScore(
            topic.id, len(labels), sum(1 for g in labels.values() if g >= ELIGIBLE),
            ndcg_at(ranking, labels), precision_at(ranking, labels), recall_at(ranking, labels),
            ndcg_at(condensed, labels), precision_at(condensed, labels), len(ranking), error))
        if progress:
            progress(1)
    report.elapsed_s = time.perf_counter() - started
    return report


def rank_for(service: MatchService, topic: Topic, semantic: bool | None,
             checked: int = CHECKED) -> tuple[list[str], str | None]:
    """The trials matched for one patient description, best first (up to :data:`RECALL_AT`)."""
    try:
        person = read_note(topic.text)
        results = service.match(MatchRequest(person, limit=checked, statuses="any", semantic=semantic,
                                             evaluate=checked, retrieve=RECALL_AT))
    except MatchError as exc:
        return [], exc.message
    return list(results.extra.get("ranked_ids", [m.nct_id for m in results.matches])), None


def collections(shared: Path, names: Iterable[str] = ("sigir", "trec2021")) -> list[Collection]:
    loaders = {"sigir": load_sigir, "trec2021": load_trec2021}
    return [loaders[n](shared) for n in names]
