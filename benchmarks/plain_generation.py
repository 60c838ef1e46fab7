"""Plain-language generation speed over the demo snapshot (801 trials), deterministic writer.

Prints the machine (cores, load average, a CPU calibration loop), then trials per second for
one process, two ways:

* criteria from the stored parse: what the derive step does. The eligibility step runs first
  (``services.DERIVERS``) and stores each record's parse; the plain step reads the criteria
  items from that payload instead of splitting the text again. Here every record is parsed
  once before timing (``eligibility.derive.payload_for``, as stored), and the timed loop
  decodes each payload from its JSON bytes (as ``DerivedStore.get_many`` does) and explains
  the trial with the items read from it.
* criteria split here: a trial without a current stored parse (``explain_trial`` alone).

and, with ``--workers N``, the derive step itself end to end (``plain.derive.derive_plain`` over
the demo snapshot in a temporary SQLite store, eligibility parse stored first, untimed): reading
the trials and parses, generating, writing the pages; once in one process
(``derive_workers`` = 1) and once in N (fork, chunks of 50 trials), timed alternately, including
the start of the worker processes and the transfer of the pages back to the writing parent.
Each timed pass starts with empty sentence caches after a warm-up, so it is the steady speed
of a long derive run. Two rates per line: per wall-clock second (this machine now) and per
CPU second of the process (what one free core gives; the honest figure when other work
shares the cores). For reference, the same run times the eligibility engine's
``split_criteria`` alone over the same texts.

    python benchmarks/plain_generation.py [--repeat 3] [--workers N]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import date

import orjson

from trialscout.eligibility.criteria import split_criteria
from trialscout.config import load_settings
from trialscout.demo import demo_paths
from trialscout.eligibility.derive import derive_eligibility, payload_for
from trialscout.plain import TemplateWriter, explain_trial, load_resources
from trialscout.plain.derive import derive_plain, resources_for, stored_criteria
from trialscout.plain.evaluate import demo_trials
from trialscout.registry.files import iter_paths
from trialscout.services import open_store
from trialscout.store import StoredTrial, ingest
from trialscout.trial import Trial

HASH = "benchmark"


def stored_payloads(trials: list[Trial]) -> list[tuple[Trial, bytes]]:
    """Each trial with the eligibility payload the derive step would have stored for it."""
    out = []
    for trial in trials:
        stored = StoredTrial(trial=trial, version=1, first_seen=None, last_changed=None,  # type: ignore[arg-type]
                             content_hash=HASH)
        out.append((trial, orjson.dumps(payload_for(stored))))
    return out


def _pass(work: list[tuple[Trial, bytes]], stored: bool) -> tuple[int, float, float]:
    """One timed pass with empty sentence caches: (trials, wall seconds, CPU seconds)."""
    res = load_resources()
    res.claim_reader.clear()
    base = TemplateWriter(res)
    wall, cpu = time.perf_counter(), time.process_time()
    for trial, payload in work:
        criteria = stored_criteria(orjson.loads(payload), HASH) if stored else None
        explain_trial(trial, res, base=base, criteria=criteria)
    return len(work), time.perf_counter() - wall, time.process_time() - cpu


def one_process(work: list[tuple[Trial, bytes]], repeat: int, stored: bool) -> list[tuple[float, float]]:
    rates = []
    for _ in range(repeat):
        n, wall, cpu = _pass(work, stored)
        rates.append((n / wall, n / cpu))
    return rates


def derive_runs(workers: int, repeat: int) -> dict[int, list[tuple[float, float, float]]]:
    """``derive_plain`` over the demo store at 1 and ``workers`` processes, alternately:
    per run (trials/s wall clock, CPU s of the parent, CPU s of the worker processes)."""
    runs: dict[int, list[tuple[float, float, float]]] = {1: [], workers: []}
    with tempfile.TemporaryDirectory() as home:
        base = load_settings({"TRIALSCOUT_HOME": home, "TRIALSCOUT_LOAD_DEMO": "false"})
        store = open_store(base)
        ingest(iter_paths(demo_paths()), store)
        derive_eligibility(store, base, None)  # untimed: the step before this one
        count = store.count()
        derive_plain(store, replace(base, derive_workers=1), None)  # warm-up: patterns, dictionary
        for _ in range(repeat):
            for n in runs:
                resources_for(base).claim_reader.clear()  # empty sentence caches, as in a fresh run
                children = resource.getrusage(resource.RUSAGE_CHILDREN)
                wall, cpu = time.perf_counter(), time.process_time()
                derive_plain(store, replace(base, derive_workers=n), None)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                worker_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
                runs[n].append((count / wall, cpu, worker_cpu))
        store.engine.dispose()
    return runs


def _derive_line(workers: int, runs: list[tuple[float, float, float]], count: int) -> str:
    wall = statistics.median(r[0] for r in runs)
    parent = statistics.median(r[1] for r in runs)
    children = statistics.median(r[2] for r in runs)
    free = count / max(parent, children / workers)  # each process on a core of its own
    return (f"derive_plain end to end, {workers} process{'es' if workers > 1 else ''}: {wall:,.0f} trials/s wall "
            f"clock ({1000 / wall:.2f} ms per trial) · CPU {parent:.2f} s parent + {children:.2f} s workers "
            f"= {1000 * (parent + children) / count:.2f} ms per trial · ≈ {free:,.0f} trials/s on free cores "
            f"· median of {len(runs)}")


def split_only(trials: list[Trial], repeat: int) -> list[tuple[float, float]]:
    """The eligibility engine's splitter alone over the same texts (the raw-engine reference)."""
    texts = [t.eligibility.criteria or "" for t in trials]
    rates = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        for text in texts:
            split_criteria(text)
        rates.append((len(texts) / (time.perf_counter() - wall), len(texts) / (time.process_time() - cpu)))
    return rates


def calibration() -> float:
    """CPU seconds for a fixed pure-Python loop (10 million additions): how fast this CPU is now.

    About 0.4 s on an idle current server core; more when other work shares the machine, so
    figures from different days can be compared by scaling with it."""
    cpu = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - cpu


def _line(label: str, rates: list[tuple[float, float]]) -> str:
    wall = statistics.median(r[0] for r in rates)
    cpu = statistics.median(r[1] for r in rates)
    return (f"{label}: {wall:,.0f} trials/s wall clock · {cpu:,.0f} trials/s on free cores (CPU time, "
            f"{1000 / cpu:.2f} ms per trial) · median of {len(rates)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="also time the derive step end to end at 1 and N processes")
    args = parser.parse_args()
    trials = demo_trials()
    work = stored_payloads(trials)  # untimed: the eligibility step's work, stored before this step
    _pass(work, stored=True)  # warm-up: compiled patterns, the pronunciation dictionary
    _pass(work, stored=False)
    load = os.getloadavg()
    print(f"date {date.today().isoformat()} · {platform.python_implementation()} {platform.python_version()} · "
          f"{os.cpu_count()} cores · load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"trials {len(trials)} (demo snapshot: registry records + seed transcriptions)")
    print(f"calibration: 10 million Python additions took {calibration():.2f} s of CPU")
    stored = one_process(work, args.repeat, stored=True)
    split = one_process(work, args.repeat, stored=False)
    print(_line("1 process, criteria from the stored parse (derive step)", stored))
    print(_line("1 process, criteria split here (no stored parse)", split))
    print(_line("reference: split_criteria alone", split_only(trials, args.repeat)))
    if args.workers > 1:
        for n, runs in derive_runs(args.workers, args.repeat).items():
            print(_derive_line(n, runs, len(trials)))
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} · calibration again: {calibration():.2f} s")


if __name__ == "__main__":
    main()
