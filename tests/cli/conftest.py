"""Fixtures for the command-line tests.

cli         function  run(*args) -> click Result (exit_code, stdout, stderr), in-process via typer's
                      CliRunner, against a fresh store (SQLite and PostgreSQL, from ``store_url``),
                      with TRIALSCOUT_HOME in tmp, the demo snapshot off, stdout 240 columns wide
                      (stderr keeps the 80 columns of a pipe)
api_files   session   the real ctg-studies.json files
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.cli import app, common


@pytest.fixture(scope="session")
def small_file(api_files: list[Path]) -> tuple[Path, list[dict]]:
    """The smallest real ctg-studies.json and its studies."""
    path = min(api_files, key=lambda p: len(json.loads(p.read_bytes())))
    return path, json.loads(path.read_bytes())


@pytest.fixture
def cli(store_url: str, trialscout_home: Path, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_DATABASE_URL", store_url)
    monkeypatch.setenv("TRIALSCOUT_LOAD_DEMO", "false")
    monkeypatch.setattr(common.out, "width", 240)  # wide tables, so a cell's text stays on one line
    runner = CliRunner()

    def run(*args: object):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    run.store_url = store_url
    return run
