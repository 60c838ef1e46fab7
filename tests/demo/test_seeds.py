"""The demo seed records are hand transcriptions of five patient-facing trial
pages (/work/shared/seeds/*.txt) into ClinicalTrials.gov API v2 study objects.

These tests check that each record is a single, well-formed v2 study and that
every value in it is supported by the seed page it came from: free text must
appear verbatim in the page, enum values must match the words the page shows,
and no field may appear that the test does not know how to verify.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import pytest

HERE = Path(__file__).resolve()
SEED_JSON_DIR = HERE.parents[2] / "src" / "trialscout" / "demo" / "seeds"

NCT_RE = re.compile(r"^NCT\d{8}$")
LOCAL_RE = re.compile(r"^TSLOCAL-\d{4,}$")
AGE_RE = re.compile(r"^(\d+) (Years|Months|Weeks|Days|Hours|Minutes)$")
DATE_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")

# v2 module names and top-level keys (ClinicalTrials.gov API v2 data model)
V2_MODULES = {
    "identificationModule", "statusModule", "sponsorCollaboratorsModule",
    "oversightModule", "descriptionModule", "conditionsModule", "designModule",
    "armsInterventionsModule", "outcomesModule", "eligibilityModule",
    "contactsLocationsModule", "referencesModule", "ipdSharingStatementModule",
}
TOP_KEYS = {"protocolSection", "hasResults", "trialscoutSource"}

# enum value -> a regex of the words a seed page uses for it
STATUS_WORDS = {
    "RECRUITING": r"\bRecruiting\b|\bEnrolling\b(?! by invitation)",
    "ENROLLING_BY_INVITATION": r"ENROLLING_BY_INVITATION|Enrolling by invitation",
    "NOT_YET_RECRUITING": r"NOT_YET_RECRUITING|Not yet (?:recruiting|enrolling)",
    "ACTIVE_NOT_RECRUITING": r"ACTIVE_NOT_RECRUITING|Active, not recruiting",
    "COMPLETED": r"\bCompleted\b|\bCOMPLETED\b",
}
PHASE_WORDS = {
    "EARLY_PHASE1": r"Early Phase 1", "PHASE1": r"(?<!Early )Phase 1\b",
    "PHASE2": r"Phase 2", "PHASE3": r"Phase 3", "PHASE4": r"Phase 4",
    "NA": r"Not Applicable|N/A",
}
STUDY_TYPE_WORDS = {"INTERVENTIONAL": r"Interventional", "OBSERVATIONAL": r"Observational"}
DESIGN_WORDS = {
    "allocation": {"RANDOMIZED": r"Allocation\s+Randomized", "NON_RANDOMIZED": r"Allocation\s+Non-Randomized",
                   "NA": r"Allocation\s+N/A"},
    "interventionModel": {"SINGLE_GROUP": r"Single Group Assignment", "PARALLEL": r"Parallel Assignment",
                          "CROSSOVER": r"Crossover Assignment", "FACTORIAL": r"Factorial Assignment",
                          "SEQUENTIAL": r"Sequential Assignment"},
    "primaryPurpose": {"TREATMENT": r"Primary purpose\s+Treatment", "PREVENTION": r"Primary purpose\s+Prevention",
                       "SUPPORTIVE_CARE": r"Primary purpose\s+Supportive Care",
                       "DIAGNOSTIC": r"Primary purpose\s+Diagnostic", "OTHER": r"Primary purpose\s+Other"},
    "masking": {"NONE": r"Masking\s+None", "SINGLE": r"Masking\s+Single", "DOUBLE": r"Masking\s+Double",
                "TRIPLE": r"Masking\s+Triple", "QUADRUPLE": r"Masking\s+Quadruple"},
}
SPONSOR_CLASS_WORDS = {"INDUSTRY": r"Funder types\s+Industry", "OTHER": r"Funder types\s+Other",
                       "NIH": r"Funder types\s+NIH", "FED": r"Funder types\s+(?:FED|U\.S\. Fed)"}
SEX_WORDS = {"ALL": r"(?:Sex|Gender)\s+(?:All|ALL)\b", "FEMALE": r"(?:Sex|Gender)\s+(?:Female|FEMALE)\b",
             "MALE": r"(?:Sex|Gender)\s+(?:Male|MALE)\b"}
INTERVENTION_TYPE_LABELS = {"DRUG": "Drug", "BIOLOGICAL": "Biological", "OTHER": "Other", "DEVICE": "Device",
                            "PROCEDURE": "Procedure", "BEHAVIORAL": "Behavioral", "DIETARY_SUPPLEMENT":
                            "Dietary Supplement", "RADIATION": "Radiation", "GENETIC": "Genetic"}
ARM_TYPE_WORDS = {"EXPERIMENTAL": "Experimental group", "SHAM_COMPARATOR": "Sham Comparator group",
                  "PLACEBO_COMPARATOR": "Placebo Comparator group", "ACTIVE_COMPARATOR": "Active Comparator group",
                  "NO_INTERVENTION": "No Intervention group", "OTHER": "Other group"}

MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^|~])")


def _seed_dir() -> Path | None:
    default = HERE.parents[3] / "shared" / "seeds"
    if default.is_dir():
        return default
    env = os.environ.get("TRIALSCOUT_SHARED")
    if env:
        for cand in (Path(env) / "seeds", Path(env)):
            if cand.is_dir() and any(cand.glob("*.txt")):
                return cand
    return None


SEED_DIR = _seed_dir()


def _records() -> list[tuple[Path, dict]]:
    out = []
    for p in sorted(SEED_JSON_DIR.glob("*.json")):
        out.append((p, json.loads(p.read_text(encoding="utf-8"))))
    return out


RECORDS = _records()
IDS = [p.stem for p, _ in RECORDS]


def _seed_text(rec: dict) -> str:
    if SEED_DIR is None:
        pytest.skip("seed pages not found (expected ../shared/seeds or $TRIALSCOUT_SHARED/seeds)")
    path = SEED_DIR / rec["trialscoutSource"]["seed"]
    assert path.is_file(), f"seed page {path} is missing"
    return path.read_text(encoding="utf-8")


def _unescape(s: str) -> str:
    return MD_ESCAPE.sub(r"\1", s)


def _in_seed(value: str, seed: str) -> bool:
    return value in seed or _unescape(value) in seed


def _leaves(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _leaves(v, f"{path}[]")
    else:
        yield path, obj


# ---------------------------------------------------------------- shape


def test_there_are_five_seed_records():
    assert len(RECORDS) == 5, IDS


@pytest.mark.parametrize("path", [p for p, _ in RECORDS], ids=IDS)
def test_single_study_object(path: Path):
    rec = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(rec, dict), "one study object per file, not a list"
    assert "studies" not in rec
    assert set(rec) <= TOP_KEYS, set(rec) - TOP_KEYS
    assert set(rec["protocolSection"]) <= V2_MODULES, set(rec["protocolSection"]) - V2_MODULES
    assert rec["hasResults"] is False
    for name, module in rec["protocolSection"].items():
        assert isinstance(module, dict) and module, f"{name} must be a non-empty object when present"


def test_ids_unique_and_match_file_names():
    ids = [rec["protocolSection"]["identificationModule"]["nctId"] for _, rec in RECORDS]
    assert len(ids) == len(set(ids)), ids
    for path, rec in RECORDS:
        assert path.stem == rec["protocolSection"]["identificationModule"]["nctId"]


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_id_format(path, rec):
    nct = rec["protocolSection"]["identificationModule"]["nctId"]
    if NCT_RE.match(nct):
        return
    assert LOCAL_RE.match(nct), f"{nct} is neither NCT + 8 digits nor a TSLOCAL- id"
    assert rec["trialscoutSource"]["format"] == "seed-transcription"


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_provenance(path, rec):
    src = rec["trialscoutSource"]
    assert src["format"] == "seed-transcription"
    assert src["site"] in {"curemydisease.com", "ClinConnect", "ClinicalTrials.Veeva"}
    assert re.match(r"^\d{3}_[0-9a-f]+\.txt$", src["seed"])
    assert src["note"].startswith("Transcribed by hand from the seed page; only what the page states;")
    seed = _seed_text(rec)
    assert src["site"].lower() in seed.lower()


def test_each_seed_page_used_once():
    seeds = [rec["trialscoutSource"]["seed"] for _, rec in RECORDS]
    assert len(seeds) == len(set(seeds))
    if SEED_DIR is not None:
        assert sorted(seeds) == sorted(p.name for p in SEED_DIR.glob("*.txt"))


def _real_v2_paths() -> set[str] | None:
    roots = [HERE.parents[3] / "shared" / "data" / "ctgov_api_v2"]
    env = os.environ.get("TRIALSCOUT_SHARED")
    if env:
        roots.append(Path(env) / "data" / "ctgov_api_v2")
    for root in roots:
        files = sorted(root.glob("*/ctg-studies*.json")) if root.is_dir() else []
        if files:
            paths: set[str] = set()
            for f in files:
                for study in json.loads(f.read_text(encoding="utf-8")):
                    paths.update(p for p, _ in _leaves(study))
            return paths
    return None


REAL_PATHS = _real_v2_paths()


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_key_names_exist_in_real_v2_records(path, rec):
    if REAL_PATHS is None:
        pytest.skip("no real API v2 records to compare key names with")
    for leaf, _ in _leaves({k: v for k, v in rec.items() if k != "trialscoutSource"}):
        assert leaf in REAL_PATHS, f"{leaf} is not a key path used by real API v2 records"


# ---------------------------------------------------------------- every value is on the page

# leaf paths the test knows how to verify (anything else fails: add a check first)
HANDLED = {
    "protocolSection.identificationModule.nctId",
    "protocolSection.identificationModule.orgStudyIdInfo.id",
    "protocolSection.identificationModule.secondaryIdInfos[].id",
    "protocolSection.identificationModule.briefTitle",
    "protocolSection.identificationModule.officialTitle",
    "protocolSection.statusModule.overallStatus",
    "protocolSection.statusModule.startDateStruct.date",
    "protocolSection.sponsorCollaboratorsModule.leadSponsor.name",
    "protocolSection.sponsorCollaboratorsModule.leadSponsor.class",
    "protocolSection.descriptionModule.briefSummary",
    "protocolSection.conditionsModule.conditions[]",
    "protocolSection.designModule.studyType",
    "protocolSection.designModule.phases[]",
    "protocolSection.designModule.designInfo.allocation",
    "protocolSection.designModule.designInfo.interventionModel",
    "protocolSection.designModule.designInfo.primaryPurpose",
    "protocolSection.designModule.designInfo.maskingInfo.masking",
    "protocolSection.designModule.enrollmentInfo.count",
    "protocolSection.designModule.enrollmentInfo.type",
    "protocolSection.armsInterventionsModule.armGroups[].label",
    "protocolSection.armsInterventionsModule.armGroups[].type",
    "protocolSection.armsInterventionsModule.armGroups[].description",
    "protocolSection.armsInterventionsModule.armGroups[].interventionNames[]",
    "protocolSection.armsInterventionsModule.interventions[].type",
    "protocolSection.armsInterventionsModule.interventions[].name",
    "protocolSection.armsInterventionsModule.interventions[].description",
    "protocolSection.armsInterventionsModule.interventions[].armGroupLabels[]",
    "protocolSection.eligibilityModule.eligibilityCriteria",
    "protocolSection.eligibilityModule.sex",
    "protocolSection.eligibilityModule.minimumAge",
    "protocolSection.eligibilityModule.maximumAge",
    "protocolSection.eligibilityModule.healthyVolunteers",
    "protocolSection.contactsLocationsModule.centralContacts[].name",
    "protocolSection.contactsLocationsModule.centralContacts[].role",
    "protocolSection.contactsLocationsModule.locations[].facility",
    "protocolSection.contactsLocationsModule.locations[].city",
    "protocolSection.contactsLocationsModule.locations[].state",
    "protocolSection.contactsLocationsModule.locations[].zip",
    "protocolSection.contactsLocationsModule.locations[].country",
    "hasResults",
}


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_no_unverified_fields(path, rec):
    body = {k: v for k, v in rec.items() if k != "trialscoutSource"}
    unknown = {p for p, _ in _leaves(body)} - HANDLED - set(_site_text_paths(rec))
    assert not unknown, f"fields the test cannot verify against the seed page: {sorted(unknown)}"


def _site_text_paths(rec: dict) -> dict[str, str]:
    """Fields transcribed from the page's own summary, each with the page sentence behind it."""
    return rec["trialscoutSource"].get("fromSiteText", {})


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_fields_from_site_text_are_quoted_from_the_page(path, rec):
    seed = _seed_text(rec)
    body = {k: v for k, v in rec.items() if k != "trialscoutSource"}
    for field_path, quote in _site_text_paths(rec).items():
        assert quote in seed, f"{field_path}: the quoted sentence is not on the page"
        values = [v for p, v in _leaves(body) if p == field_path]
        assert values, f"{field_path}: quoted but absent from the record"
        for value in values:
            if field_path.endswith((".type", ".studyType")):
                continue  # inferred from the quote (cells given to people), not copied
            if field_path.endswith("phases[]"):
                assert re.search(PHASE_WORDS[value], quote), (field_path, value)
                continue
            assert str(value).lower() in quote.lower(), (field_path, value)


def _check(pattern: str, seed: str, what: str):
    assert re.search(pattern, seed), f"{what}: page shows no /{pattern}/"


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_identification_and_status_on_page(path, rec):
    seed = _seed_text(rec)
    site = rec["trialscoutSource"]["site"]
    ps = rec["protocolSection"]
    ident = ps["identificationModule"]
    if NCT_RE.match(ident["nctId"]):
        assert ident["nctId"] in seed
    else:
        assert not re.search(r"NCT\d{8}", seed), "seed states an NCT id but the record uses a local id"
    if "orgStudyIdInfo" in ident:
        assert ident["orgStudyIdInfo"]["id"] in seed
    for sec in ident.get("secondaryIdInfos", []):
        assert sec["id"] in seed
    for key in ("briefTitle", "officialTitle"):
        if key in ident:
            assert ident[key] in seed, key
    if site == "curemydisease.com":
        # the headline is the site's writing, not a registry title
        assert "briefTitle" not in ident and "officialTitle" not in ident
    status = ps.get("statusModule", {})
    if "overallStatus" in status:
        _check(STATUS_WORDS[status["overallStatus"]], seed, "overallStatus")
    sponsor = ps.get("sponsorCollaboratorsModule", {}).get("leadSponsor", {})
    if "name" in sponsor:
        assert sponsor["name"] in seed
    if "class" in sponsor:
        _check(SPONSOR_CLASS_WORDS[sponsor["class"]], seed, "leadSponsor.class")


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_dates_are_registry_dates_on_page(path, rec):
    seed = _seed_text(rec)
    for leaf, value in _leaves(rec.get("protocolSection", {})):
        if not (leaf.endswith("Date") or leaf.endswith("DateStruct.date")):
            continue
        m = DATE_RE.match(value)
        assert m, f"{leaf}={value!r} is not a v2 date"
        y, mo, d = int(m[1]), int(m[2]), m[3] and int(m[3])
        if d:
            dt = date(y, mo, d)
            shown = [f"{dt:%b} {d}, {y}", f"{dt:%B} {d}, {y}"]
        else:
            shown = [f"{date(y, mo, 1):%b} {y}", f"{date(y, mo, 1):%B} {y}"]
        assert any(s in seed for s in shown), f"{leaf}={value} not shown on the page"
        # the site's own 'First seen' / 'Last updated' / 'Current as of' dates are not registry dates
        for m2 in re.finditer(r"(?:First seen|Last updated|Current as of)\s+([A-Z][a-z]+ \d{1,2}, \d{4})", seed):
            assert m2[1] not in shown, f"{leaf} uses the site's own date {m2[1]}"


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_summary_is_registry_text(path, rec):
    seed = _seed_text(rec)
    desc = rec["protocolSection"].get("descriptionModule", {})
    if rec["trialscoutSource"]["site"] != "ClinicalTrials.Veeva":
        # curemydisease / ClinConnect summaries are the site's writing
        assert "briefSummary" not in desc
    if "briefSummary" in desc:
        assert _in_seed(desc["briefSummary"], seed)
        # Veeva shows the registry's brief summary under "About"
        about = seed.split("\nAbout\n", 1)[1]
        assert about.lstrip().startswith(desc["briefSummary"][:60])


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_conditions_on_page(path, rec):
    seed = _seed_text(rec)
    for cond in rec["protocolSection"].get("conditionsModule", {}).get("conditions", []):
        assert cond in seed, cond


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_design_on_page(path, rec):
    seed = _seed_text(rec)
    if _site_text_paths(rec):
        pytest.skip("design fields come from the page's own text: checked by the quote test")
    design = rec["protocolSection"].get("designModule", {})
    if "studyType" in design:
        _check(STUDY_TYPE_WORDS[design["studyType"]], seed, "studyType")
    if design.get("phases"):
        # only a registry phase shown in the page's status-and-phase area counts
        # (a phase named in the site's own summary does not)
        area = re.search(r"^Status and phase\n\s*((?:.+\n?){1,3})", seed, re.M)
        assert area, "phases set but the page has no status-and-phase area"
        for ph in design["phases"]:
            _check(PHASE_WORDS[ph], area[1], "phase")
    info = design.get("designInfo", {})
    for key in ("allocation", "interventionModel", "primaryPurpose"):
        if key in info:
            _check(DESIGN_WORDS[key][info[key]], seed, key)
    if "maskingInfo" in info:
        _check(DESIGN_WORDS["masking"][info["maskingInfo"]["masking"]], seed, "masking")
    if "enrollmentInfo" in design:
        e = design["enrollmentInfo"]
        assert isinstance(e["count"], int)
        assert f"{e['count']} {e['type'].lower()}" in seed.lower()


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_arms_and_interventions_on_page(path, rec):
    seed = _seed_text(rec)
    if _site_text_paths(rec):
        pytest.skip("treatments come from the page's own text: checked by the quote test")
    arms_mod = rec["protocolSection"].get("armsInterventionsModule", {})
    arms = arms_mod.get("armGroups", [])
    interventions = arms_mod.get("interventions", [])
    labels = [a["label"] for a in arms]
    assert len(labels) == len(set(labels))
    names = set()
    for iv in interventions:
        full = f"{INTERVENTION_TYPE_LABELS[iv['type']]}: {iv['name']}"
        assert full in seed, full
        names.add(full)
        if "description" in iv:
            assert _in_seed(iv["description"], seed)
        for lbl in iv.get("armGroupLabels", []):
            assert lbl in labels, lbl
            arm = next(a for a in arms if a["label"] == lbl)
            assert full in arm["interventionNames"], (lbl, full)
    for arm in arms:
        assert arm["label"] in seed, arm["label"]
        # the arm's label is a line of its own, followed on the page by its type
        assert re.search(rf"^{re.escape(arm['label'])}\n{re.escape(ARM_TYPE_WORDS[arm['type']])}$",
                         seed, re.M), arm["label"]
        if "description" in arm:
            assert _in_seed(arm["description"], seed)
        for n in arm.get("interventionNames", []):
            assert n in seed and n in names, n
            iv = next(i for i in interventions if f"{INTERVENTION_TYPE_LABELS[i['type']]}: {i['name']}" == n)
            assert arm["label"] in iv["armGroupLabels"]
    if arms:
        m = re.search(r"(\d+) participants in (\d+) patient groups?", seed)
        if m:
            assert int(m[2]) == len(arms)


def _record_criteria(text: str) -> tuple[list[str], list[str]]:
    assert text.startswith("Inclusion Criteria:\n\n"), "criteria start with 'Inclusion Criteria:' and a blank line"
    inc, sep, exc = text.partition("\n\nExclusion Criteria:\n\n")
    assert sep, "criteria have an 'Exclusion Criteria:' section"

    def items(block: str) -> list[str]:
        out = []
        for line in block.splitlines():
            if not line.strip() or line.strip() == "Inclusion Criteria:":
                continue
            m = re.match(r"^(\* |\d+\. |  \d+\. )(.+)$", line)
            assert m, f"criterion line not in registry markdown form: {line!r}"
            out.append(m[2])
        return out

    return items(inc), items(exc)


ITEM_RE = re.compile(r"^\s*(?:-\s*)?(?:•\s*)?(?:\d+\.\s+)?(.+?)\s*$")


def _seed_criteria(seed: str) -> tuple[list[str], list[str]] | None:
    lines = seed.splitlines()

    def is_item(line: str) -> bool:
        s = line.strip()
        return s.startswith("•") or s.startswith("- •") or bool(re.match(r"^\d+\.\s", s))

    def section(header: str) -> list[str] | None:
        idx = next((i for i, ln in enumerate(lines)
                    if re.match(rf"^\s*(?:-\s*)?{header} criteria:?\s*$", ln, re.I)), None)
        if idx is None:
            return None
        out = []
        for ln in lines[idx + 1:]:
            if not ln.strip():
                continue
            if not is_item(ln):
                break
            out.append(ITEM_RE.match(ln)[1])
        return out

    inc, exc = section("Inclusion"), section("Exclusion")
    if inc is None and exc is None:
        return None
    return inc or [], exc or []


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_eligibility_criteria_match_page(path, rec):
    seed = _seed_text(rec)
    elig = rec["protocolSection"].get("eligibilityModule", {})
    on_page = _seed_criteria(seed)
    if "eligibilityCriteria" not in elig:
        assert on_page is None, "the page lists criteria that the record leaves out"
        return
    assert on_page is not None, "the record has criteria but the page shows none"
    inc, exc = _record_criteria(elig["eligibilityCriteria"])
    for item in inc + exc:
        assert _in_seed(item, seed), item
    # complete and in the page's order (markdown escapes compared unescaped)
    assert [_unescape(x) for x in inc] == [_unescape(x) for x in on_page[0]]
    assert [_unescape(x) for x in exc] == [_unescape(x) for x in on_page[1]]


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_eligibility_fields_on_page(path, rec):
    seed = _seed_text(rec)
    elig = rec["protocolSection"].get("eligibilityModule", {})
    if "sex" in elig:
        _check(SEX_WORDS[elig["sex"]], seed, "sex")
    for key in ("minimumAge", "maximumAge"):
        if key in elig:
            m = AGE_RE.match(elig[key])
            assert m, elig[key]
            ages = re.search(r"\nAges\s+(.+)\n", seed)
            assert ages, f"{key} set but the page shows no age range"
            assert re.search(rf"\b{m[1]}\b", ages[1]), (key, ages[1])
    if "minimumAge" in elig and "maximumAge" in elig:
        lo, hi = int(AGE_RE.match(elig["minimumAge"])[1]), int(AGE_RE.match(elig["maximumAge"])[1])
        assert lo <= hi
    if "healthyVolunteers" in elig:
        word = "Accepts Healthy Volunteers" if elig["healthyVolunteers"] else "No Healthy Volunteers"
        assert word in seed


@pytest.mark.parametrize("path,rec", RECORDS, ids=IDS)
def test_contacts_and_locations_on_page(path, rec):
    seed = _seed_text(rec)
    cl = rec["protocolSection"].get("contactsLocationsModule", {})
    for c in cl.get("centralContacts", []):
        assert c["name"] in seed, c["name"]
        assert c["role"] == "CONTACT"
    for loc in cl.get("locations", []):
        assert "geoPoint" not in loc, "no seed page states coordinates"
        for key in ("facility", "city", "state", "zip", "country"):
            if key in loc:
                assert loc[key] in seed, (key, loc[key])
        assert loc.get("state") != "Province", "'Province' is a placeholder on the page, not a state"
        # city, state, zip, country appear together, in that order, on one line of the page
        parts = [loc[k] for k in ("city", "state", "zip", "country") if k in loc]
        assert any(re.search(r"\b" + r"\b.*\b".join(map(re.escape, parts)) + r"\b", ln)
                   for ln in seed.splitlines()), parts


# ---------------------------------------------------------------- the specific seeds


def _by_id(nct: str) -> dict:
    return json.loads((SEED_JSON_DIR / f"{nct}.json").read_text(encoding="utf-8"))


def test_expected_ids():
    assert sorted(IDS) == sorted(["NCT07276568", "NCT06740149", "TSLOCAL-0002", "NCT05106972", "NCT06882811"])


def test_nested_exclusion_criteria_markdown():
    text = _by_id("NCT06882811")["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    assert "\n* Specific medical conditions:\n\n  1. History of chronic enteritis" in text
    assert "\n  8. Pregnancy, lactation, or plans for pregnancy within the next year" in text
    assert text.endswith("within the next year")


def test_veeva_records_carry_org_study_ids():
    assert _by_id("NCT05106972")["protocolSection"]["identificationModule"]["orgStudyIdInfo"]["id"] == "SCT20181032"
    assert _by_id("NCT06882811")["protocolSection"]["identificationModule"]["orgStudyIdInfo"]["id"] == "2024404"


def test_age_limits():
    e3 = _by_id("NCT05106972")["protocolSection"]["eligibilityModule"]
    assert (e3["minimumAge"], e3["maximumAge"]) == ("20 Years", "60 Years")
    e4 = _by_id("NCT06882811")["protocolSection"]["eligibilityModule"]
    assert e4["maximumAge"] == "65 Years" and "minimumAge" not in e4
