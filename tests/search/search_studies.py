"""Build small registry-shaped records (API v2 study objects) for search tests."""

from __future__ import annotations

from typing import Any

from trialscout.trial import Trial, trial_from_ctgov


def site(city: str, country: str, state: str | None = None, status: str | None = None,
         lat: float | None = None, lon: float | None = None, facility: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"city": city, "country": country}
    if state:
        found["state"] = state
    if status:
        found["status"] = status
    if facility:
        found["facility"] = facility
    if lat is not None and lon is not None:
        found["geoPoint"] = {"lat": lat, "lon": lon}
    return found


def study(nct_id: str, title: str, *, conditions: tuple[str, ...] = (), status: str | None = "RECRUITING",
          sites: tuple[dict, ...] = (), min_age: str | None = None, max_age: str | None = None, sex: str = "ALL",
          phases: tuple[str, ...] = (), healthy: bool | None = None, interventions: tuple[tuple[str, str], ...] = (),
          study_type: str = "INTERVENTIONAL", first_posted: str | None = None, updated: str | None = None,
          summary: str | None = None, keywords: tuple[str, ...] = ()) -> dict[str, Any]:
    protocol: dict[str, Any] = {
        "identificationModule": {"nctId": nct_id, "briefTitle": title},
        "conditionsModule": {"conditions": list(conditions), "keywords": list(keywords)},
        "designModule": {"studyType": study_type, "phases": list(phases)},
        "eligibilityModule": {"sex": sex},
        "contactsLocationsModule": {"locations": list(sites)},
        "armsInterventionsModule": {"interventions": [{"type": t, "name": n} for t, n in interventions]},
    }
    status_module: dict[str, Any] = {}
    if status:
        status_module["overallStatus"] = status
    if first_posted:
        status_module["studyFirstPostDateStruct"] = {"date": first_posted, "type": "ACTUAL"}
    if updated:
        status_module["lastUpdatePostDateStruct"] = {"date": updated, "type": "ACTUAL"}
    protocol["statusModule"] = status_module
    if summary:
        protocol["descriptionModule"] = {"briefSummary": summary}
    eligibility = protocol["eligibilityModule"]
    if min_age:
        eligibility["minimumAge"] = min_age
    if max_age:
        eligibility["maximumAge"] = max_age
    if healthy is not None:
        eligibility["healthyVolunteers"] = healthy
    return {"protocolSection": protocol, "hasResults": False}


def trial(*args: Any, **kwargs: Any) -> Trial:
    return trial_from_ctgov(study(*args, **kwargs))


GUANGZHOU = (23.11667, 113.25)
SHENZHEN = (22.54554, 114.0683)  # about 105 km from Guangzhou
BEIJING = (39.9075, 116.39723)


def synthetic_trials() -> list[Trial]:
    """Trials that differ in one thing each, for filter and site tests."""
    return [
        # Sites listed far first; the nearest site to Guangzhou is completed, the next nearest recruits.
        trial("NCT90000001", "Stem cells for liver failure at three hospitals", conditions=("Liver Failure",),
              sites=(site("Beijing", "China", status="RECRUITING", lat=BEIJING[0], lon=BEIJING[1], facility="Far Hospital"),
                     site("Guangzhou", "China", "Guangdong", status="COMPLETED", lat=GUANGZHOU[0], lon=GUANGZHOU[1],
                          facility="Near But Closed Hospital"),
                     site("Shenzhen", "China", "Guangdong", status="RECRUITING", lat=SHENZHEN[0], lon=SHENZHEN[1],
                          facility="Open Hospital")),
              interventions=(("BIOLOGICAL", "Mesenchymal stem cells"),), min_age="18 Years", max_age="65 Years"),
        trial("NCT90000002", "Adults of any older age", conditions=("Asthma",), min_age="18 Years",
              sites=(site("Lyon", "France", lat=45.75, lon=4.85),)),
        trial("NCT90000003", "Children only", conditions=("Asthma",), max_age="17 Years", sex="FEMALE",
              sites=(site("Lyon", "France", lat=45.75, lon=4.85),), healthy=True),
        trial("NCT90000004", "Anyone at all", conditions=("Asthma",), sites=(site("Paris", "France"),),
              phases=("PHASE2",), first_posted="2020-05-01", updated="2024-01-15"),
        trial("NCT90000005", "Babies", conditions=("Asthma",), min_age="6 Months", max_age="2 Years", sex="MALE",
              healthy=False, phases=("PHASE3",), first_posted="2023-03", updated="2025-02-01"),
        trial("NCT90000006", "A finished asthma study", conditions=("Asthma",), status="COMPLETED",
              sites=(site("Springfield", "United States", "Illinois", status="COMPLETED"),)),
        trial("NCT90000007", "Status not given", conditions=("Asthma",), status=None,
              sites=(site("Springfield", "United States", "Illinois"),)),
    ]
