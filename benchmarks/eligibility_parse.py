"""Eligibility: parse throughput over the real records, and accuracy on TrialGPT's expert labels.

    python benchmarks/eligibility_parse.py [SHARED_DIR] [--repeat N] [--no-accuracy] [--derive]

Parses every record of SHARED_DIR/data/ctgov_api_v2 (split, rules, medspaCy ConText, registry age
and sex) ``--repeat`` times and prints the best documents per second by CPU time of this process and
by wall clock, beside the raw cost of only splitting the same texts into criteria (the part every
parse must do) and the load average. Each timed pass starts with an empty criterion cache
(``clear_parse_cache``), so repeated wording is reused only within the pass, as in one derive run.
Then the accuracy of our per-criterion verdicts against SHARED_DIR/data/trialgpt_criterion_annotations/dev.json.

With ``--derive``: the derive step itself (``derive_eligibility`` over the demo snapshot in a fresh SQLite
store, every trial parsed and written), once in one process and once with two worker processes
(``TRIALSCOUT_DERIVE_WORKERS``), each in a fresh process with a cold criterion cache (the spaCy pipeline
built before timing): trials per second of wall clock, and the CPU seconds of the parent and of its workers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from trialscout.eligibility import parse_eligibility, split_criteria
from trialscout.eligibility.evaluation import score_trialgpt
from trialscout.eligibility.nlp import pipeline
from trialscout.eligibility.parse import clear_parse_cache


def _best(runs: int, work) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Best (CPU seconds, wall seconds) of ``runs`` calls of ``work``."""
    best_cpu = best_wall = float("inf")
    for _ in range(runs):
        clear_parse_cache()
        cpu, wall = time.process_time(), time.perf_counter()
        work()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall


def _derive_once(workers: str) -> None:
    """Child process: ingest the demo into a fresh store (untimed), then time one full derive step."""
    from trialscout.config import load_settings
    from trialscout.demo import demo_paths
    from trialscout.eligibility.derive import derive_eligibility
    from trialscout.registry.files import iter_paths
    from trialscout.services import open_store
    from trialscout.store import ingest

    with tempfile.TemporaryDirectory() as home:
        settings = load_settings({"TRIALSCOUT_HOME": home, "TRIALSCOUT_LOAD_DEMO": "false",
                                  "TRIALSCOUT_DERIVE_WORKERS": workers})
        store = open_store(settings)
        ingest(iter_paths(demo_paths()), store)
        n = store.count()
        pipeline()  # built once (about a second), before timing; forked workers inherit it
        before, wall = os.times(), time.perf_counter()
        derive_eligibility(store, settings, None)
        wall = time.perf_counter() - wall
        after = os.times()
        parent = after.user + after.system - before.user - before.system
        children = after.children_user + after.children_system - before.children_user - before.children_system
        print(f"derive step, {workers} process(es): {n} trials in {wall:.1f} s wall = {n / wall:,.1f} trials/s wall; "
              f"CPU: parent {parent:.1f} s, workers {children:.1f} s = {n / (parent + children):,.1f} trials per CPU second; "
              f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


def main() -> None:
    if "--derive-child" in sys.argv:
        _derive_once(sys.argv[sys.argv.index("--derive-child") + 1])
        return
    if "--derive" in sys.argv:
        for workers in ("1", "2"):
            subprocess.run([sys.executable, __file__, "--derive-child", workers], check=True)
        return
    args = sys.argv[1:]
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 3
    if "--repeat" in args:
        del args[args.index("--repeat"):args.index("--repeat") + 2]
    args = [a for a in args if not a.startswith("--")]
    shared = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "shared"
    records = [s for p in sorted((shared / "data" / "ctgov_api_v2").glob("*/*.json"))
               for s in json.loads(p.read_text(encoding="utf-8"))]
    modules = [r.get("protocolSection", {}).get("eligibilityModule", {}) for r in records]
    texts = [m.get("eligibilityCriteria") or "" for m in modules]
    pipeline()
    parse_eligibility("Age >= 18 years. No diabetes.")  # load rules and vocabularies before timing
    n = len(modules)
    criteria = sum(len(split_criteria(t)) for t in texts)
    split_cpu, split_wall = _best(repeat, lambda: [split_criteria(t) for t in texts])
    parse_cpu, parse_wall = _best(repeat, lambda: [
        parse_eligibility(m.get("eligibilityCriteria"), m.get("minimumAge"), m.get("maximumAge"), m.get("sex"))
        for m in modules])
    print(f"records: {n}; criteria: {criteria:,}; best of {repeat} passes")
    print(f"split only (raw):  {n / split_cpu:,.0f} documents/s CPU, {n / split_wall:,.0f} wall")
    print(f"full parse:        {n / parse_cpu:,.1f} documents/s CPU, {n / parse_wall:,.1f} wall "
          f"(target >= 300); parse / split CPU time: {parse_cpu / split_cpu:.1f}x")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if "--no-accuracy" not in sys.argv:
        scores = score_trialgpt(shared / "data" / "trialgpt_criterion_annotations" / "dev.json", verbose=False)
        print("TrialGPT dev:", json.dumps({k: v for k, v in scores.items() if not isinstance(v, (list, dict))}))


if __name__ == "__main__":
    main()
