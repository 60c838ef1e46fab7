"""Search at scale: index build rate and query latency at N synthetic documents (default 100,000).

The documents are the demo's real records (ctgov-demo.zip and the seeds) copied with new ids, so text,
conditions and sites have the registry's real shape. Measured:

* build: records → Trial (mapping), Trial → index document (geocoding sites without coordinates),
  documents → tantivy (one commit); documents per second for each;
* queries: the judged lay queries and a set of place and filter queries, through our search path
  (``SearchService.search``: understanding, vocabulary, facets, distances) and through the raw engines
  on the same plain words (tantivy's own query parser over the text fields; SQLite FTS5 with bm25);
  p50 and p95 in milliseconds.

    .venv/bin/python benchmarks/search_bench.py            # 100,000 documents (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/search_bench.py --docs 20000 --json results.json
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

import tantivy

from trialscout.demo import DEMO_DIR
from trialscout.search.documents import index_documents
from trialscout.search.evaluate import load_judged
from trialscout.search.geo import default_gazetteer
from trialscout.search.index import TEXT_FIELDS, SearchIndex
from trialscout.search.query import SearchRequest
from trialscout.search.service import SearchService
from trialscout.trial import trial_from_ctgov

EXTRA_QUERIES = [
    SearchRequest(q="diabetes", near="Boston", within="100km"),
    SearchRequest(q="", near="Paris, France", within="50km"),
    SearchRequest(q="leukemia", age=8, status=("any",)),
    SearchRequest(q="cluster headache", country=("Denmark",), status=("any",)),
    SearchRequest(q="NSCLC", phase=("2", "3")),
    SearchRequest(q="back pain", near="Springfield, IL", within="300mi"),
    SearchRequest(q=""),
]


def demo_records() -> list[dict]:
    with zipfile.ZipFile(DEMO_DIR / "ctgov-demo.zip") as z:
        records = json.loads(z.read("ctg-studies.json"))
    records += [json.loads(p.read_text()) for p in sorted((DEMO_DIR / "seeds").glob("*.json"))]
    return records


def synthetic(records: list[dict], count: int):
    """``count`` records: the real ones in turn, each copy with a new NCT id."""
    for i in range(count):
        record = copy.deepcopy(records[i % len(records)])
        record["protocolSection"]["identificationModule"]["nctId"] = f"NCT{80_000_000 + i:08d}"
        yield record


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def build(count: int, directory: Path) -> tuple[SearchIndex, dict]:
    records = demo_records()
    gazetteer = default_gazetteer()
    started = time.perf_counter()
    trials = [trial_from_ctgov(r) for r in synthetic(records, count)]
    mapped = time.perf_counter() - started
    started = time.perf_counter()
    documents = [index_documents(t, "synthetic", gazetteer) for t in trials]
    derived = time.perf_counter() - started
    index = SearchIndex(directory)
    started = time.perf_counter()
    index.replace_all(documents, threads=2)
    written = time.perf_counter() - started
    size = sum(f.stat().st_size for f in index.path.iterdir() if f.is_file())
    return index, {
        "documents": count, "map_per_s": count / mapped, "document_per_s": count / derived,
        "write_per_s": count / written, "end_to_end_per_s": count / (mapped + derived + written),
        "index_mb": size / 1e6, "write_s": written,
    }, trials


def fts5(trials, path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, conditions, interventions, keywords, "
               "summary, tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", [
        (t.nct_id, " ".join(filter(None, [t.brief_title, t.official_title])), " ".join(t.conditions),
         " ".join(i.name for i in t.interventions), " ".join(t.keywords), t.brief_summary or "") for t in trials])
    db.commit()
    return db


def plain_words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if len(w) > 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="trialscout-search-bench-") as tmp:
        index, build_figures, trials = build(args.docs, Path(tmp))
        service = SearchService(index)
        requests = [q.request for q in load_judged()] + EXTRA_QUERIES
        for request in requests:  # warm up: caches, gazetteer, page cache
            service.search(request)

        ours = []
        near = []
        for request in requests:
            samples = timed(lambda r=request: service.search(r), args.repeat)
            (near if (request.near or " near " in f" {request.q} ") else ours).extend(samples)

        raw = index._index
        searcher = index.searcher()
        words = [plain_words(r.q) for r in requests if plain_words(r.q)]
        parsed = [raw.parse_query(" ".join(w), list(TEXT_FIELDS)) for w in words]
        raw_samples = [s for q in parsed for s in timed(lambda q=q: searcher.search(q, 20, count=True), args.repeat)]

        db = fts5(trials, Path(tmp) / "fts.db")
        fts_queries = [" OR ".join(f'"{w}"' for w in ws) for ws in words]
        fts_samples = [s for q in fts_queries for s in timed(
            lambda q=q: db.execute("SELECT id, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 20",
                                   (q,)).fetchall(), args.repeat)]
        fts_and = [" AND ".join(f'"{w}"' for w in ws) for ws in words]
        fts_and_samples = [s for q in fts_and for s in timed(
            lambda q=q: db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 20",
                                   (q,)).fetchall(), args.repeat)]

    figures = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                   f"tantivy {tantivy.__version__}, SQLite {sqlite3.sqlite_version}",
        "build": build_figures,
        "latency_ms": {
            "ours_text_and_filters": percentiles(ours),
            "ours_near_a_place": percentiles(near),
            "tantivy_raw_or_of_words": percentiles(raw_samples),
            "sqlite_fts5_or_of_words": percentiles(fts_samples),
            "sqlite_fts5_and_of_words": percentiles(fts_and_samples),
        },
        "queries": {"ours": len(requests), "raw": len(words), "repeat": args.repeat},
    }
    b = build_figures
    print(f"# search benchmark, {figures['date']}, {args.docs:,} documents; {figures['machine']}")
    print(f"build: mapping {b['map_per_s']:,.0f} records/s; index documents {b['document_per_s']:,.0f}/s; "
          f"tantivy write+commit {b['write_per_s']:,.0f} docs/s ({b['write_s']:.1f} s); end to end "
          f"{b['end_to_end_per_s']:,.0f} docs/s; index {b['index_mb']:.0f} MB")
    print("| path | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for name, (p50, p95) in figures["latency_ms"].items():
        print(f"| {name} | {p50:.2f} | {p95:.2f} |")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.exit(main())
