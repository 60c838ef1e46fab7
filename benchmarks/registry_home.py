"""Build a TRIALSCOUT_HOME holding a synthetic registry of N records, as a real deployment would have it.

Stages, each timed (wall clock and this process's CPU time) and printed:

1. import: the synthetic records of ``import_registry.py`` (real records from ../shared/data with new
   ids and fields swapped between them) through trialscout's import path into the home's SQLite store;
2. parses: the eligibility parse of every trial stored as the derive step stores it (kind
   ``eligibility``). The parse is a pure function of the eligibility fields, so each distinct set of
   fields is parsed once (keyed by the derive step's own ``input_hash``) and its payload stored for every
   trial that has it; rows are written in batches;
3. index: the search index, by the search derive step (``refresh_index`` with ``ids=None``).

Everything streams: records are generated and imported chunk by chunk, trials are read back in batches,
and only the distinct parses are held (at most ``--parse-cache`` of them).

    .venv/bin/python benchmarks/registry_home.py --records 20000 --home /tmp/home20k
    .venv/bin/python benchmarks/match_bench.py --home /tmp/home20k
    .venv/bin/python benchmarks/search_bench.py --home /tmp/home20k
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_registry import real_records, synthetic  # noqa: E402

from trialscout import services  # noqa: E402
from trialscout.config import load_settings  # noqa: E402
from trialscout.eligibility.derive import KIND, input_hash, payload_for  # noqa: E402
from trialscout.registry.files import iter_bytes  # noqa: E402
from trialscout.search.maintenance import refresh_index  # noqa: E402
from trialscout.store import TrialStore, ingest  # noqa: E402

ROWS_PER_WRITE = 5_000


@contextmanager
def stage(name: str, figures: dict[str, dict[str, float]]) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
    yield
    figures[name] = {"wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1),
                     "load_1min": round(os.getloadavg()[0], 2),
                     "max_rss_mb_so_far": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {figures[name]}", flush=True)


def import_records(store: TrialStore, count: int, chunk: int) -> dict[str, int]:
    """Generate and import ``count`` synthetic records, ``chunk`` at a time."""
    lines = synthetic(real_records(), count)

    def records() -> Iterator:
        done = 0
        while done < count:
            data = b"\n".join(next(lines) for _ in range(min(chunk, count - done)))
            done = min(count, done + chunk)
            yield from iter_bytes(data, "synthetic")
            print(f"  {done:>9,} records generated", flush=True)

    report = ingest(records(), store)
    return {"stored": store.count(), "rejected": len(report.rejected)}


def store_parses(store: TrialStore, cache_limit: int) -> dict[str, int]:
    """Store every trial's eligibility payload, parsing each distinct set of eligibility fields once."""
    derived = store.derived(KIND)
    parses: dict[str, dict] = {}
    rows: list[tuple[str, str, dict]] = []
    counts = {"trials": 0, "parsed": 0, "parse_cache_cleared": 0}
    parse_s = 0.0
    for stored in store.iter_trials(batch=2_000):
        key = input_hash(stored.trial)
        payload = parses.get(key)
        if payload is None:
            if len(parses) >= cache_limit:
                parses.clear()
                counts["parse_cache_cleared"] += 1
            started = time.perf_counter()
            payload = parses[key] = payload_for(stored)
            parse_s += time.perf_counter() - started
            counts["parsed"] += 1
        rows.append((stored.trial.nct_id, stored.content_hash, {**payload, "record_hash": stored.content_hash}))
        counts["trials"] += 1
        if len(rows) >= ROWS_PER_WRITE:
            derived.put(rows)
            rows = []
            if counts["trials"] % 50_000 == 0:
                print(f"  {counts['trials']:>9,} parses stored ({counts['parsed']:,} distinct)", flush=True)
    derived.put(rows)
    counts["parse_ms_total"] = round(parse_s * 1000)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=600_000)
    parser.add_argument("--home", type=Path, required=True, help="The TRIALSCOUT_HOME to build (must be new).")
    parser.add_argument("--chunk", type=int, default=2_000, help="Records generated and imported at a time.")
    parser.add_argument("--parse-cache", type=int, default=20_000, help="Distinct parses held at most.")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if (args.home / "trialscout.db").exists():
        parser.error(f"{args.home} already holds a store; give a new folder.")
    settings = load_settings({"TRIALSCOUT_HOME": str(args.home)})
    store = services.open_store(settings)
    figures: dict[str, dict[str, float]] = {}
    report: dict[str, object] = {"date": date.today().isoformat(), "records": args.records, "home": str(args.home),
                                 "cores": os.cpu_count(), "command": " ".join(sys.argv), "stages": figures}
    with stage("import", figures):
        report["import"] = import_records(store, args.records, args.chunk)
    with stage("parses", figures):
        report["parses"] = store_parses(store, args.parse_cache)
    with stage("index", figures):
        refresh_index(store, settings, None)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
