"""Eligibility: one person's profile against 1,000 stored trial parses.

    python benchmarks/eligibility_evaluate.py [SHARED_DIR] [--runs N] [--stored PARSES.jsonl] [--serving] [--per-call]

Parses the real records once (ClinicalTrials.gov API v2 files under SHARED_DIR/data/ctgov_api_v2,
the demo snapshot, then the legacy XML records of SHARED_DIR/data/ctgov_legacy_xml; distinct NCT ids,
the first 1,000) and stores each parse as the derive step does (``ParsedEligibility.to_json``);
``--stored FILE`` keeps those parses in a JSON-lines file and reuses it when it exists. Each of the
``--runs`` runs then reloads the 1,000 parses (``from_json``) and builds the profile afresh, untimed, as a
match request does, and times evaluating one realistic profile (age, sex, three conditions, a medicine,
four labs, ECOG) against all 1,000: nothing learnt about one parse object in an earlier run helps a
later one. The profile is prepared once per run (``prepare_profile``, timed), as for one person checked
against many trials; ``--per-call`` passes the profile itself to every call instead (prepared per trial).
Prints total milliseconds p50 / p95 over the runs (wall clock and CPU time of this process),
the garbage collector's share of that CPU time, the untimed reload, the raw cost of a loop doing
nothing but reading each parse's criteria, the store's read path for the same 1,000 parses
(``derive.parsed_from_payload``: cold, then warm from the decoded-parse cache) and the load average.
Target: ≤ 200 ms for the 1,000.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from trialscout.eligibility import evaluate, parse_eligibility, prepare_profile, profile_from_form
from trialscout.eligibility.constraints import ParsedEligibility
from trialscout.heap import settle_for_serving

TRIALS = 1000
TODAY = date(2026, 11, 21)
PROFILE = {
    "age": 58, "sex": "female",
    "conditions": ["type 2 diabetes", "hypertension", {"name": "breast cancer", "onset": "2023-03-01"}],
    "absent_conditions": ["HIV", "hepatitis B"],
    "medications": ["metformin"],
    "labs": [{"name": "creatinine", "value": 1.1, "unit": "mg/dL", "date": "2026-10-30"},
             {"name": "bilirubin", "value": 14, "unit": "umol/L", "date": "2026-10-30"},
             {"name": "platelets", "value": 210, "unit": "10^9/L", "date": "2026-10-30"},
             {"name": "hemoglobin", "value": 12.8, "unit": "g/dL", "date": "2026-10-30"}],
    "pregnant": False,
    "scores": {"ecog": 1},
}


def _eligibility_fields(shared: Path) -> list[tuple[str | None, str | None, str | None, str | None]]:
    """(criteria, minimumAge, maximumAge, sex) of the first TRIALS distinct real records."""
    from trialscout.demo import demo_paths
    from trialscout.registry.files import iter_paths

    seen: set[str] = set()
    out: list[tuple[str | None, str | None, str | None, str | None]] = []
    studies = [s for p in sorted((shared / "data" / "ctgov_api_v2").glob("*/*.json"))
               for s in json.loads(p.read_text(encoding="utf-8"))]
    studies += [r.study for r in iter_paths(demo_paths()) if r.study is not None]
    studies += [r.study for r in iter_paths([shared / "data" / "ctgov_legacy_xml"]) if r.study is not None]
    for study in studies:
        section = study.get("protocolSection", {})
        nct = section.get("identificationModule", {}).get("nctId")
        if not nct or nct in seen:
            continue
        seen.add(nct)
        m = section.get("eligibilityModule", {})
        out.append((m.get("eligibilityCriteria"), m.get("minimumAge"), m.get("maximumAge"), m.get("sex")))
        if len(out) == TRIALS:
            break
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class _GcClock:
    """CPU time the garbage collector spends while installed (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start


def _option(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def main() -> None:
    runs = int(_option("--runs") or 15)
    per_call = "--per-call" in sys.argv
    keep = _option("--stored")  # a JSON-lines file of stored parses: read if it exists, else written
    values = {v for v in (_option("--runs"), keep) if v}
    args = [a for a in sys.argv[1:] if not a.startswith("--") and a not in values]
    shared = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "shared"
    if keep and Path(keep).exists():
        stored = Path(keep).read_text(encoding="utf-8").splitlines()
    else:
        stored = [parse_eligibility(*fields).to_json() for fields in _eligibility_fields(shared)]
        if keep:
            Path(keep).write_text("\n".join(stored) + "\n", encoding="utf-8")
    profile = profile_from_form(PROFILE)
    for parsed in [ParsedEligibility.from_json(s) for s in stored[:50]]:  # warm-up: rules, vocabularies, patterns
        evaluate(parsed, profile, today=TODAY)
    if "--serving" in sys.argv:  # as `trialscout serve` runs: loaded resources frozen, rare young collections
        settle_for_serving()
        print("heap settled as `trialscout serve` settles it (heap.settle_for_serving)")
    walls: list[float] = []
    cpus: list[float] = []
    gcs: list[float] = []
    loads: list[float] = []
    raws: list[float] = []
    verdicts: dict[str, int] = {}
    results: list[object] = []
    for _ in range(runs):
        # each run is a first look, as in a match request: parses just read from their JSON, a new profile
        results = []
        load = time.process_time()
        parses = [ParsedEligibility.from_json(s) for s in stored]
        loads.append((time.process_time() - load) * 1000)
        profile = profile_from_form(PROFILE)
        gc.collect()
        clock = _GcClock()
        gc.callbacks.append(clock)
        wall, cpu = time.perf_counter(), time.process_time()
        if per_call:  # each call prepares the profile for its trial
            results = [evaluate(parsed, profile, today=TODAY) for parsed in parses]
        else:  # one person, many trials: the profile prepared once (timed; match.service still passes the profile)
            person = prepare_profile(profile, TODAY)
            results = [evaluate(parsed, person) for parsed in parses]
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        gc.callbacks.remove(clock)
        gcs.append(clock.seconds * 1000)
        raw = time.perf_counter()
        sum(len(parsed.all()) for parsed in parses)
        raws.append((time.perf_counter() - raw) * 1000)
        verdicts = {}
        for r in results:
            verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1  # type: ignore[attr-defined]
    # the store's read path (derive.parsed_from_payload): cold = every parse decoded, warm = the decoded-parse cache
    # (imported only now: the store's modules would otherwise be in the heap the collector walks during the runs)
    from trialscout.eligibility import parse_cache
    from trialscout.eligibility.derive import parsed_from_payload

    payloads = [{"parse": json.loads(s)} for s in stored]
    colds: list[float] = []
    warms: list[float] = []
    for _ in range(3):
        parse_cache.clear()
        start = time.process_time()
        [parsed_from_payload(p) for p in payloads]
        colds.append((time.process_time() - start) * 1000)
        start = time.process_time()
        [parsed_from_payload(p) for p in payloads]
        warms.append((time.process_time() - start) * 1000)
    parse_cache.clear()
    criteria = sum(len(p.all()) for p in parses)
    print(f"trials: {len(parses)}; criteria (with registry age/sex): {criteria:,}; runs: {runs}")
    print(f"profile {'prepared per call' if per_call else 'prepared once (prepare_profile)'}")
    print(f"evaluate 1 profile x {len(parses)} trials: wall p50 {statistics.median(walls):.1f} ms, "
          f"p95 {_percentile(walls, 0.95):.1f} ms; CPU p50 {statistics.median(cpus):.1f} ms, "
          f"p95 {_percentile(cpus, 0.95):.1f} ms (target <= 200 ms)")
    print(f"  of which garbage collection: CPU p50 {statistics.median(gcs):.1f} ms; "
          f"untimed reload of the 1,000 parses (from_json): CPU p50 {statistics.median(loads):.1f} ms")
    print(f"store read path for the 1,000 (derive.parsed_from_payload): "
          f"CPU p50 cold {statistics.median(colds):.1f} ms, "
          f"warm (parse_cache hit) {statistics.median(warms):.1f} ms; "
          f"request = cold read + evaluate: {statistics.median(colds) + statistics.median(cpus):.1f} ms CPU")
    print(f"raw loop over the same parses (criteria only): p50 {statistics.median(raws):.2f} ms")
    print(f"verdicts: {json.dumps(verdicts, sort_keys=True)}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
