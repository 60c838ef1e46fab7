"""Plain-language generation speed over the demo snapshot (801 trials), deterministic writer.

Prints the machine (cores, load average), then trials per second for one process and for
N processes (fork; each process explains its share of the same trial list). Each timed pass
starts with empty sentence caches after a warm-up, so it is the steady speed of a long derive
run. Two rates per line: per wall-clock second (what you get on this machine now) and per
CPU second of the process (what one free core gives; the two agree on an idle machine, and
the second is the honest figure when other work shares the cores).

    python benchmarks/plain_generation.py [--repeat 3] [--workers N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import time
from datetime import date

from trialscout.plain import TemplateWriter, explain_trial, load_resources
from trialscout.plain.evaluate import demo_trials

_TRIALS: list = []


def _explain_share(bounds: tuple[int, int]) -> tuple[int, float]:
    """Explain one share of the trials; return (count, CPU seconds used)."""
    res = load_resources()
    res.claim_reader.clear()
    base = TemplateWriter(res)
    cpu = time.process_time()
    for trial in _TRIALS[bounds[0]:bounds[1]]:
        explain_trial(trial, res, base=base)
    return bounds[1] - bounds[0], time.process_time() - cpu


def one_process(trials: list, repeat: int) -> list[tuple[float, float]]:
    res = load_resources()
    rates = []
    for _ in range(repeat):
        res.claim_reader.clear()
        base = TemplateWriter(res)
        wall, cpu = time.perf_counter(), time.process_time()
        for trial in trials:
            explain_trial(trial, res, base=base)
        rates.append((len(trials) / (time.perf_counter() - wall), len(trials) / (time.process_time() - cpu)))
    return rates


def many_processes(trials: list, workers: int, repeat: int) -> list[tuple[float, float]]:
    global _TRIALS
    _TRIALS = trials
    step = -(-len(trials) // workers)
    shares = [(i, min(i + step, len(trials))) for i in range(0, len(trials), step)]
    rates = []
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pool.map(_explain_share, shares)  # warm every worker
        for _ in range(repeat):
            started = time.perf_counter()
            results = pool.map(_explain_share, shares)
            done = sum(n for n, _ in results)
            per_core = sum(n / cpu for n, cpu in results)  # each worker on a free core of its own
            rates.append((done / (time.perf_counter() - started), per_core))
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
    return f"{label}: {wall:,.0f} trials/s wall clock · {cpu:,.0f} trials/s on free cores (CPU time) · median of {len(rates)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    trials = demo_trials()
    res = load_resources()
    for trial in trials:  # warm-up: compiled patterns, pronunciation dictionary
        explain_trial(trial, res, base=TemplateWriter(res))
    load = os.getloadavg()
    print(f"date {date.today().isoformat()} · {platform.python_implementation()} {platform.python_version()} · "
          f"{os.cpu_count()} cores · load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"trials {len(trials)} (demo snapshot: registry records + seed transcriptions)")
    print(f"calibration: 10 million Python additions took {calibration():.2f} s of CPU")
    print(_line("1 process", one_process(trials, args.repeat)))
    if args.workers > 1:
        print(_line(f"{args.workers} processes", many_processes(trials, args.workers, args.repeat)))


if __name__ == "__main__":
    main()
