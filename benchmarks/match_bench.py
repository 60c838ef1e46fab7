"""Find trials for me at scale: match latency over N trials, and the semantic parts' cost.

Match latency: each of 9 people (8 forms, 5 with a place, and one note) is matched round after round (top
20 with explanations: retrieval, the criteria of the best 30 candidates checked, ranking); p50/p95, the
process's CPU time per match and the load average are reported. The home is either one built by
``registry_home.py`` (the synthetic registry, as a deployment holds it: ``--home PATH``) or, when
``--home`` holds no store yet, built here from the demo's real records copied with new ids (``--docs``).

Semantic parts (needs the ``semantic`` extra): model load; embedding one person's text (the benchmark's
people and the 75 TREC 2021 patient descriptions) on one thread; and searching ``--vectors`` trial
vectors (each mixes the real vectors of four demo trials, as the synthetic registry mixes their fields),
exactly and by the inverted-file index at several probe counts, with recall@100 against the exact search.

    .venv/bin/python benchmarks/registry_home.py --records 20000 --home /tmp/home20k
    .venv/bin/python benchmarks/match_bench.py --home /tmp/home20k
    /work/venv-semantic/bin/python benchmarks/match_bench.py --docs 0 --vectors 600000
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
from typing import TYPE_CHECKING

from trialscout import services
from trialscout.config import load_settings
from trialscout.demo import DEMO_DIR
from trialscout.eligibility.derive import KIND, payload_for
from trialscout.match import MatchRequest, MatchService, read_form, read_note
from trialscout.search import SearchService
from trialscout.search.maintenance import rebuild
from trialscout.trial import trial_from_ctgov

if TYPE_CHECKING:
    import numpy as np

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
    load = [os.getloadavg()[0]]
    cpu = time.process_time()
    for _ in range(rounds):
        for person in people:
            started = time.perf_counter()
            results = matcher.match(MatchRequest(person, limit=20, semantic=False))
            times.append((time.perf_counter() - started) * 1000)
            assert all(m.explanation.summary for m in results.matches)
        load.append(os.getloadavg()[0])
    return {"trials": store.count(), "matches": len(times), "checked_per_match": MatchRequest(people[0]).checked,
            "p50_ms": statistics.median(times), "p95_ms": _p95(times), "max_ms": max(times),
            "cpu_ms_per_match": (time.process_time() - cpu) * 1000 / len(times),
            "load_1min": [round(x, 2) for x in load]}


def semantic(vectors: int, shared: Path) -> dict[str, object]:
    """Embedding a person's text, and searching ``vectors`` trial vectors: exact, and the inverted file at
    several probe counts, each with its recall@100 against the exact search.

    The vectors stand for a synthetic registry: the demo's real trials are embedded, and each synthetic
    trial mixes the vectors of four of them (title, conditions, treatments, summary come from different
    records in ``import_registry.py``'s registry), plus a little noise. Queries are real: the benchmark's
    people and the TREC 2021 patient descriptions, embedded by the model."""
    from trialscout.match.evaluation import load_trec2021
    from trialscout.match.semantic import PROBES, MiniLMEmbedder, VectorIndex, trial_text, write_index

    started, cpu = time.perf_counter(), time.process_time()
    model = MiniLMEmbedder()
    report: dict[str, object] = {"model_load_s": round(time.perf_counter() - started, 1),
                                 "model_load_cpu_s": round(time.process_time() - cpu, 1)}
    texts = [f"{', '.join(p['conditions'])}. {NOTE}" for p in PROFILES]
    texts += [t.text for t in load_trec2021(shared).topics]
    embed_ms, queries = [], []
    cpu = time.process_time()
    for text in texts:
        started = time.perf_counter()
        queries.append(model.embed([text])[0])
        embed_ms.append((time.perf_counter() - started) * 1000)
    people = len(PROFILES)
    report["embed"] = {"texts": len(texts), "p50_ms": statistics.median(embed_ms), "p95_ms": _p95(embed_ms),
                       "cpu_ms_each": (time.process_time() - cpu) * 1000 / len(texts), "load_1min": os.getloadavg()[0],
                       "form_profiles_p50_ms": statistics.median(embed_ms[:people]),
                       "form_profiles_max_ms": max(embed_ms[:people]),
                       "trec_notes_p50_ms": statistics.median(embed_ms[people:]),
                       "trec_notes_p95_ms": _p95(embed_ms[people:])}
    started = time.perf_counter()
    real = model.embed_documents([trial_text(trial_from_ctgov(r)) for r in demo_records()])
    report["real_trials_embedded"] = {"trials": len(real), "s": round(time.perf_counter() - started, 1)}
    data = _mixed(real, vectors)
    ids = [f"T{i}" for i in range(vectors)]
    with tempfile.TemporaryDirectory() as folder:
        started, cpu = time.perf_counter(), time.process_time()
        grouped = write_index(Path(folder), ids, data, "mixed")
        report["index_build"] = {"s": round(time.perf_counter() - started, 1),
                                 "cpu_s": round(time.process_time() - cpu, 1),
                                 "groups": 0 if grouped.centroids is None else len(grouped.centroids)}
        exact = VectorIndex(Path(folder), ids, data, "mixed")
        truth, ms = [], []
        for q in queries:
            started = time.perf_counter()
            truth.append({h.nct_id for h in exact.search(q, 100)})
            ms.append((time.perf_counter() - started) * 1000)
        report["search_exact"] = {"p50_ms": statistics.median(ms), "p95_ms": _p95(ms), "recall@100": 1.0}
        if grouped.centroids is not None:
            for probes in sorted({max(1, PROBES // 2), PROBES, PROBES * 2}):
                ms, recall = [], []
                cpu = time.process_time()
                for _ in range(2):
                    for q, wanted in zip(queries, truth):
                        started = time.perf_counter()
                        found = grouped.search(q, 100, probes=probes)
                        ms.append((time.perf_counter() - started) * 1000)
                        recall.append(len(wanted & {h.nct_id for h in found}) / len(wanted))
                report[f"search_ivf_{probes}_probes"] = {
                    "p50_ms": statistics.median(ms), "p95_ms": _p95(ms), "cpu_ms_each": (time.process_time() - cpu)
                    * 1000 / len(ms), "recall@100": statistics.mean(recall), "default": probes == PROBES}
    report["load_1min_end"] = os.getloadavg()[0]
    return report


def _mixed(real: "np.ndarray", count: int, seed: int = 7) -> "np.ndarray":
    import numpy as np

    rng = np.random.default_rng(seed)
    weights = np.array([0.4, 0.3, 0.15, 0.15], dtype=np.float32)
    out = np.empty((count, real.shape[1]), dtype=np.float32)
    for start in range(0, count, 50_000):
        n = min(50_000, count - start)
        picks = rng.integers(0, len(real), size=(n, len(weights)))
        block = np.einsum("k,nkd->nd", weights, real[picks]) + 0.02 * rng.standard_normal((n, real.shape[1]),
                                                                                          dtype=np.float32)
        out[start:start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--home", type=Path, default=None, help="Keep the built store and index here.")
    parser.add_argument("--vectors", type=int, default=0, help="Also time the semantic parts at this many vectors.")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared",
                        help="The folder holding data/trec_ct_2021 (queries for the semantic part).")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    report: dict[str, object] = {"date": date.today().isoformat(), "cores": os.cpu_count(),
                                 "python": platform.python_version(), "command": " ".join(sys.argv)}
    with tempfile.TemporaryDirectory() as scratch:
        home = args.home or Path(scratch)
        if args.docs:
            if not (home / "trialscout.db").exists():
                report["build"] = {"docs": args.docs, **build(home, args.docs)}
            report["match"] = measure(home, args.rounds)
        if args.vectors:
            report["semantic"] = semantic(args.vectors, args.shared)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
