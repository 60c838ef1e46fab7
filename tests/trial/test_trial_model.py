"""The one Trial model, checked field by field against the raw API v2 JSON of real records.

The expected values are read from the raw JSON here, independently of the mapping (plain
dict walking); for every field the test also checks that the real data exercises it, i.e.
that some records chosen by the property "has this part" exist and are compared.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trialscout.trial import AgeLimit, Trial, trial_from_ctgov


def get(node: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def txt(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def txts(values: Any) -> list[str]:
    return [v.strip() for v in values or [] if v.strip()]


def date(struct: Any) -> dict | None:
    if not get(struct, "date"):
        return None
    return {"date": struct["date"], "type": struct.get("type")}


def age(text: Any) -> dict | None:
    if not text:
        return None
    number, unit = text.split()
    unit = unit.lower()
    return {"value": float(number), "unit": unit if unit.endswith("s") else unit + "s"}


def contact(c: dict) -> dict:
    return {"name": txt(c.get("name")), "role": txt(c.get("role")), "phone": txt(c.get("phone")),
            "phone_ext": txt(c.get("phoneExt")), "email": txt(c.get("email")),
            "affiliation": txt(c.get("affiliation"))}


def meshes(module: Any, key: str) -> list[dict]:
    return [{"id": m.get("id"), "term": m["term"]} for m in get(module, key) or []]


def expected(study: dict) -> dict[str, Any]:
    """What a trial page must show, read straight from the raw record."""
    ps = study["protocolSection"]
    ident, status = ps["identificationModule"], ps.get("statusModule", {})
    sponsor = get(ps, "sponsorCollaboratorsModule") or {}
    design = ps.get("designModule", {})
    info = design.get("designInfo", {})
    masking = info.get("maskingInfo", {})
    arms = ps.get("armsInterventionsModule", {})
    elig = ps.get("eligibilityModule", {})
    outcomes = ps.get("outcomesModule", {})
    places = ps.get("contactsLocationsModule", {})
    cond = get(study, "derivedSection", "conditionBrowseModule")
    drug = get(study, "derivedSection", "interventionBrowseModule")
    enrollment = design.get("enrollmentInfo", {})
    return {
        "nct_id": ident["nctId"],
        "org_study_id": txt(get(ident, "orgStudyIdInfo", "id")),
        "secondary_ids": [s["id"].strip() for s in ident.get("secondaryIdInfos", []) if txt(s.get("id"))],
        "brief_title": txt(ident.get("briefTitle")),
        "official_title": txt(ident.get("officialTitle")),
        "acronym": txt(ident.get("acronym")),
        "overall_status": status.get("overallStatus"),
        "why_stopped": txt(status.get("whyStopped")),
        "start": date(status.get("startDateStruct")),
        "primary_completion": date(status.get("primaryCompletionDateStruct")),
        "completion": date(status.get("completionDateStruct")),
        "first_posted": date(status.get("studyFirstPostDateStruct")),
        "last_update_posted": date(status.get("lastUpdatePostDateStruct")),
        "phases": design.get("phases", []),
        "study_type": design.get("studyType"),
        "sponsor": txt(get(sponsor, "leadSponsor", "name")),
        "sponsor_class": get(sponsor, "leadSponsor", "class"),
        "collaborators": [c["name"].strip() for c in sponsor.get("collaborators", [])],
        "brief_summary": txt(get(ps, "descriptionModule", "briefSummary")),
        "detailed_description": txt(get(ps, "descriptionModule", "detailedDescription")),
        "conditions": txts(get(ps, "conditionsModule", "conditions")),
        "keywords": txts(get(ps, "conditionsModule", "keywords")),
        "condition_meshes": meshes(cond, "meshes"),
        "condition_ancestors": meshes(cond, "ancestors"),
        "intervention_meshes": meshes(drug, "meshes"),
        "intervention_ancestors": meshes(drug, "ancestors"),
        "interventions": [
            {"type": i.get("type"), "name": i["name"].strip(), "description": txt(i.get("description")),
             "other_names": txts(i.get("otherNames")), "arm_labels": txts(i.get("armGroupLabels"))}
            for i in arms.get("interventions", [])
        ],
        "arms": [
            {"label": a["label"].strip(), "type": a.get("type"), "description": txt(a.get("description")),
             "interventions": txts(a.get("interventionNames"))}
            for a in arms.get("armGroups", [])
        ],
        "design": {
            "primary_purpose": info.get("primaryPurpose"), "allocation": info.get("allocation"),
            "intervention_model": info.get("interventionModel"),
            "intervention_model_description": txt(info.get("interventionModelDescription")),
            "masking": masking.get("masking"), "who_masked": masking.get("whoMasked", []),
            "masking_description": txt(masking.get("maskingDescription")),
            "observational_model": info.get("observationalModel"), "time_perspective": info.get("timePerspective"),
        },
        "enrollment": {"count": enrollment["count"], "type": enrollment.get("type")} if "count" in enrollment else None,
        "eligibility": {
            "criteria": txt(elig.get("eligibilityCriteria")), "sex": elig.get("sex"),
            "gender_based": elig.get("genderBased"), "minimum_age": age(elig.get("minimumAge")),
            "maximum_age": age(elig.get("maximumAge")), "healthy_volunteers": elig.get("healthyVolunteers"),
            "std_ages": elig.get("stdAges", []), "study_population": txt(elig.get("studyPopulation")),
        },
        "outcomes": [
            {"kind": kind, "measure": o["measure"].strip(), "description": txt(o.get("description")),
             "time_frame": txt(o.get("timeFrame"))}
            for kind in ("primary", "secondary", "other")
            for o in outcomes.get(f"{kind}Outcomes", [])
        ],
        "central_contacts": [contact(c) for c in places.get("centralContacts", [])],
        "officials": [contact(c) for c in places.get("overallOfficials", [])],
        "locations": [
            {"facility": txt(s.get("facility")), "city": txt(s.get("city")), "state": txt(s.get("state")),
             "zip": txt(s.get("zip")), "country": txt(s.get("country")), "status": s.get("status"),
             "lat": get(s, "geoPoint", "lat"), "lon": get(s, "geoPoint", "lon"),
             "contacts": [contact(c) for c in s.get("contacts", [])]}
            for s in places.get("locations", [])
        ],
        "references": [
            {"pmid": r.get("pmid"), "type": r.get("type"), "citation": txt(r.get("citation"))}
            for r in get(ps, "referencesModule", "references") or []
        ],
        "has_results": bool(study.get("hasResults")),
    }


#: Every field of the model that a trial page shows.
FIELDS = [
    "nct_id", "org_study_id", "secondary_ids", "brief_title", "official_title", "acronym", "overall_status",
    "why_stopped", "start", "primary_completion", "completion", "first_posted", "last_update_posted", "phases",
    "study_type", "sponsor", "sponsor_class", "collaborators", "brief_summary", "detailed_description",
    "conditions", "keywords", "condition_meshes", "condition_ancestors", "intervention_meshes",
    "intervention_ancestors", "interventions", "arms", "design", "enrollment", "eligibility", "outcomes",
    "central_contacts", "officials", "locations", "references", "has_results",
]

#: Parts of a trial page, each with the records (by property) that must exercise it.
PROPERTIES = {
    "secondary ids": lambda t: t.secondary_ids,
    "acronym": lambda t: t.acronym,
    "why stopped": lambda t: t.why_stopped and t.overall_status in {"TERMINATED", "WITHDRAWN", "SUSPENDED"},
    "estimated and actual dates": lambda t: t.completion and t.completion.estimated,
    "month-only date": lambda t: t.start and len(t.start.date) == 7,
    "several phases": lambda t: len(t.phases) > 1,
    "collaborators": lambda t: t.collaborators,
    "funder type": lambda t: t.sponsor_class == "INDUSTRY",
    "MeSH terms and ancestors": lambda t: t.condition_meshes and t.condition_ancestors,
    "intervention MeSH": lambda t: t.intervention_meshes and t.intervention_ancestors,
    "intervention other names": lambda t: any(i.other_names for i in t.interventions),
    "intervention arm links": lambda t: any(i.arm_labels for i in t.interventions),
    "arms with interventions": lambda t: any(a.interventions and a.type for a in t.arms),
    "who masked": lambda t: t.design.who_masked,
    "allocation and model": lambda t: t.design.allocation and t.design.intervention_model,
    "observational design": lambda t: t.study_type == "OBSERVATIONAL" and t.design.observational_model,
    "estimated enrolment": lambda t: t.enrollment and t.enrollment.estimated,
    "actual enrolment": lambda t: t.enrollment and t.enrollment.type == "ACTUAL",
    "age in months": lambda t: t.eligibility.minimum_age and t.eligibility.minimum_age.unit == "months",
    "no maximum age": lambda t: t.eligibility.minimum_age and t.eligibility.maximum_age is None,
    "healthy volunteers": lambda t: t.eligibility.healthy_volunteers is True,
    "age groups": lambda t: t.eligibility.std_ages,
    "secondary outcomes": lambda t: any(o.kind == "secondary" for o in t.outcomes),
    "central contacts": lambda t: any(c.email and c.phone for c in t.central_contacts),
    "site coordinates": lambda t: any(s.lat is not None and s.lon is not None for s in t.locations),
    "site status": lambda t: any(s.status for s in t.locations),
    "site contacts": lambda t: any(s.contacts for s in t.locations),
    "site state and zip": lambda t: any(s.state and s.zip for s in t.locations),
    "references with PMID": lambda t: any(r.pmid for r in t.references),
    "results": lambda t: t.has_results,
}


@pytest.fixture(scope="module")
def mapped(real_records) -> list[tuple[dict, Trial]]:
    return [(study, trial_from_ctgov(study)) for _, study in real_records]


def test_every_real_record_maps_and_keeps_its_raw_record(real_records, mapped):
    assert len(mapped) == 806
    assert len({t.nct_id for _, t in mapped}) == 796
    for study, trial in mapped:
        assert trial.raw == study
        assert trial.source_format == "ctgov-api-v2"


def test_the_model_has_exactly_the_fields_a_trial_page_shows():
    shown = set(FIELDS) | {"source_format", "source_note", "raw"}
    assert set(Trial.model_fields) == shown


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_field_matches_the_raw_json(mapped, field):
    compared = 0
    for study, trial in mapped:
        want = expected(study)[field]
        got = trial.model_dump()[field]
        assert got == want, f"{trial.nct_id}.{field}"
        compared += bool(want)
    assert compared, f"no real record has {field}: the check proves nothing"


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_real_records_exercise_each_part_of_the_page(mapped, name):
    chosen = [t for _, t in mapped if PROPERTIES[name](t)]
    assert chosen, f"no real record has {name}"


def test_ages_are_numbers_with_units(mapped):
    months = next(t for _, t in mapped if t.eligibility.minimum_age and t.eligibility.minimum_age.unit == "months")
    raw = months.raw["protocolSection"]["eligibilityModule"]["minimumAge"]
    number = float(raw.split()[0])
    assert months.eligibility.minimum_age == AgeLimit(value=number, unit="months")
    assert months.eligibility.minimum_age.years == pytest.approx(number / 12)
    adult = next(t for _, t in mapped if t.raw["protocolSection"]["eligibilityModule"].get("minimumAge") == "18 Years")
    assert adult.eligibility.minimum_age.years == 18
    assert str(adult.eligibility.minimum_age) == "18 years"


def test_site_status_differs_from_overall_status_when_the_registry_says_so(mapped):
    # A trial recruiting overall whose sites are in several states: each site keeps its own.
    trial = next(t for _, t in mapped if len({s.status for s in t.locations if s.status}) > 1)
    raw_sites = trial.raw["protocolSection"]["contactsLocationsModule"]["locations"]
    assert [s.status for s in trial.locations] == [s.get("status") for s in raw_sites]


MODULES = [
    "statusModule", "sponsorCollaboratorsModule", "descriptionModule", "conditionsModule", "designModule",
    "armsInterventionsModule", "outcomesModule", "eligibilityModule", "contactsLocationsModule", "referencesModule",
]


@pytest.mark.parametrize("module", MODULES)
def test_a_missing_module_is_none_or_empty_not_an_error(real_records, module):
    original = next(s for _, s in real_records if module in s["protocolSection"])
    study = copy.deepcopy(original)
    del study["protocolSection"][module]
    study.pop("derivedSection", None)
    trial = trial_from_ctgov(study)
    assert trial.raw == study
    assert trial.model_dump(include=set(FIELDS)) == expected(study)
    emptied = [f for f in FIELDS if expected(original)[f] and not getattr(trial, f)]
    assert emptied, f"removing {module} emptied no field"


def test_a_record_with_only_an_id_is_a_trial_of_nones():
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}}
    trial = trial_from_ctgov(study)
    dumped = trial.model_dump(exclude={"raw", "design", "eligibility"})
    assert dumped.pop("nct_id") == "NCT01234567"
    assert dumped.pop("has_results") is False
    assert dumped.pop("source_format") == "ctgov-api-v2"
    assert all(v in (None, []) for v in dumped.values()), dumped
    assert all(v in (None, []) for v in trial.design.model_dump().values())
    assert all(v in (None, []) for v in trial.eligibility.model_dump().values())
    assert trial.title == "Untitled study"
    assert trial.registry_url == "https://clinicaltrials.gov/study/NCT01234567"


def test_an_untitled_record_is_named_by_its_conditions():
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"},
                                 "conditionsModule": {"conditions": ["Sepsis", "Septic Shock"]}}}
    assert trial_from_ctgov(study).title == "Untitled study: Sepsis, Septic Shock"


def test_text_is_kept_as_written_including_markup(real_records):
    study = copy.deepcopy(real_records[0][1])
    html = '<script>alert("x")</script> <b>bold</b> &amp; [red]not markup[/]'
    study["protocolSection"]["identificationModule"]["briefTitle"] = html
    study["protocolSection"]["descriptionModule"]["briefSummary"] = html
    trial = trial_from_ctgov(study)
    assert trial.brief_title == html and trial.brief_summary == html
