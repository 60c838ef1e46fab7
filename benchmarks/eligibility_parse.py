"""Eligibility: parse throughput over the demo records, and accuracy on TrialGPT's expert labels.

    python benchmarks/eligibility_parse.py [SHARED_DIR]

Prints documents per second (wall clock and CPU) for parsing every real record's criteria,
beside the raw cost of splitting the same texts into criteria, and the accuracy of our
per-criterion verdicts against /data/trialgpt_criterion_annotations/dev.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from trialscout.eligibility import split_criteria
from trialscout.eligibility.evaluation import parse_throughput, score_trialgpt


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared"
    records = [s for p in sorted((shared / "data" / "ctgov_api_v2").glob("*/*.json"))
               for s in json.loads(p.read_text(encoding="utf-8"))]
    texts = [r["protocolSection"].get("eligibilityModule", {}).get("eligibilityCriteria", "") for r in records]
    started = time.perf_counter()
    criteria = sum(len(split_criteria(t)) for t in texts)
    split_s = time.perf_counter() - started
    rates = parse_throughput(records)
    print(f"records: {len(records)}; criteria: {criteria:,}")
    print(f"split only: {len(records) / split_s:,.0f} documents/s")
    for key, value in rates.items():
        print(f"parse {key}: {value:,.1f}")
    scores = score_trialgpt(shared / "data" / "trialgpt_criterion_annotations" / "dev.json", verbose=False)
    print("TrialGPT dev:", json.dumps({k: v for k, v in scores.items() if not isinstance(v, (list, dict))}))


if __name__ == "__main__":
    main()
