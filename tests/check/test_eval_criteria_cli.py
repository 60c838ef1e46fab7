"""``trialscout eval criteria``: accuracy vs the TrialGPT experts, age agreement, Chia entity recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trialscout.cli import app, common


@pytest.fixture
def small_dev(shared_dir: Path, tmp_path: Path) -> Path:
    dev = shared_dir / "data" / "trialgpt_criterion_annotations" / "dev.json"
    if not dev.is_file():
        pytest.skip(f"no {dev}")
    small = tmp_path / "dev20.json"
    small.write_text(json.dumps(json.loads(dev.read_text(encoding="utf-8"))[:20]), encoding="utf-8")
    return small


@pytest.fixture
def run(shared_dir: Path, monkeypatch):
    monkeypatch.setenv("TRIALSCOUT_SHARED", str(shared_dir))
    monkeypatch.setattr(common.out, "width", 240)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_eval_criteria_prints_accuracy_matrix_and_age_agreement(run, small_dev: Path):
    result = run("eval", "criteria", "--file", small_dev, "--chia-docs", 5)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(line.startswith("accuracy ") and "(closed world)" in line and "GPT-4 87.8%" in line for line in lines)
    assert any(line.startswith("accuracy ") and "(strict)" in line for line in lines)
    assert "20 pairs" in result.stdout
    assert "Confusion matrix" in result.stdout and "expert \\ ours" in result.stdout
    assert any(line.startswith("age agreement ") and "trials that state an age" in line for line in lines)
    assert "Measurement" in result.stdout and "Negation" in result.stdout
    assert lines[-1].startswith("criteria: accuracy ")


def test_eval_criteria_json(run, small_dev: Path):
    result = run("eval", "criteria", "--file", small_dev, "--chia-docs", 5, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["pairs"] == 20
    assert 0.0 <= data["accuracy_strict"] <= data["accuracy_closed_world"] <= 1.0
    assert sum(sum(row.values()) for row in data["confusion_matrix_closed_world"].values()) == 20
    assert data["age_agreement"]["trials_stating_age"] > 0
    assert set(data["chia"]["recall"]) == {"Measurement", "Value", "Temporal", "Negation"}


def test_eval_criteria_missing_file_says_to_pass_file(run, tmp_path: Path):
    result = CliRunner().invoke(app, ["eval", "criteria", "--file", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert "--file" in result.output


@pytest.mark.parametrize("content, message", [
    ('[{"patient_id": "p1", "note": "x"', "not a readable JSON file"),
    ('{"rows": []}', "non-empty JSON list"),
    ('[{"patient_id": "p1"}]', "row 1 lacks note, criterion_type"),
    ('[{"patient_id": "p1", "note": "n", "criterion_type": "inclusion", "criterion_text": "t", '
     '"expert_eligibility": "maybe"}]', "expert_eligibility 'maybe'"),
])
def test_eval_criteria_malformed_file_names_the_problem(run, tmp_path: Path, content: str, message: str):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = run("eval", "criteria", "--file", bad)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
