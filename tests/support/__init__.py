"""Test helpers shared by the whole suite (imported as ``support``; tests/ is on sys.path).

- ``support.postgres.PostgresServer``: a throwaway real PostgreSQL server.
- ``support.browser``: headless Debian Chromium via Playwright, ``serve_app(app)``.
- ``SHARED_DIR``: the ``shared`` folder beside the repo (env TRIALSCOUT_SHARED overrides).

The fixtures built on these live in tests/conftest.py.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(os.environ.get("TRIALSCOUT_SHARED") or (REPO_ROOT.parent / "shared")).resolve()


def in_ci() -> bool:
    """True when running in CI (CI=true/1/yes): missing infrastructure must fail, not skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}
