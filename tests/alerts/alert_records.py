"""Real ClinicalTrials.gov records for the alert tests, and changed copies of them."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path

GUANGZHOU = {"facility": "Third Affiliated Hospital of Sun Yat-sen University", "status": "RECRUITING",
             "city": "Guangzhou", "state": "Guangdong", "zip": "510630", "country": "China"}


def load_studies(shared_dir: Path) -> list[dict]:
    files = sorted((shared_dir / "data" / "ctgov_api_v2").glob("*/*.json"))
    return [s for path in files for s in json.loads(path.read_bytes())]


def nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def followable(studies: list[dict], count: int = 1) -> list[dict]:
    """Recruiting studies with a central contact e-mail and at least one site (chosen by those traits)."""
    found, seen = [], set()
    for study in studies:
        p = study["protocolSection"]
        contacts = p.get("contactsLocationsModule", {})
        if (p["statusModule"].get("overallStatus") == "RECRUITING" and nct(study) not in seen
                and any(c.get("email") for c in contacts.get("centralContacts", []))
                and contacts.get("locations") and p["statusModule"].get("lastUpdatePostDateStruct")
                and not any(s.get("city") == "Guangzhou" for s in contacts["locations"])):
            found.append(study)
            seen.add(nct(study))
        if len(found) == count:
            break
    assert len(found) == count, "the shared records no longer hold enough recruiting studies with contacts"
    return found


def changed(study: dict, status: str = "COMPLETED", new_site: dict | None = GUANGZHOU, days: int = 30) -> dict:
    """A later copy: a new status and a new site, posted ``days`` after the original."""
    study = copy.deepcopy(study)
    p = study["protocolSection"]
    p["statusModule"]["overallStatus"] = status
    struct = p["statusModule"]["lastUpdatePostDateStruct"]
    struct["date"] = (date.fromisoformat(struct["date"][:10]) + timedelta(days=days)).isoformat()
    if new_site:
        p["contactsLocationsModule"].setdefault("locations", []).append(dict(new_site))
    return study


def last_update(study: dict) -> str:
    return study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]


def write(path: Path, studies: list[dict]) -> Path:
    path.write_text(json.dumps(studies))
    return path
