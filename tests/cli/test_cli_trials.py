"""``trialscout import``, ``show`` and ``history`` on SQLite and PostgreSQL, with real records."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from trialscout.store import TrialStore


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def bumped(study: dict, days: int) -> dict:
    study = copy.deepcopy(study)
    struct = study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]
    struct["date"] = (date.fromisoformat(struct["date"]) + timedelta(days=days)).isoformat()
    return study


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


# --- import --------------------------------------------------------------------------------------


def test_import_prints_counts_then_json(cli, small_file):
    path, studies = small_file
    n = len(studies)
    result = cli("import", path)
    assert result.exit_code == 0, result.stderr
    assert f"Read {n:,} records: {n:,} new, 0 changed, 0 unchanged" in result.stdout
    assert "0 skipped" in result.stdout

    result = cli("import", "--json", path)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"read": n, "added": 0, "changed": 0, "unchanged": n, "older": 0,
                                         "rejected": []}


def test_import_of_overlapping_files_is_idempotent(cli, api_files):
    overlapping = [f for f in api_files if f.parent.name == "dgg32__clinical-trials-public"]
    studies = [s for f in overlapping for s in json.loads(f.read_bytes())]
    unique = len({nct(s) for s in studies})
    first = json.loads(cli("import", "--json", *overlapping).stdout)
    assert (first["read"], first["added"], first["older"]) == (len(studies), unique, len(studies) - unique)
    again = json.loads(cli("import", "--json", *reversed(overlapping)).stdout)
    assert (again["added"], again["changed"], again["rejected"]) == (0, 0, [])
    assert again["unchanged"] + again["older"] == len(studies)


def test_import_reports_each_skipped_record_on_one_line(cli, tmp_path, small_file):
    _, studies = small_file
    bad = copy.deepcopy(studies[1])
    bad["protocolSection"]["statusModule"]["overallStatus"] = "OPEN"
    path = tmp_path / ("a-long-folder-name-" * 4) / "studies.jsonl"
    path.parent.mkdir()
    path.write_text("\n".join(json.dumps(s) for s in (studies[0], bad, studies[2])) + "\n{not json\n")
    result = cli("import", path)
    assert result.exit_code == 0
    assert "Read 4 records: 2 new" in result.stdout and "2 skipped" in result.stdout
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"skipped {nct(bad)} ({path}:2): ") and "overallStatus" in lines[0]
    assert lines[1].startswith(f"skipped ? ({path}:4): invalid JSON")
    assert len(lines) == 2

    report = json.loads(cli("import", "--json", path).stdout)
    assert [(r["record_id"], r["source"]) for r in report["rejected"]] == [(nct(bad), f"{path}:2"), ("?", f"{path}:4")]


NOT_REGISTRY = {
    "picture.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
    "trials.csv": b"nct_id,title\nNCT01234567,A study\n",
    "foo.json": b'{"foo": 1}',
    "empty.json": b"",
    "feed.xml": b"<?xml version='1.0'?><rss><channel/></rss>",
}


@pytest.mark.parametrize("name", sorted(NOT_REGISTRY))
def test_a_file_that_is_not_registry_data_gets_one_line_naming_it(cli, tmp_path, name):
    # A long path with brackets: the line must not wrap and the brackets must not be eaten as markup.
    folder = tmp_path / ("downloads-[bold]-" + "x" * 80)
    folder.mkdir()
    path = folder / name
    path.write_bytes(NOT_REGISTRY[name])
    result = cli("import", path)
    assert result.exit_code != 0
    line = one_line(result.stderr)
    assert line.startswith(f"error: {path}: not registry data (")
    assert result.stdout == ""


def test_a_missing_file(cli, tmp_path):
    result = cli("import", tmp_path / "nowhere.json")
    assert result.exit_code != 0
    assert str(tmp_path / "nowhere.json") in one_line(result.stderr)


def test_a_batch_the_database_refuses_is_one_clear_line(cli, tmp_path, small_file):
    path, studies = small_file
    store = TrialStore(cli.store_url)
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.execute(sa.text("CREATE TRIGGER refuse_all BEFORE INSERT ON trials BEGIN "
                                 "SELECT RAISE(ABORT, 'disk quota exceeded'); END"))
        else:
            conn.execute(sa.text("ALTER TABLE trials ADD CONSTRAINT disk_quota_exceeded CHECK (false) NOT VALID"))
    store.close()
    result = cli("import", path)
    assert result.exit_code != 0
    line = one_line(result.stderr)
    assert line.startswith("error: the database refused a batch (") and "disk" in line
    assert TrialStore(cli.store_url).count() == 0


# --- show and history ----------------------------------------------------------------------------


def test_show_prints_the_trial_and_its_json(cli, small_file):
    path, studies = small_file
    cli("import", path)
    study = max(studies, key=lambda s: len(s["protocolSection"].get("contactsLocationsModule", {})
                                            .get("locations", [])))
    ps = study["protocolSection"]
    result = cli("show", nct(study).lower())
    assert result.exit_code == 0, result.stderr
    assert nct(study) in result.stdout and "version 1" in result.stdout
    assert ps["sponsorCollaboratorsModule"]["leadSponsor"]["name"] in result.stdout

    result = cli("show", "--json", nct(study))
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    assert shown["nct_id"] == nct(study)
    assert shown["brief_title"] == ps["identificationModule"]["briefTitle"].strip()
    assert shown["overall_status"] == ps["statusModule"]["overallStatus"]
    assert len(shown["locations"]) == len(ps["contactsLocationsModule"]["locations"])
    assert [c for c in shown["conditions"]] == ps["conditionsModule"]["conditions"]
    assert shown["version"] == 1 and shown["first_seen"] == shown["last_changed"]
    assert "raw" not in shown


def test_show_prints_registry_text_as_written(cli, tmp_path, small_file):
    _, studies = small_file
    study = copy.deepcopy(studies[0])
    title = "Effect of [bold]X[/bold] vs [/] placebo <script>alert(1)</script>"
    study["protocolSection"]["identificationModule"]["briefTitle"] = title
    path = tmp_path / "one.json"
    path.write_text(json.dumps(study))
    assert cli("import", path).exit_code == 0
    result = cli("show", nct(study))
    assert result.exit_code == 0, result.stderr
    assert "".join(title.split()) in "".join(result.stdout.split())  # the table may wrap it, not change it


def test_history_lists_versions_with_their_diffs(cli, tmp_path, small_file):
    path, studies = small_file
    study = next(s for s in studies if s["protocolSection"]["statusModule"]["overallStatus"] != "COMPLETED")
    before = study["protocolSection"]["statusModule"]["overallStatus"]
    cli("import", path)
    changed = bumped(study, 7)
    changed["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    changed["protocolSection"]["contactsLocationsModule"] = {"locations": [
        *study["protocolSection"].get("contactsLocationsModule", {}).get("locations", []),
        {"facility": "Klinikum Nord", "city": "Hamburg", "country": "Germany", "status": "RECRUITING"}]}
    modified = tmp_path / "modified.json"
    modified.write_text(json.dumps([changed]))

    result = cli("import", modified)
    assert "1 changed" in result.stdout

    result = cli("history", "--json", nct(study))
    assert result.exit_code == 0, result.stderr
    versions = json.loads(result.stdout)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["changes"] == []
    assert {"field": "overall_status", "kind": "changed", "before": before, "after": "COMPLETED"} \
        in versions[1]["changes"]
    assert {"field": "site", "kind": "added", "after": "RECRUITING", "subject": "Klinikum Nord, Hamburg, Germany"} \
        in versions[1]["changes"]

    result = cli("history", nct(study))
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert f"{before} → COMPLETED" in flat and "Klinikum Nord" in flat and "first seen" in flat

    # Importing the modified copy again changes nothing.
    assert json.loads(cli("import", "--json", modified).stdout)["unchanged"] == 1
    assert len(json.loads(cli("history", "--json", nct(study)).stdout)) == 2


def test_history_of_a_change_outside_the_compared_fields_does_not_say_first_seen(cli, tmp_path, small_file):
    path, studies = small_file
    study = next(s for s in studies if s["protocolSection"].get("outcomesModule", {}).get("primaryOutcomes"))
    cli("import", path)
    changed = bumped(study, 3)
    changed["protocolSection"]["outcomesModule"]["primaryOutcomes"][0]["timeFrame"] = "12 weeks"
    modified = tmp_path / "modified.json"
    modified.write_text(json.dumps(changed))
    assert json.loads(cli("import", "--json", modified).stdout)["changed"] == 1
    rows = [line for line in cli("history", nct(study)).stdout.splitlines() if line.startswith("│")]
    assert len(rows) == 2 and "first seen" in rows[0] and "first seen" not in rows[1]


@pytest.mark.parametrize("command", ["show", "history"])
def test_an_unknown_id_is_a_clear_message_and_a_failure(cli, small_file, command):
    cli("import", small_file[0])
    for args in ([command, "NCT99999999"], [command, "--json", "NCT99999999"]):
        result = cli(*args)
        assert result.exit_code != 0
        line = one_line(result.stderr)
        assert "NCT99999999" in line and "no trial" in line
        assert result.stdout == ""


# --- the installed command -----------------------------------------------------------------------


def test_the_installed_command_fails_with_one_line(tmp_path):
    exe = Path(sys.executable).with_name("trialscout")
    if not exe.exists():
        pytest.skip(f"{exe} is not installed")
    bad = tmp_path / "trials.csv"
    bad.write_text("nct_id,title\n")
    env = {**os.environ, "TRIALSCOUT_HOME": str(tmp_path / "home"), "TRIALSCOUT_LOAD_DEMO": "false",
           "COLUMNS": "40"}
    env.pop("TRIALSCOUT_DATABASE_URL", None)
    done = subprocess.run([str(exe), "import", str(bad)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert one_line(done.stderr) == f"error: {bad}: not registry data (neither JSON nor XML)"
    done = subprocess.run([str(exe), "show", "NCT99999999"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2 and "NCT99999999" in one_line(done.stderr)
