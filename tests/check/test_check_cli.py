"""``trialscout check NCT… --profile FILE [--json]`` with each profile form."""

from __future__ import annotations

import json

from check_profiles import ACLF_NOTE, aclf_bundle, criterion


def test_form_json_profile_prints_the_verdict_and_each_criterion(check_cli, tmp_path):
    profile = tmp_path / "me.json"
    profile.write_text(json.dumps({"age": 70, "sex": "male"}))
    result = check_cli("check", "nct06882811", "--profile", profile)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Likely not eligible" in out
    assert "registry. not met: Age 65 years or younger" in out and "You are 70" in out
    assert "Exclusion criteria:" in out and "Questions that would settle it:" in out


def test_fhir_bundle_profile_as_json(check_cli, tmp_path):
    profile = tmp_path / "record.json"
    profile.write_text(json.dumps(aclf_bundle()))
    result = check_cli("check", "TSLOCAL-0002", "--profile", profile, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["profile_source"] == "fhir" and report["verdict"] == "need_more_information"
    assert criterion(report, "Total bilirubin (TBil)")["status"] == "met"


def test_note_profile_from_a_text_file(check_cli, tmp_path):
    profile = tmp_path / "letter.txt"
    profile.write_text(ACLF_NOTE)
    result = check_cli("check", "TSLOCAL-0002", "--profile", profile, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["profile_source"] == "note"
    assert criterion(report, "Total bilirubin (TBil)")["status"] == "met"


def test_bad_profiles_and_unknown_trials_fail_with_a_message(check_cli, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    result = check_cli("check", "TSLOCAL-0002", "--profile", empty)
    assert result.exit_code == 2 and "profile file is empty" in result.stderr

    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({"resourceType": "Patient"}))
    result = check_cli("check", "TSLOCAL-0002", "--profile", patient)
    assert result.exit_code == 2 and "Expected a FHIR Bundle" in result.stderr

    absurd = tmp_path / "absurd.json"
    absurd.write_text(json.dumps({"age": -5}))
    result = check_cli("check", "TSLOCAL-0002", "--profile", absurd)
    assert result.exit_code == 2 and "outside 0-125" in result.stderr

    result = check_cli("check", "NCT00000000", "--profile", absurd)
    assert result.exit_code == 1 and "no trial NCT00000000" in result.stderr

    result = check_cli("check", "TSLOCAL-0002", "--profile", tmp_path / "missing.json")
    assert result.exit_code == 1 and "cannot read the profile file" in result.stderr


def test_a_note_from_standard_input(check_cli, monkeypatch):
    from typer.testing import CliRunner

    from trialscout.cli import app

    result = CliRunner().invoke(app, ["check", "TSLOCAL-0002", "--profile", "-", "--json"], input=ACLF_NOTE,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["profile_source"] == "note"
