"""Index build: time ``trialscout index rebuild``'s code path over an existing home's store.

Rebuilds the search index of TRIALSCOUT_HOME ``--home`` in place (the store is only read; searches keep
working on the old index until the commit), exactly as ``trialscout index rebuild`` does
(``maintenance.rebuild`` with ``--workers`` document makers, default the home's ``derive_workers``).
Reports wall clock; CPU of this process (it hands documents to tantivy; tantivy's indexing threads
included) and of the worker processes (reading, mapping, deriving, encoding); the load average before
and after; the index's size and segments. Then, unless ``--raw 0``, the raw engine in the same minutes on
the first N trials: tantivy alone indexing their documents already encoded (same threads and heap), and
reading + ``orjson.loads`` of their records; our CPU per trial is given as a multiple of tantivy's.

    .venv/bin/python benchmarks/index_build.py --home /tmp/home100k-copy
    .venv/bin/python benchmarks/index_build.py --home /tmp/home600k --json build600k.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import tantivy

from trialscout.config import load_settings
from trialscout.search import index as index_module
from trialscout.search.build import encoded_documents
from trialscout.search.index import SearchIndex, build_schema
from trialscout.search.maintenance import rebuild
from trialscout.search.text import analyzers
from trialscout.services import open_store


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 1e6


def segments(path: Path) -> int:
    return len(json.loads((path / "meta.json").read_text())["segments"])


def timed_rebuild(home: Path, workers: int, threads: int) -> dict[str, Any]:
    settings = load_settings({"TRIALSCOUT_HOME": str(home)})
    store = open_store(settings)
    index = SearchIndex.open(settings.index_dir)
    trials = store.count()
    shown = [0]

    def progress(n: int) -> None:
        shown[0] += n
        if shown[0] % 50_000 < n:
            print(f"  {shown[0]:,} / {trials:,} at {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    load_before = os.getloadavg()
    started, cpu, child = time.perf_counter(), time.process_time(), children_cpu()
    written = rebuild(index, store, progress=progress, threads=threads, workers=workers)
    wall, cpu, child = time.perf_counter() - started, time.process_time() - cpu, children_cpu() - child
    return {
        "home": str(home), "trials": written, "workers": workers, "tantivy_threads": threads,
        "heap_mb": index_module.REBUILD_HEAP_BYTES // 1_000_000,
        "wall_s": round(wall, 1), "trials_per_s": round(written / wall),
        "cpu_main_s": round(cpu, 1), "cpu_workers_s": round(child, 1), "cpu_total_s": round(cpu + child, 1),
        "cpu_ms_per_trial": round((cpu + child) / written * 1000, 3),
        "cores_busy": round((cpu + child) / wall, 2),
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in os.getloadavg()],
        "index_mb": round(folder_mb(index.path)), "segments": segments(index.path),
    }


def raw_engine(home: Path, count: int, threads: int) -> dict[str, Any]:
    """tantivy alone on the first ``count`` trials' documents (encoded beforehand), and reading + parsing
    their records, CPU ms per trial."""
    settings = load_settings({"TRIALSCOUT_HOME": str(home)})
    store = open_store(settings)
    with store.engine.connect() as conn:
        import sqlalchemy as sa

        from trialscout.store.schema import trials

        ids = list(conn.execute(sa.select(trials.c.nct_id).order_by(trials.c.nct_id).limit(count)).scalars())
    cpu = time.process_time()
    rows = list(store.iter_records(first=ids[0], last=ids[-1]))
    read = time.process_time() - cpu
    cpu = time.process_time()
    for _, _, record in rows:
        orjson.loads(record)
    parse = time.process_time() - cpu
    cpu = time.process_time()
    made, encoded = encoded_documents(store, ids[0], ids[-1])
    ours = time.process_time() - cpu
    folder = Path(tempfile.mkdtemp(prefix="raw-tantivy-"))
    try:
        index = tantivy.Index(build_schema(), str(folder))
        for name, analyzer in analyzers().items():
            index.register_tokenizer(name, analyzer)
        writer = index.writer(heap_size=index_module.REBUILD_HEAP_BYTES, num_threads=threads)
        wall, cpu = time.perf_counter(), time.process_time()
        for document in encoded:
            writer.add_json(document)
        writer.commit()
        writer.wait_merging_threads()
        engine, engine_wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    per = lambda s: round(s / made * 1000, 3)  # noqa: E731
    return {"trials": made, "documents": len(encoded), "read_ms": per(read), "orjson_loads_ms": per(parse),
            "make_documents_ms": per(ours), "tantivy_index_ms": per(engine), "tantivy_wall_ms": per(engine_wall)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="a TRIALSCOUT_HOME with a store; its index is rebuilt")
    parser.add_argument("--workers", type=int, help="document-making processes (default: the home's derive_workers)")
    parser.add_argument("--threads", type=int, default=index_module.REBUILD_THREADS, help="tantivy indexing threads")
    parser.add_argument("--heap-mb", type=int, help="tantivy writer heap (default: the product's)")
    parser.add_argument("--raw", type=int, default=20_000, help="trials for the raw-engine measurement (0: skip)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.heap_mb:
        index_module.REBUILD_HEAP_BYTES = args.heap_mb * 1_000_000
    workers = args.workers or load_settings({"TRIALSCOUT_HOME": str(args.home)}).derive_workers
    figures = {"machine": f"{os.cpu_count()} cores", "build": timed_rebuild(args.home, workers, args.threads)}
    print(json.dumps(figures["build"], indent=1), flush=True)
    if args.raw:
        figures["raw"] = raw_engine(args.home, args.raw, args.threads)
        figures["raw"]["load"] = [round(x, 2) for x in os.getloadavg()]
        figures["ours_over_tantivy"] = round(figures["build"]["cpu_ms_per_trial"] / figures["raw"]["tantivy_index_ms"], 2)
        print(json.dumps({k: figures[k] for k in ("raw", "ours_over_tantivy")}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
