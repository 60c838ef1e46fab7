"""Rebuild the bundled demo snapshot from ../shared/data/ctgov_api_v2.

Deduplicates by NCT id, keeping the copy with the latest last-update date, and writes
``src/trialscout/demo/ctgov-demo.zip`` holding one ``ctg-studies.json`` (the registry's
bulk-download shape), so the demo loads through the same importer as any bulk file.

    python scripts/build_demo_snapshot.py [SHARED_DIR]
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
    best: dict[str, dict] = {}
    for path in sorted((shared / "data" / "ctgov_api_v2").glob("*/*.json")):
        for study in json.loads(path.read_text(encoding="utf-8")):
            ident = study["protocolSection"]["identificationModule"]["nctId"]
            updated = study["protocolSection"]["statusModule"].get("lastUpdatePostDateStruct", {}).get("date", "")
            kept = best.get(ident)
            if kept is None or updated > kept["protocolSection"]["statusModule"].get(
                "lastUpdatePostDateStruct", {}
            ).get("date", ""):
                best[ident] = study
    studies = [best[k] for k in sorted(best)]
    target = ROOT / "src" / "trialscout" / "demo" / "ctgov-demo.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("ctg-studies.json", json.dumps(studies, ensure_ascii=False))
    print(f"{len(studies)} unique studies -> {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
