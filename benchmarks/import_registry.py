"""Import speed: a synthetic full registry (600,000 records by default) into SQLite.

Records are generated on the fly from the real ones in ../shared/data/ctgov_api_v2: each gets
a new NCT id and field values shuffled between records (titles, conditions, interventions,
locations, eligibility, dates), and is serialised to JSON Lines bytes in chunks. For every
chunk we time (a) the raw parse of those same bytes with orjson and (b) trialscout's whole
import path over them (parse → check every field → hash and serialise → store, one transaction
per 500 records), so the ratio between the two is measured on the same machine in the same
minute. Both are reported as wall-clock rates and as CPU time of this process (process_time),
which a loaded machine distorts far less, with the load average seen.

    python benchmarks/import_registry.py [--records 600000] [--chunk 20000] [--db PATH]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import orjson

from trialscout.registry.files import iter_bytes
from trialscout.store import TrialStore, ingest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "ctgov_api_v2"
SHUFFLED = [
    ("identificationModule", "briefTitle"),
    ("identificationModule", "officialTitle"),
    ("conditionsModule", None),
    ("armsInterventionsModule", None),
    ("contactsLocationsModule", None),
    ("eligibilityModule", None),
    ("statusModule", None),
    ("descriptionModule", None),
]


def real_records() -> list[dict]:
    return [s for path in sorted(SHARED.glob("*/*.json")) for s in json.loads(path.read_text(encoding="utf-8"))]


def synthetic(records: list[dict], count: int, seed: int = 7) -> Iterator[bytes]:
    """``count`` JSON lines: real records with new ids and fields swapped between records."""
    rng = random.Random(seed)
    for n in range(count):
        study = copy.deepcopy(rng.choice(records))
        protocol = study["protocolSection"]
        for module, key in SHUFFLED:
            donor = rng.choice(records)["protocolSection"].get(module)
            if donor is None:
                continue
            if key is None:
                protocol[module] = copy.deepcopy(donor)
            elif key in donor:
                protocol.setdefault(module, {})[key] = donor[key]
        protocol["identificationModule"]["nctId"] = f"NCT{90_000_000 + n:08d}"
        yield orjson.dumps(study)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=600_000)
    parser.add_argument("--chunk", type=int, default=20_000)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temporary one)")
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp(prefix="trialscout-bench-")) / "bench.db"
    store = TrialStore(f"sqlite:///{db}")
    source = real_records()
    lines = synthetic(source, args.records)
    clock = {"outside": 0.0, "outside_cpu": 0.0, "parse": 0.0, "parse_cpu": 0.0, "bytes": 0, "done": 0}

    def records() -> Iterator:
        """Yield records chunk by chunk; time spent here (generation, raw parse) is not import time."""
        while clock["done"] < args.records:
            entered, entered_cpu = time.perf_counter(), time.process_time()
            chunk = [next(lines) for _ in range(min(args.chunk, args.records - clock["done"]))]
            data = b"\n".join(chunk)
            clock["bytes"] += len(data)
            started, started_cpu = time.perf_counter(), time.process_time()
            for line in chunk:
                orjson.loads(line)
            clock["parse"] += time.perf_counter() - started
            clock["parse_cpu"] += time.process_time() - started_cpu
            clock["done"] += len(chunk)
            clock["outside"] += time.perf_counter() - entered
            clock["outside_cpu"] += time.process_time() - entered_cpu
            yield from iter_bytes(data, "synthetic")
            print(f"{clock['done']:>8,} records generated", flush=True)

    load_before = os.getloadavg()
    started, started_cpu = time.perf_counter(), time.process_time()
    report = ingest(records(), store)
    import_s = time.perf_counter() - started - clock["outside"]
    import_cpu = time.process_time() - started_cpu - clock["outside_cpu"]
    parse_s, parse_cpu, total_bytes, done = clock["parse"], clock["parse_cpu"], clock["bytes"], clock["done"]
    assert not report.rejected, report.rejected[:3]
    print(f"records: {done:,} ({total_bytes / 1e9:.2f} GB of JSON) into {db}")
    print(f"trialscout import: {done / import_s:,.0f} records/s wall ({import_s:.1f} s), "
          f"{done / import_cpu:,.0f} records per CPU-second ({import_cpu:.1f} s CPU, "
          f"{1000 * import_cpu / done:.3f} ms CPU per record)")
    print(f"raw orjson parse of the same bytes: {done / parse_s:,.0f} records/s wall ({parse_s:.1f} s), "
          f"{done / parse_cpu:,.0f} records per CPU-second ({parse_cpu:.1f} s CPU)")
    print(f"ratio import/raw parse: {parse_s / import_s:.3f} wall, {parse_cpu / import_cpu:.3f} CPU")
    print(f"load average: {' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} after (1, 5, 15 min; {os.cpu_count()} cores)")
    print(f"trials stored: {store.count():,}; versions: {store.version_count():,}")


if __name__ == "__main__":
    main()
