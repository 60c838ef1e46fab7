"""Nothing a person enters is kept: not in the database, not in logs, not in URLs, not in caches."""

from __future__ import annotations

import json
import logging

from check_profiles import ACLF_NOTE, aclf_bundle

MARKER = "Zorblax-4417-Quintessa"  # a word no record, rule or vocabulary contains


def test_the_profile_leaves_no_trace(client, post_check, check_cli, demo_home, tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    note = f"{ACLF_NOTE} Patient name {MARKER}, lives at {MARKER} street."
    bundle = aclf_bundle()
    bundle["entry"][1]["resource"]["code"]["text"] = f"Acute-on-chronic liver failure ({MARKER})"
    bundle["entry"][0]["resource"]["name"] = [{"family": MARKER}]

    # web: a good note, a record, a broken record, a refused language; API: the same; CLI: a note
    assert post_check("TSLOCAL-0002", {"note": note}).status_code == 200
    upload = {"fhir_file": (f"{MARKER}.json", json.dumps(bundle).encode(), "application/json")}
    assert post_check("TSLOCAL-0002", {"age": "52"}, files=upload).status_code == 200
    assert post_check("TSLOCAL-0002", {"fhir_text": "{" + MARKER}).status_code == 422
    assert post_check("TSLOCAL-0002", {"note": f"患者 {MARKER} 男性"}).status_code == 422
    for body in ({"note": note}, {"fhir": bundle}, {"profile": {"age": 52, "conditions": [MARKER]}},
                 {"profile": {"labs": [{"name": MARKER, "value": 1}]}}, {"fhir": {"resourceType": MARKER}}):
        response = client.post("/api/v1/trials/TSLOCAL-0002/check", json=body)
        assert response.status_code in {200, 422}, response.text
    letter = tmp_path / "letter.txt"
    letter.write_text(note)
    assert check_cli("check", "TSLOCAL-0002", "--profile", letter).exit_code == 0

    stored = [path for path in demo_home.rglob("*") if path.is_file()]
    assert any(path.name.endswith(".db") for path in stored)
    for path in stored:  # the SQLite file, its journal/WAL, the search index, anything else
        assert MARKER.encode() not in path.read_bytes(), path
        assert MARKER.encode("utf-16-le") not in path.read_bytes(), path
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert MARKER not in logged
    captured = capfd.readouterr()
    assert MARKER not in captured.err


def test_the_answer_page_is_not_cached_and_the_form_posts(post_check, client):
    response = post_check("NCT06882811", {"age": "70"})
    assert response.headers["cache-control"] == "no-store"
    assert "70" not in str(response.url)
    form = client.get("/trials/NCT06882811/check")
    assert 'method="post"' in form.text and 'method="get"' not in form.text.split("<main")[1]


def test_a_fault_in_the_engine_is_logged_without_what_was_typed(client, post_check, caplog, monkeypatch):
    from trialscout.eligibility import service

    def broken(text, today=None):
        raise ValueError(f"cannot read {text}")

    monkeypatch.setattr(service, "profile_from_note", broken)
    caplog.set_level(logging.DEBUG)
    response = post_check("TSLOCAL-0002", {"note": f"A note about {MARKER}."})
    assert response.status_code == 500 and "fault in trialscout" in response.text
    response = client.post("/api/v1/trials/TSLOCAL-0002/check", json={"note": f"A note about {MARKER}."})
    assert response.status_code == 500 and "nothing you entered was kept" in response.json()["detail"]
    assert "eligibility check fault in profile: ValueError" in caplog.text
    assert MARKER not in caplog.text + " ".join(str(r.args) + str(r.exc_info) for r in caplog.records)
