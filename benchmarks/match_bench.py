"""Find trials for me at scale: match latency over N synthetic trials, and the semantic parts' cost.

The trials are the demo's real records (ctgov-demo.zip and the seeds) copied with new ids, so text,
criteria and sites have the registry's real shape. Building: store (upsert), eligibility parses (each
distinct record is parsed once and its payload stored for every copy: the parse is a pure function of
the record's eligibility fields), search index (the search derive step). Then each profile is matched
(top 20 with explanations: retrieval, criteria checks of 60 candidates, ranking) and p50/p95 reported.

With the ``semantic`` extra installed: the time to embed a profile (all-MiniLM-L6-v2, CPU) and to
search a vector index of ``--vectors`` trials (random unit vectors: search time does not depend on what
the vectors say; the inverted-file index is used above 50,000).

    .venv/bin/python benchmarks/match_bench.py --docs 20000
    /path/to/venv-with-semantic/bin/python benchmarks/match_bench.py --docs 2000 --vectors 600000
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

from trialscout import services
from trialscout.config import load_settings
from trialscout.demo import DEMO_DIR
from trialscout.eligibility.derive import KIND, payload_for
from trialscout.match import MatchRequest, MatchService, read_form, read_note
from trialscout.search import SearchService
from trialscout.search.maintenance import rebuild
from trialscout.trial import trial_from_ctgov

PROFILES = [
    {"age": 52, "sex": "male", "conditions": ["diabetes"], "location": "Boston, USA"},
    {"age": 63, "sex": "female", "conditions": ["non-small cell lung cancer"], "location": "Paris, France"},
    {"age": 9, "sex": "female", "conditions": ["leukemia"]},
    {"age": 41, "sex": "male", "conditions": ["cluster headache"], "location": "Copenhagen, Denmark"},
    {"age": 35, "conditions": ["schizophrenia", "obesity"]},
    {"age": 58, "sex": "male", "conditions": ["lumbar disc herniation", "back pain"], "location": "Seoul, South Korea"},
    {"age": 30, "sex": "female", "conditions": ["asthma"], "location": "Springfield, IL"},
    {"age": 70, "sex": "male", "conditions": ["type 2 diabetes", "hypertension", "chronic kidney disease"]},
]
NOTE = ("A 58-year-old woman with type 2 diabetes and hypertension presents with chest pain. HbA1c 8.1%, "
        "creatinine 1.1 mg/dL. She denies smoking.")


def demo_records() -> list[dict]:
    with zipfile.ZipFile(DEMO_DIR / "ctgov-demo.zip") as z:
        records = json.loads(z.read("ctg-studies.json"))
    return records + [json.loads(p.read_text()) for p in sorted((DEMO_DIR / "seeds").glob("*.json"))]


def build(home: Path, docs: int) -> dict[str, float]:
    settings = load_settings({"TRIALSCOUT_HOME": str(home)})
    store = services.open_store(settings)
    sources = demo_records()
    figures: dict[str, float] = {}
    started = time.perf_counter()
    batch = []
    origin: dict[str, int] = {}
    for i in range(docs):
        record = copy.deepcopy(sources[i % len(sources)])
        nct = f"NCT9{i:07d}"
        record["protocolSection"]["identificationModule"]["nctId"] = nct
        origin[nct] = i % len(sources)
        batch.append(trial_from_ctgov(record))
        if len(batch) == 1000:
            store.upsert(batch)
            batch = []
    if batch:
        store.upsert(batch)
    figures["store_s"] = time.perf_counter() - started
    started = time.perf_counter()
    parsed: dict[int, dict] = {}
    rows = []
    for stored in store.iter_trials():
        source = origin[stored.trial.nct_id]
        if source not in parsed:
            parsed[source] = payload_for(stored)
        rows.append((stored.trial.nct_id, stored.content_hash, {**parsed[source], "record_hash": stored.content_hash}))
        if len(rows) == 2000:
            store.derived(KIND).put(rows)
            rows = []
    store.derived(KIND).put(rows)
    figures["parse_s"] = time.perf_counter() - started
    started = time.perf_counter()
    search = SearchService.open(settings)
    rebuild(search.index, store)
    figures["index_s"] = time.perf_counter() - started
    return figures


def measure(home: Path, rounds: int) -> dict[str, float]:
    settings = load_settings({"TRIALSCOUT_HOME": str(home)})
    store = services.open_store(settings)
    search = SearchService.open(settings)
    matcher = MatchService(store, search)
    people = [read_form(p) for p in PROFILES] + [read_note(NOTE)]
    for person in people:  # warm: gazetteer, engine, pipelines
        matcher.match(MatchRequest(person, semantic=False))
    times = []
    for _ in range(rounds):
        for person in people:
            started = time.perf_counter()
            results = matcher.match(MatchRequest(person, limit=20, semantic=False))
            times.append((time.perf_counter() - started) * 1000)
            assert all(m.explanation.summary for m in results.matches)
    return {"matches": len(times), "p50_ms": statistics.median(times), "p95_ms": _p95(times), "max_ms": max(times)}


def semantic(vectors: int) -> dict[str, float]:
    import numpy as np

    from trialscout.match.semantic import MiniLMEmbedder, write_index

    model = MiniLMEmbedder()
    texts = [f"{', '.join(p['conditions'])}. {NOTE}" for p in PROFILES] * 6
    model.embed(texts[:2])
    embed_ms = []
    for text in texts:
        started = time.perf_counter()
        model.embed([text])
        embed_ms.append((time.perf_counter() - started) * 1000)
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as folder:
        data = rng.normal(size=(vectors, 384)).astype(np.float32)
        data /= np.linalg.norm(data, axis=1, keepdims=True)
        started = time.perf_counter()
        index = write_index(Path(folder), [f"T{i}" for i in range(vectors)], data, "random")
        build_s = time.perf_counter() - started
        del data
        queries = model.embed(texts)
        search_ms = []
        for q in np.concatenate([queries, queries]):
            started = time.perf_counter()
            index.search(q, 200)
            search_ms.append((time.perf_counter() - started) * 1000)
    return {"embed_p50_ms": statistics.median(embed_ms), "embed_p95_ms": _p95(embed_ms), "vectors": vectors,
            "index_build_s": build_s, "search_p50_ms": statistics.median(search_ms), "search_p95_ms": _p95(search_ms)}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--home", type=Path, default=None, help="Keep the built store and index here.")
    parser.add_argument("--vectors", type=int, default=0, help="Also time the semantic parts at this many vectors.")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    report: dict[str, object] = {"date": date.today().isoformat(), "docs": args.docs, "cores": os.cpu_count(),
                                 "python": platform.python_version(), "command": " ".join(sys.argv)}
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        if args.docs:
            if not (home / "trialscout.db").exists():
                report["build"] = build(home, args.docs)
            report["match"] = measure(home, args.rounds)
        if args.vectors:
            report["semantic"] = semantic(args.vectors)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
