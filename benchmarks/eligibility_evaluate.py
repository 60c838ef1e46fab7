"""Eligibility: one person's profile against 1,000 stored trial parses.

    python benchmarks/eligibility_evaluate.py [SHARED_DIR] [--runs N]

Parses the real records once (ClinicalTrials.gov API v2 files under SHARED_DIR/data/ctgov_api_v2,
the demo snapshot, then the legacy XML records of SHARED_DIR/data/ctgov_legacy_xml; distinct NCT ids,
the first 1,000), stores each parse as the derive step
does (``ParsedEligibility.to_json``) and reloads it (``from_json``), untimed. Then, timed: evaluate
one realistic profile (age, sex, three conditions, a medicine, four labs, ECOG) against all 1,000,
``--runs`` times. Prints total milliseconds p50 / p95 over the runs (wall clock and CPU time of this
process), the raw cost of the same loop doing nothing but reading each parse's criteria, and the
load average. Target: ≤ 200 ms for the 1,000.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from trialscout.eligibility import evaluate, parse_eligibility, profile_from_form
from trialscout.eligibility.constraints import ParsedEligibility

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


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 15
    args = [a for a in args if a != str(runs)]
    shared = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "shared"
    stored = [parse_eligibility(*fields).to_json() for fields in _eligibility_fields(shared)]
    parses = [ParsedEligibility.from_json(s) for s in stored]
    profile = profile_from_form(PROFILE)
    for parsed in parses[:50]:  # warm-up: rules files, vocabularies, compiled patterns
        evaluate(parsed, profile, today=TODAY)
    walls: list[float] = []
    cpus: list[float] = []
    raws: list[float] = []
    verdicts: dict[str, int] = {}
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        results = [evaluate(parsed, profile, today=TODAY) for parsed in parses]
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        raw = time.perf_counter()
        sum(len(parsed.all()) for parsed in parses)
        raws.append((time.perf_counter() - raw) * 1000)
        verdicts = {}
        for r in results:
            verdicts[r.verdict] = verdicts.get(r.verdict, 0) + 1
    criteria = sum(len(p.all()) for p in parses)
    print(f"trials: {len(parses)}; criteria (with registry age/sex): {criteria:,}; runs: {runs}")
    print(f"evaluate 1 profile x {len(parses)} trials: wall p50 {statistics.median(walls):.1f} ms, "
          f"p95 {_percentile(walls, 0.95):.1f} ms; CPU p50 {statistics.median(cpus):.1f} ms, "
          f"p95 {_percentile(cpus, 0.95):.1f} ms (target <= 200 ms)")
    print(f"raw loop over the same parses (criteria only): p50 {statistics.median(raws):.2f} ms")
    print(f"verdicts: {json.dumps(verdicts, sort_keys=True)}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
