"""Search at scale: index build rate and query latency, in-process and through HTTP.

Two ways to run it:

* **build** (default): N synthetic documents (default 100,000) from the demo's real records
  (ctgov-demo.zip and the seeds) copied with new ids, so text, conditions and sites have the registry's
  real shape. They are built into a fresh TRIALSCOUT_HOME (an empty store and the index), each stage
  timed on its own: records → Trial (mapping, the store's code), Trial → index documents (sites geocoded,
  concept tags, site documents), documents → tantivy (one commit).
* **--home PATH**: an existing TRIALSCOUT_HOME (store + index, e.g. a 600,000-record registry imported
  with ``trialscout import``) is measured as it is; ``--rebuild`` also times a full rebuild of its index
  from its store (read + map, derive, write), as ``trialscout index rebuild`` does it.

Queries: the 36 judged lay queries and a set of place and filter queries, through our search path
(``SearchService.search``: understanding, vocabulary, facets, distances) and, with ``--http`` (on by
default), through the real web app (uvicorn in a subprocess over the same home; ``GET /api/v1/trials``
with httpx, one keep-alive connection). In build mode, also through the raw engines on the same plain
words (tantivy's own query parser; SQLite FTS5 with bm25). p50 and p95 in milliseconds, split into
"text + filters" and "near a place". Wall clock, CPU time of this process, and the load average.

    .venv/bin/python benchmarks/search_bench.py                       # 100,000 documents
    .venv/bin/python benchmarks/search_bench.py --docs 20000 --json results.json
    .venv/bin/python benchmarks/search_bench.py --home ~/.trialscout-600k [--rebuild]
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import tantivy

from trialscout.config import Settings, load_settings
from trialscout.demo import DEMO_DIR
from trialscout.search.documents import index_documents
from trialscout.search.evaluate import load_judged
from trialscout.search.geo import default_gazetteer
from trialscout.search.index import TEXT_FIELDS, SearchIndex, to_json
from trialscout.search.maintenance import remove_old_versions
from trialscout.search.query import SearchRequest
from trialscout.search.service import SearchService
from trialscout.services import open_store
from trialscout.trial import trial_from_ctgov

EXTRA_QUERIES = [
    SearchRequest(q="diabetes", near="Boston", within="100km"),
    SearchRequest(q="", near="Paris, France", within="50km"),
    SearchRequest(q="leukemia", age=8, status=("any",)),
    SearchRequest(q="cluster headache", country=("Denmark",), status=("any",)),
    SearchRequest(q="NSCLC", phase=("2", "3")),
    SearchRequest(q="back pain", near="Springfield, IL", within="300mi"),
    SearchRequest(q=""),
    SearchRequest(q="cancer", near="New York", within="50km", status=("any",)),
    SearchRequest(q="", near="Beijing", within="100km", page=3),
]
SERVER_START_TIMEOUT_S = 600.0


def demo_records() -> list[dict]:
    with zipfile.ZipFile(DEMO_DIR / "ctgov-demo.zip") as z:
        records = json.loads(z.read("ctg-studies.json"))
    records += [json.loads(p.read_text()) for p in sorted((DEMO_DIR / "seeds").glob("*.json"))]
    return records


def synthetic(records: list[dict], count: int) -> Iterator[dict]:
    """``count`` records: the real ones in turn, each copy with a new NCT id."""
    for i in range(count):
        record = copy.deepcopy(records[i % len(records)])
        record["protocolSection"]["identificationModule"]["nctId"] = f"NCT{80_000_000 + i:08d}"
        yield record


def percentiles(samples: list[float]) -> tuple[float, float]:
    if not samples:
        return float("nan"), float("nan")
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def timed(fn: Callable[[], Any], repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` runs (and this process's CPU milliseconds into ``cpu``)."""
    samples = []
    for _ in range(repeat):
        started, c = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c) * 1000)
    return samples


def load() -> float:
    return os.getloadavg()[0]


@dataclass
class Stage:
    """Wall and CPU seconds spent inside one stage of a streamed build (CPU of this thread: tantivy's
    indexing threads, busy at the same time, are counted in the write stage)."""

    wall: float = 0.0
    cpu: float = 0.0

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        w, c = time.perf_counter(), time.thread_time()
        try:
            return fn(*args)
        finally:
            self.wall += time.perf_counter() - w
            self.cpu += time.thread_time() - c


@dataclass
class Build:
    documents: int = 0
    stages: dict[str, Stage] = field(default_factory=dict)
    index_mb: float = 0.0

    def figures(self) -> dict[str, Any]:
        total = sum(s.wall for s in self.stages.values())
        out: dict[str, Any] = {"documents": self.documents, "index_mb": round(self.index_mb, 1),
                               "total_s": round(total, 1), "end_to_end_per_s": round(self.documents / total) if total else None}
        for name, s in self.stages.items():
            out[name] = {"s": round(s.wall, 1), "cpu_s": round(s.cpu, 1), "per_s": round(self.documents / s.wall) if s.wall else None}
        return out


def _index_mb(index: SearchIndex) -> float:
    return sum(f.stat().st_size for f in index.path.iterdir() if f.is_file()) / 1e6


def build_synthetic(count: int, settings: Settings, keep_trials: bool) -> tuple[Build, list]:
    """Map, derive and write ``count`` synthetic documents into ``settings``' index (streamed, each stage
    timed on its own); the store stays empty."""
    records = demo_records()
    gazetteer = default_gazetteer()
    open_store(settings)  # an empty store, so the web app can start over this home
    index = SearchIndex.open(settings.index_dir)
    build = Build(count, {"map": Stage(), "derive": Stage(), "write": Stage()})
    kept: list = []

    def documents() -> Iterator[list[dict[str, list[Any]]]]:
        for record in synthetic(records, count):
            trial = build.stages["map"].run(trial_from_ctgov, record)
            if keep_trials:  # only the text SQLite FTS5 indexes (whole trials would burden the garbage collector)
                kept.append(fts_row(trial))
            yield build.stages["derive"].run(index_documents, trial, "synthetic", gazetteer)

    _timed_write(index, documents(), build.stages["write"])
    build.index_mb = _index_mb(index)
    return build, kept


def rebuild_from_store(settings: Settings) -> Build:
    """Rebuild the index of ``settings`` from its store, as ``trialscout index rebuild`` does, timing
    reading + mapping (the store's ``iter_trials``), deriving documents and writing."""
    store = open_store(settings)
    index = SearchIndex.open(settings.index_dir)
    gazetteer = default_gazetteer()
    build = Build(0, {"read_and_map": Stage(), "derive": Stage(), "write": Stage()})

    def documents() -> Iterator[list[dict[str, list[Any]]]]:
        stored = store.iter_trials()
        while True:
            item = build.stages["read_and_map"].run(next, stored, None)
            if item is None:
                return
            build.documents += 1
            yield build.stages["derive"].run(index_documents, item.trial, item.content_hash, gazetteer)

    _timed_write(index, documents(), build.stages["write"])
    remove_old_versions(index.path.parent)
    build.index_mb = _index_mb(index)
    return build


def _timed_write(index: SearchIndex, documents: Iterator[list[dict[str, list[Any]]]], write: Stage) -> None:
    """``index.replace_all`` over ``documents``. The producer stages time themselves; the write stage is
    the rest: its wall time less theirs, and the whole process's CPU time (tantivy's threads) less theirs."""
    producing = Stage()

    def produced() -> Iterator[list[dict[str, list[Any]]]]:
        source = iter(documents)
        while True:
            item = producing.run(next, source, None)
            if item is None:
                return
            yield item

    wall, cpu = time.perf_counter(), time.process_time()
    index.replace_all((1, [to_json(fields) for fields in docs]) for docs in produced())
    write.wall += time.perf_counter() - wall - producing.wall
    write.cpu += time.process_time() - cpu - producing.cpu


# --- queries ------------------------------------------------------------------------------------------

def requests() -> list[SearchRequest]:
    return [q.request for q in load_judged()] + EXTRA_QUERIES


def is_near(request: SearchRequest) -> bool:
    return bool(request.near) or " near " in f" {request.q} " or " within " in f" {request.q} "


def in_process(service: SearchService, queries: list[SearchRequest], repeat: int) -> dict[str, Any]:
    estimated = 0
    for request in queries:  # warm up: caches, gazetteer, page cache
        estimated += service.search(request).facets_estimated
    text, near, text_cpu, near_cpu = [], [], [], []
    wall, cpu = time.perf_counter(), time.process_time()
    for request in queries:
        (near if is_near(request) else text).extend(
            timed(lambda r=request: service.search(r), repeat, near_cpu if is_near(request) else text_cpu))
    return {"text_and_filters": percentiles(text), "near_a_place": percentiles(near),
            "cpu_text_and_filters": percentiles(text_cpu), "cpu_near_a_place": percentiles(near_cpu),
            "wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
            "facets_estimated": estimated}


def api_params(request: SearchRequest) -> list[tuple[str, str]]:
    """The query string the API takes for ``request``."""
    params: list[tuple[str, str]] = [("q", request.q)]
    for name in ("near", "within", "age", "sex", "healthy_volunteers", "first_posted_from", "first_posted_to",
                 "updated_from", "updated_to"):
        value = getattr(request, name)
        if value is not None:
            params.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
    for name in ("status", "phase", "study_type", "country", "condition", "intervention_type"):
        params += [(name, v) for v in getattr(request, name)]
    params += [("page", str(request.page)), ("per_page", str(request.per_page))]
    return params


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def through_http(home: Path, queries: list[SearchRequest], repeat: int, extra_env: dict[str, str]) -> dict[str, Any]:
    """The same queries through the real app: uvicorn in a subprocess over ``home``, httpx as the client."""
    port = _free_port()
    env = {**os.environ, "TRIALSCOUT_HOME": str(home), **extra_env}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "trialscout.web.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60.0) as client:
            started = time.monotonic()
            while True:
                if server.poll() is not None:
                    raise RuntimeError(f"the web app did not start: {server.stderr.read().decode()[-2000:]}")
                try:
                    if client.get("/api/v1/trials", params={"q": "asthma"}).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() - started > SERVER_START_TIMEOUT_S:
                    raise RuntimeError("the web app did not answer within 10 minutes")
                time.sleep(0.5)
            start_s = time.monotonic() - started
            params = [api_params(r) for r in queries]
            for p in params:  # warm up
                client.get("/api/v1/trials", params=p)
            text, near, failed = [], [], []
            server_cpu = _cpu_seconds(server.pid)
            for request, p in zip(queries, params):
                def call(p: list[tuple[str, str]] = p) -> None:
                    response = client.get("/api/v1/trials", params=p)
                    if response.status_code != 200:
                        failed.append((p, response.status_code))
                (near if is_near(request) else text).extend(timed(call, repeat))
            server_cpu = _cpu_seconds(server.pid) - server_cpu
            return {"text_and_filters": percentiles(text), "near_a_place": percentiles(near),
                    "failed": len(failed), "server_start_s": start_s,
                    "server_cpu_ms_per_request": server_cpu * 1000 / max(1, len(text) + len(near))}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


# --- the raw engines (build mode) ----------------------------------------------------------------------

def fts_row(t: Any) -> tuple[str, ...]:
    return (t.nct_id, " ".join(filter(None, [t.brief_title, t.official_title])), " ".join(t.conditions),
            " ".join(i.name for i in t.interventions), " ".join(t.keywords), t.brief_summary or "")


def plain_words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if len(w) > 1]


def raw_engines(index: SearchIndex, trials: list, queries: list[SearchRequest], repeat: int, tmp: Path) -> dict[str, Any]:
    searcher = index.searcher()
    words = [plain_words(r.q) for r in queries if plain_words(r.q)]
    parsed = [index._index.parse_query(" ".join(w), list(TEXT_FIELDS)) for w in words]
    raw = [s for q in parsed for s in timed(lambda q=q: searcher.search(q, 20, count=True), repeat)]
    figures: dict[str, Any] = {"tantivy_raw_or_of_words": percentiles(raw)}
    if trials:
        db = sqlite3.connect(tmp / "fts.db")
        db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, conditions, interventions, keywords, "
                   "summary, tokenize='porter unicode61')")
        db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?)", trials)
        db.commit()
        for name, joiner in (("sqlite_fts5_or_of_words", " OR "), ("sqlite_fts5_and_of_words", " AND ")):
            texts = [joiner.join(f'"{w}"' for w in ws) for ws in words]
            figures[name] = percentiles([s for q in texts for s in timed(
                lambda q=q: db.execute("SELECT id, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) "
                                       "LIMIT 20", (q,)).fetchall(), repeat)])
        db.close()
    return figures


# --- main ----------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="build mode: how many synthetic documents")
    parser.add_argument("--home", type=Path, help="measure this TRIALSCOUT_HOME (store + index) instead of building")
    parser.add_argument("--rebuild", action="store_true", help="with --home: also time a full rebuild of its index")
    parser.add_argument("--keep", type=Path, help="build mode: build into this folder and keep it (a TRIALSCOUT_HOME)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--no-http", dest="http", action="store_false", help="skip the HTTP measurement")
    parser.add_argument("--no-raw", dest="raw", action="store_false", help="skip the raw tantivy / SQLite FTS5 runs")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    figures: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
                   f"tantivy {tantivy.__version__}, SQLite {sqlite3.sqlite_version}",
        "load_average_at_start": load(),
    }
    queries = requests()
    with tempfile.TemporaryDirectory(prefix="trialscout-search-bench-") as tmp:
        if args.home:
            settings = load_settings({**os.environ, "TRIALSCOUT_HOME": str(args.home.expanduser())})
            env: dict[str, str] = {}
            if args.rebuild:
                figures["build"] = rebuild_from_store(settings).figures()
            trials: list = []
        else:
            home = args.keep or Path(tmp) / "home"
            settings = Settings(home=home, load_demo=False)
            settings.ensure_home()
            env = {"TRIALSCOUT_LOAD_DEMO": "false"}
            build, trials = build_synthetic(args.docs, settings, keep_trials=args.raw)
            figures["build"] = build.figures()
            gc.collect()
        figures["load_average_after_build"] = load()
        service = SearchService.open(settings)
        figures["trials_in_index"] = service.index.count()
        figures["in_process_ms"] = in_process(service, queries, args.repeat)
        if args.raw:
            figures["raw_ms"] = raw_engines(service.index, trials, queries, args.repeat, Path(tmp))
        del trials
        if args.http:
            figures["http_ms"] = through_http(settings.home, queries, args.repeat, env)
    figures["load_average_at_end"] = load()
    figures["queries"] = {"all": len(queries), "near": sum(map(is_near, queries)), "repeat": args.repeat}
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def report(figures: dict[str, Any]) -> None:
    print(f"# search benchmark, {figures['date']}, {figures['trials_in_index']:,} trials in the index; "
          f"{figures['machine']}")
    print(f"load average: {figures['load_average_at_start']:.1f} at start, {figures['load_average_after_build']:.1f} "
          f"after the build, {figures['load_average_at_end']:.1f} at the end")
    if "build" in figures:
        b = figures["build"]
        stages = "; ".join(f"{name} {v['per_s']:,}/s ({v['s']} s, CPU {v['cpu_s']} s)" for name, v in b.items()
                           if isinstance(v, dict))
        print(f"build: {stages}; end to end {b['end_to_end_per_s']:,} docs/s ({b['total_s']} s); "
              f"index {b['index_mb']:.0f} MB")
    q = figures["queries"]
    print(f"queries: {q['all']} ({q['near']} near a place), {q['repeat']} runs each after a warm-up; "
          f"in-process CPU {figures['in_process_ms']['cpu_s']:.1f} s over {figures['in_process_ms']['wall_s']:.1f} s wall; "
          f"facets counted in a sample for {figures['in_process_ms'].get('facets_estimated', 0)} of them")
    print("| path | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    rows = [("ours in-process: text + filters", figures["in_process_ms"]["text_and_filters"]),
            ("ours in-process: near a place", figures["in_process_ms"]["near_a_place"]),
            ("ours in-process, CPU time: text + filters", figures["in_process_ms"]["cpu_text_and_filters"]),
            ("ours in-process, CPU time: near a place", figures["in_process_ms"]["cpu_near_a_place"])]
    if "http_ms" in figures:
        rows += [("ours through HTTP: text + filters", figures["http_ms"]["text_and_filters"]),
                 ("ours through HTTP: near a place", figures["http_ms"]["near_a_place"])]
    rows += [(name, value) for name, value in figures.get("raw_ms", {}).items()]
    for name, (p50, p95) in rows:
        print(f"| {name} | {p50:.2f} | {p95:.2f} |")
    if "http_ms" in figures:
        h = figures["http_ms"]
        print(f"HTTP: {h['failed']} failed requests; server CPU {h['server_cpu_ms_per_request']:.1f} ms per request "
              f"on average; server ready after {h['server_start_s']:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
