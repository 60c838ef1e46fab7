"""The bundled demo snapshot: real registry records plus the five seed trials, transcribed.

``ctgov-demo.zip`` holds the deduplicated records of ../shared/data/ctgov_api_v2 (rebuilt by
``scripts/build_demo_snapshot.py``); ``seeds/`` holds the seed pages transcribed into
registry-shaped records, each marked ``trialscoutSource.format = "seed-transcription"``.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).parent


def demo_paths() -> list[Path]:
    """The files that make up the demo snapshot, in load order."""
    return [DEMO_DIR / "ctgov-demo.zip", DEMO_DIR / "seeds"]
