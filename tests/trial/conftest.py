"""Fixtures for the Trial model tests.

real_records  session  every study object in shared/data/ctgov_api_v2 (806), as (file, study) pairs
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import in_ci


@pytest.fixture(scope="session")
def real_records(shared_dir: Path) -> list[tuple[Path, dict]]:
    files = sorted((shared_dir / "data" / "ctgov_api_v2").glob("*/*.json"))
    if not files:
        message = f"real ClinicalTrials.gov records not found under {shared_dir}"
        if in_ci():
            pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
        pytest.skip(message)
    return [(path, study) for path in files for study in json.loads(path.read_bytes())]
