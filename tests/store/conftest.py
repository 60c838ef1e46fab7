"""Fixtures for the store tests (databases come from tests/conftest.py: ``store_url``).

api_files     session   the real ctg-studies.json files (10 files, 806 records, 796 ids)
real_studies  session   their study objects, in file order
store         function  a TrialStore on a fresh database (SQLite and PostgreSQL)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialscout.store import TrialStore


@pytest.fixture(scope="session")
def real_studies(api_files: list[Path]) -> list[dict]:
    return [study for path in api_files for study in json.loads(path.read_bytes())]


@pytest.fixture
def store(store_url: str):
    opened = TrialStore(store_url)
    try:
        yield opened
    finally:
        opened.close()
