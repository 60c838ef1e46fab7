"""``trialscout search``, ``trialscout index`` and ``trialscout eval search``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from trialscout.cli import app, common


@pytest.fixture
def run(demo, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_HOME", str(demo.settings.home))
    monkeypatch.setattr(common.out, "width", 240)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_search_prints_a_table_with_the_nearest_site_and_distance(run):
    result = run("search", "liver", "failure", "stem", "cells", "near", "Guangzhou")
    assert result.exit_code == 0, result.output
    assert "Within 100 km of Guangzhou, Guangdong, China" in result.stdout
    line = next(line for line in result.stdout.splitlines() if "NCT06740149" in line)
    assert "Third Affliated Hospital of Sun Yat-sen University" in line and "0 km" in line


def test_search_json(run):
    result = run("search", "ACLF", "--json")
    data = json.loads(result.stdout)
    assert data["trials"][0]["nct_id"] == "NCT06740149"
    result = run("search", "asthma", "--near", "Springfield, IL", "--within", "300mi", "--status", "any", "--json")
    assert json.loads(result.stdout)["within"]["unit"] == "mi"


def test_search_errors_are_one_clear_line(run):
    result = run("search", "asthma", "--near", "Guangzhuo")
    assert result.exit_code == 2
    assert "Did you mean" in result.stderr and "Guangzhou, Guangdong, China" in result.stderr
    result = run("search", "asthma", "--near", "Paris", "--within", "far")
    assert result.exit_code == 2 and "--within" in result.stderr


def test_index_status_and_eval_search_print_figures(run):
    status = json.loads(run("index", "status", "--json").stdout)
    assert status["documents"] == status["trials"] == 801 and status["current"]
    result = run("eval", "search")
    assert result.exit_code == 0
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("recall@10 ") and "nDCG@10" in summary
    figures = json.loads(run("eval", "search", "--json").stdout)
    assert figures["queries"] >= 30
    assert figures["recall@10"] >= 0.8 and figures["ndcg@10"] >= 0.8


def test_index_rebuild(synthetic, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_HOME", str(synthetic.settings.home))
    monkeypatch.setenv("TRIALSCOUT_LOAD_DEMO", "false")
    result = CliRunner().invoke(app, ["index", "rebuild", "--json"], catch_exceptions=False)
    assert json.loads(result.stdout)["indexed"] == 7
    assert synthetic.ids("liver failure") == ["NCT90000001"]


def test_index_rebuild_with_a_bad_worker_count_names_the_setting(synthetic, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_HOME", str(synthetic.settings.home))
    monkeypatch.setenv("TRIALSCOUT_DERIVE_WORKERS", "0")
    result = CliRunner().invoke(app, ["index", "rebuild"], catch_exceptions=False)
    assert result.exit_code != 0
    assert "TRIALSCOUT_DERIVE_WORKERS must be 1 or more, not 0" in result.output
    assert "Traceback" not in result.output
    assert synthetic.ids("liver failure") == ["NCT90000001"]  # the index is left as it was
