"""Fixtures for the Trial model tests.

real_records  session  every study object in shared/data/ctgov_api_v2 (806), as (file, study) pairs
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def real_records(api_files: list[Path]) -> list[tuple[Path, dict]]:
    return [(path, study) for path in api_files for study in json.loads(path.read_bytes())]
