"""Legacy ClinicalTrials.gov XML -> API v2 study dict.

Real-record checks compare the converted dict with the XML read
independently here (xml.etree), or with the counts in the data set's
SOURCE.txt; they never compare with stored output of the converter.
"""

from __future__ import annotations

import ast
import pickle
import re
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialscout.registry.legacy_xml import (
    MAX_INPUT_BYTES,
    LegacyXmlError,
    legacy_xml_to_study,
    looks_like_legacy_xml,
    parse_study_design,
    std_ages,
)

DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "ctgov_legacy_xml"
if not DATA_DIR.is_dir():  # the project sits beside ../shared; fall back to the absolute path
    DATA_DIR = Path("/work/shared/data/ctgov_legacy_xml")

FILES = sorted(DATA_DIR.glob("NCT*xxxx/*.xml"))

needs_data = pytest.mark.skipif(not FILES, reason="legacy XML sample not available")


def minimal(body: str = "", nct: str = "NCT00000001", root: str = "clinical_study") -> bytes:
    return (
        f"<{root}><id_info><org_study_id>X-1</org_study_id><nct_id>{nct}</nct_id></id_info>"
        f"{body}</{root}>"
    ).encode("utf-8")


def words(text: str) -> list[str]:
    """Whitespace-insensitive token sequence, ignoring bullet glyphs."""
    return [w for w in text.split() if w not in {"-", "*", "•", "·", "o"}]


def month_date(text: str) -> str:
    """Independent reference conversion of the legacy date formats."""
    text = " ".join(text.split())
    for fmt, out in (("%B %d, %Y", "%Y-%m-%d"), ("%B %Y", "%Y-%m")):
        try:
            return datetime.strptime(text, fmt).strftime(out)
        except ValueError:
            pass
    raise AssertionError(f"unexpected date format in sample: {text!r}")


def collapse(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None


# --------------------------------------------------------------------------
# the real sample


@pytest.fixture(scope="module")
def converted():
    """[(path, xml root, study dict)] for every file; the conversion is timed."""
    raw = [(p, p.read_bytes()) for p in FILES]
    start = time.perf_counter()
    studies = [legacy_xml_to_study(data, str(p)) for p, data in raw]
    elapsed = time.perf_counter() - start
    roots = [ET.fromstring(data) for _, data in raw]
    return {"items": list(zip(FILES, roots, studies)), "elapsed": elapsed}


def pick(converted, predicate):
    for path, root, study in converted["items"]:
        if predicate(root):
            return path, root, study
    pytest.fail("no record in the sample has the wanted property")


@needs_data
def test_all_files_convert(converted):
    # Speed is measured in benchmarks/, not asserted here.
    assert len(converted["items"]) == 1031
    for path, root, study in converted["items"]:
        ident = study["protocolSection"]["identificationModule"]
        assert ident["nctId"] == path.stem
        assert study["trialscoutSource"]["format"] == "ctgov-legacy-xml"
        assert study["trialscoutSource"]["file"] == str(path)
        assert study["hasResults"] is (root.find("clinical_results") is not None)
        assert ident["briefTitle"] == collapse(root.findtext("brief_title"))


LEGACY_TO_V2_STATUS = {
    "Completed": "COMPLETED",
    "Terminated": "TERMINATED",
    "Unknown status": "UNKNOWN",
    "Withdrawn": "WITHDRAWN",
    "Active, not recruiting": "ACTIVE_NOT_RECRUITING",
    "Recruiting": "RECRUITING",
    "Suspended": "SUSPENDED",
    "No longer available": "NO_LONGER_AVAILABLE",
    "Approved for marketing": "APPROVED_FOR_MARKETING",
}


@needs_data
def test_status_counts_match_source_txt(converted):
    text = (DATA_DIR / "SOURCE.txt").read_text()
    m = re.search(r"overall_status counts (\{[^}]*\})", text)
    assert m, "SOURCE.txt no longer states the status counts"
    expected = ast.literal_eval(m.group(1))
    got: dict[str, int] = {}
    for _, _, study in converted["items"]:
        s = study["protocolSection"]["statusModule"]["overallStatus"]
        got[s] = got.get(s, 0) + 1
    for legacy, count in expected.items():
        assert got.get(LEGACY_TO_V2_STATUS[legacy], 0) == count, legacy
    # SOURCE.txt lists only the six common statuses (1,023 records); the
    # other eight records carry statuses it leaves out, and they must map too.
    rest = {v: n for v, n in got.items() if v not in {LEGACY_TO_V2_STATUS[k] for k in expected}}
    assert sum(rest.values()) == len(converted["items"]) - sum(expected.values())
    assert set(rest) <= set(LEGACY_TO_V2_STATUS.values())


@needs_data
def test_every_status_and_phase_maps_like_the_api(converted):
    phase_map = {
        "Phase 1": ["PHASE1"], "Phase 2": ["PHASE2"], "Phase 3": ["PHASE3"],
        "Phase 4": ["PHASE4"], "Phase 1/Phase 2": ["PHASE1", "PHASE2"],
        "Phase 2/Phase 3": ["PHASE2", "PHASE3"], "Early Phase 1": ["EARLY_PHASE1"],
        "N/A": ["NA"],
    }
    for _, root, study in converted["items"]:
        p = study["protocolSection"]
        assert p["statusModule"]["overallStatus"] == LEGACY_TO_V2_STATUS[root.findtext("overall_status")]
        phase = root.findtext("phase")
        assert p["designModule"].get("phases") == (phase_map[phase] if phase else None)


@needs_data
def test_terminated_record_keeps_why_stopped(converted):
    path, root, study = pick(
        converted,
        lambda r: r.findtext("overall_status") == "Terminated" and r.find("why_stopped") is not None,
    )
    status = study["protocolSection"]["statusModule"]
    assert status["overallStatus"] == "TERMINATED"
    assert status["whyStopped"] == collapse(root.findtext("why_stopped"))


@needs_data
def test_dates_and_their_types(converted):
    type_map = {"Actual": "ACTUAL", "Anticipated": "ESTIMATED", "Estimate": "ESTIMATED"}
    pairs = [
        ("start_date", "startDateStruct"),
        ("primary_completion_date", "primaryCompletionDateStruct"),
        ("completion_date", "completionDateStruct"),
        ("study_first_posted", "studyFirstPostDateStruct"),
        ("last_update_posted", "lastUpdatePostDateStruct"),
    ]
    seen_day = seen_month = 0
    for _, root, study in converted["items"]:
        status = study["protocolSection"]["statusModule"]
        for tag, key in pairs:
            el = root.find(tag)
            if el is None:
                assert key not in status
                continue
            struct = status[key]
            assert struct["date"] == month_date(el.text)
            if "," in el.text:
                seen_day += 1
            else:
                seen_month += 1
            if el.get("type"):
                assert struct["type"] == type_map[el.get("type")]
            else:
                assert "type" not in struct
        assert status["studyFirstSubmitDate"] == month_date(root.findtext("study_first_submitted"))
        assert status["lastUpdateSubmitDate"] == month_date(root.findtext("last_update_submitted"))
        assert status["statusVerifiedDate"] == month_date(root.findtext("verification_date"))
    assert seen_day and seen_month


@needs_data
def test_sponsors(converted):
    class_map = {"NIH": "NIH", "Industry": "INDUSTRY", "U.S. Fed": "FED", "Other": "OTHER"}
    for _, root, study in converted["items"]:
        sc = study["protocolSection"]["sponsorCollaboratorsModule"]
        assert sc["leadSponsor"] == {
            "name": collapse(root.findtext("sponsors/lead_sponsor/agency")),
            "class": class_map[root.findtext("sponsors/lead_sponsor/agency_class")],
        }
        collabs = root.findall("sponsors/collaborator")
        assert [c["name"] for c in sc.get("collaborators", [])] == [
            collapse(c.findtext("agency")) for c in collabs
        ]
        org = study["protocolSection"]["identificationModule"]["organization"]
        assert org["fullName"] == collapse(root.findtext("source"))


@needs_data
def test_design_info_structured_form(converted):
    # The 2007 sample uses <study_design_info>, never the free-text <study_design>.
    assert not any(r.find("study_design") is not None for _, r, _ in converted["items"])
    roles = {"Participant": "PARTICIPANT", "Care Provider": "CARE_PROVIDER",
             "Investigator": "INVESTIGATOR", "Outcomes Assessor": "OUTCOMES_ASSESSOR"}
    levels = {"None": "NONE", "Single": "SINGLE", "Double": "DOUBLE",
              "Triple": "TRIPLE", "Quadruple": "QUADRUPLE"}
    checked = 0
    for _, root, study in converted["items"]:
        design = study["protocolSection"]["designModule"]
        info = design.get("designInfo", {})
        masking = root.findtext("study_design_info/masking")
        if masking:
            checked += 1
            word = masking.split()[0]
            inner = re.search(r"\((.*)\)", masking)
            who = [roles[r.strip()] for r in inner.group(1).split(",")] if inner and word != "None" else None
            assert info["maskingInfo"]["masking"] == levels[word]
            assert info["maskingInfo"].get("whoMasked") == who
        alloc = root.findtext("study_design_info/allocation")
        expected_alloc = {"Randomized": "RANDOMIZED", "Non-Randomized": "NON_RANDOMIZED", "N/A": "NA"}
        assert info.get("allocation") == (expected_alloc[alloc] if alloc else None)
        stype = root.findtext("study_type")
        assert design["studyType"] == {
            "Interventional": "INTERVENTIONAL", "Observational": "OBSERVATIONAL",
            "Observational [Patient Registry]": "OBSERVATIONAL", "Expanded Access": "EXPANDED_ACCESS",
        }[stype]
        if stype.startswith("Observational"):
            assert design["patientRegistry"] is ("Registry" in stype)
        enr = root.find("enrollment")
        if enr is not None:
            assert design["enrollmentInfo"]["count"] == int(enr.text)
            assert design["enrollmentInfo"].get("type") == (
                {"Actual": "ACTUAL", "Anticipated": "ESTIMATED"}[enr.get("type")] if enr.get("type") else None
            )
    assert checked > 800


@needs_data
def test_model_purpose_and_observational_fields(converted):
    rec = pick(converted, lambda r: r.findtext("study_design_info/intervention_model") == "Crossover Assignment")
    info = rec[2]["protocolSection"]["designModule"]["designInfo"]
    assert info["interventionModel"] == "CROSSOVER"
    rec = pick(converted, lambda r: r.findtext("study_design_info/primary_purpose") == "Supportive Care")
    assert rec[2]["protocolSection"]["designModule"]["designInfo"]["primaryPurpose"] == "SUPPORTIVE_CARE"
    rec = pick(converted, lambda r: r.findtext("study_design_info/observational_model") == "Case-Control")
    assert rec[2]["protocolSection"]["designModule"]["designInfo"]["observationalModel"] == "CASE_CONTROL"
    rec = pick(converted, lambda r: r.findtext("study_design_info/time_perspective") == "Cross-Sectional")
    assert rec[2]["protocolSection"]["designModule"]["designInfo"]["timePerspective"] == "CROSS_SECTIONAL"


@needs_data
def test_arms_and_interventions_cross_reference(converted):
    type_map = {"Drug": "DRUG", "Procedure": "PROCEDURE", "Behavioral": "BEHAVIORAL",
                "Other": "OTHER", "Biological": "BIOLOGICAL", "Device": "DEVICE",
                "Genetic": "GENETIC", "Radiation": "RADIATION",
                "Dietary Supplement": "DIETARY_SUPPLEMENT"}
    linked = 0
    for _, root, study in converted["items"]:
        ai = study["protocolSection"].get("armsInterventionsModule", {})
        ivs = ai.get("interventions", [])
        assert len(ivs) == len(root.findall("intervention"))
        for iv, el in zip(ivs, root.findall("intervention")):
            assert iv["type"] == type_map[el.findtext("intervention_type")]
            assert iv["name"] == collapse(el.findtext("intervention_name"))
            assert iv.get("armGroupLabels", []) == [collapse(x.text) for x in el.findall("arm_group_label")]
            assert iv.get("otherNames", []) == [collapse(x.text) for x in el.findall("other_name")]
        arms = ai.get("armGroups", [])
        assert [a["label"] for a in arms] == [collapse(a.findtext("arm_group_label")) for a in root.findall("arm_group")]
        for arm in arms:
            for name in arm.get("interventionNames", []):
                kind, _, iv_name = name.partition(": ")
                matches = [iv for iv in ivs if iv["name"] == iv_name and arm["label"] in iv.get("armGroupLabels", [])]
                assert matches, (arm["label"], name)
                linked += 1
    assert linked > 1000


@needs_data
def test_outcomes_and_references(converted):
    for _, root, study in converted["items"]:
        om = study["protocolSection"].get("outcomesModule", {})
        for tag, key in (("primary_outcome", "primaryOutcomes"), ("secondary_outcome", "secondaryOutcomes"),
                         ("other_outcome", "otherOutcomes")):
            els = root.findall(tag)
            got = om.get(key, [])
            assert [o["measure"] for o in got] == [collapse(e.findtext("measure")) for e in els]
            assert [o.get("timeFrame") for o in got] == [collapse(e.findtext("time_frame")) for e in els]
        refs = study["protocolSection"].get("referencesModule", {}).get("references", [])
        xml_refs = root.findall("reference") + root.findall("results_reference")
        assert [r.get("pmid") for r in refs] == [collapse(e.findtext("PMID")) for e in xml_refs]
        assert {r["type"] for r in refs} <= {"BACKGROUND", "RESULT"}


@needs_data
def test_mesh_terms_conditions_keywords(converted):
    for _, root, study in converted["items"]:
        derived = study["derivedSection"]
        cond_mesh = derived.get("conditionBrowseModule", {}).get("meshes", [])
        assert [m["term"] for m in cond_mesh] == [collapse(t.text) for t in root.findall("condition_browse/mesh_term")]
        iv_mesh = derived.get("interventionBrowseModule", {}).get("meshes", [])
        assert [m["term"] for m in iv_mesh] == [collapse(t.text) for t in root.findall("intervention_browse/mesh_term")]
        cm = study["protocolSection"]["conditionsModule"]
        assert cm["conditions"] == list(dict.fromkeys(collapse(c.text) for c in root.findall("condition")))


@needs_data
def test_eligibility_fields(converted):
    sex = {"All": "ALL", "Female": "FEMALE", "Male": "MALE"}
    hv = {"Accepts Healthy Volunteers": True, "No": False}
    for _, root, study in converted["items"]:
        el = study["protocolSection"]["eligibilityModule"]
        assert el["sex"] == sex[root.findtext("eligibility/gender")]
        h = root.findtext("eligibility/healthy_volunteers")
        assert el.get("healthyVolunteers") == (hv[h] if h else None)
        for tag, key in (("minimum_age", "minimumAge"), ("maximum_age", "maximumAge")):
            v = root.findtext(f"eligibility/{tag}")
            if v == "N/A":
                assert key not in el
            else:
                assert el[key] == v and re.fullmatch(r"\d+ (Years?|Months?|Weeks?|Days?|Hours?|Minutes?)", el[key])
        lo, hi = root.findtext("eligibility/minimum_age"), root.findtext("eligibility/maximum_age")
        if lo == "18 Years" and hi == "N/A":
            assert el["stdAges"] == ["ADULT", "OLDER_ADULT"]
        if lo == "N/A" and hi == "N/A":
            assert el["stdAges"] == ["CHILD", "ADULT", "OLDER_ADULT"]
        if hi.endswith("Months") or hi.endswith("Days") or hi.endswith("Weeks"):
            assert el["stdAges"] == ["CHILD"]


@needs_data
def test_textblocks_keep_every_word_and_lose_the_hard_wraps(converted):
    for path, root, study in converted["items"]:
        p = study["protocolSection"]
        for xml_path, got in (
            ("brief_summary/textblock", p["descriptionModule"].get("briefSummary")),
            ("detailed_description/textblock", p["descriptionModule"].get("detailedDescription")),
            ("eligibility/criteria/textblock", p["eligibilityModule"].get("eligibilityCriteria")),
        ):
            raw = root.findtext(xml_path)
            if raw is None or not raw.strip():
                assert got is None
                continue
            assert words(got) == words(raw), (path.name, xml_path)
            assert "\r" not in got
            assert "\n\n\n" not in got
            # every line of the result is one paragraph or one list item: a
            # hard-wrapped legacy line is ~100 columns, never followed by a
            # continuation line here.
            for a, b in zip(got.split("\n"), got.split("\n")[1:]):
                if a and b:
                    assert re.match(r"\s*(\*|\d+[.)]|[a-zA-Z][.)]|o)\s", b) or b.startswith("  "), (path.name, b[:60])


@needs_data
def test_criteria_bullets_become_one_line_each(converted):
    bullet_start = re.compile(r"^\s*[-•·*o]\s+\S")
    for path, root, study in converted["items"]:
        raw = (root.findtext("eligibility/criteria/textblock") or "").replace("\r", "")
        lines = raw.split("\n")
        xml_items = sum(
            1 for i, ln in enumerate(lines)
            if bullet_start.match(ln) and (i == 0 or not lines[i - 1].strip())
        )
        got = study["protocolSection"]["eligibilityModule"].get("eligibilityCriteria") or ""
        out_items = sum(1 for ln in got.split("\n") if re.match(r"^\s*\* \S", ln))
        assert out_items == xml_items, path.name


@needs_data
def test_wrapped_criterion_is_unwrapped(converted):
    def wrapped_bullet(root):
        raw = (root.findtext("eligibility/criteria/textblock") or "").replace("\r", "").split("\n")
        return any(
            re.match(r"\s*-\s+\S", a) and b.strip() and not re.match(r"\s*-\s", b)
            for a, b in zip(raw, raw[1:])
        ) and "Inclusion Criteria:" in (root.findtext("eligibility/criteria/textblock") or "")

    path, root, study = pick(converted, wrapped_bullet)
    raw = root.findtext("eligibility/criteria/textblock").replace("\r", "").split("\n")
    i = next(i for i, (a, b) in enumerate(zip(raw, raw[1:]))
             if re.match(r"\s*-\s+\S", a) and b.strip() and not re.match(r"\s*-\s", b))
    first = raw[i].strip().lstrip("-").strip()
    cont = raw[i + 1].strip()
    got = study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    assert any(line.startswith(f"* {first} {cont}") for line in got.split("\n"))
    assert got.startswith("Inclusion Criteria:\n\n* ")
    assert "\n\nExclusion Criteria:\n\n* " in got


@needs_data
def test_paragraph_breaks_survive_in_summaries(converted):
    path, root, study = pick(
        converted,
        lambda r: (r.findtext("brief_summary/textblock") or "").replace("\r", "").count("\n\n") >= 2
        and "-  " not in (r.findtext("brief_summary/textblock") or ""),
    )
    raw = root.findtext("brief_summary/textblock").replace("\r", "")
    paragraphs = [p for p in re.split(r"\n\s*\n", raw) if p.strip()]
    got = study["protocolSection"]["descriptionModule"]["briefSummary"]
    assert got.split("\n\n") == [" ".join(p.split()) for p in paragraphs]


@needs_data
def test_locations_contacts_and_officials(converted):
    status = {"Recruiting": "RECRUITING", "Not yet recruiting": "NOT_YET_RECRUITING"}
    path, root, study = pick(
        converted,
        lambda r: any(loc.find("status") is not None and loc.find("contact") is not None
                      for loc in r.findall("location")),
    )
    cl = study["protocolSection"]["contactsLocationsModule"]
    xml_locs = root.findall("location")
    assert len(cl["locations"]) == len(xml_locs)
    for got, el in zip(cl["locations"], xml_locs):
        assert got.get("facility") == collapse(el.findtext("facility/name"))
        assert got.get("city") == collapse(el.findtext("facility/address/city"))
        assert got.get("country") == collapse(el.findtext("facility/address/country"))
        assert got.get("zip") == collapse(el.findtext("facility/address/zip"))
        assert got.get("status") == (status[el.findtext("status")] if el.find("status") is not None else None)
        assert "geoPoint" not in got
        emails = [c.get("email") for c in got.get("contacts", []) if c["role"] == "CONTACT"]
        assert emails == [collapse(c.findtext("email")) for c in el.findall("contact") + el.findall("contact_backup")]
        pis = [c["name"] for c in got.get("contacts", []) if c["role"] == "PRINCIPAL_INVESTIGATOR"]
        assert pis == [collapse(i.findtext("last_name")) for i in el.findall("investigator")
                       if i.findtext("role") == "Principal Investigator"]
    central = cl.get("centralContacts", [])
    xml_central = root.findall("overall_contact") + root.findall("overall_contact_backup")
    assert [(c["name"], c["role"], c.get("phone")) for c in central] == [
        (collapse(c.findtext("last_name")), "CONTACT", collapse(c.findtext("phone"))) for c in xml_central
    ]
    roles = {"Principal Investigator": "PRINCIPAL_INVESTIGATOR", "Study Director": "STUDY_DIRECTOR",
             "Study Chair": "STUDY_CHAIR"}
    assert [(o["name"], o.get("role")) for o in cl.get("overallOfficials", [])] == [
        (collapse(o.findtext("last_name")), roles.get(o.findtext("role"))) for o in root.findall("overall_official")
    ]


@needs_data
def test_ids_aliases_and_unmapped_notes(converted):
    path, root, study = pick(converted, lambda r: r.find("id_info/nct_alias") is not None)
    ident = study["protocolSection"]["identificationModule"]
    alias = root.findtext("id_info/nct_alias")
    assert ident["nctIdAliases"] == [alias]
    assert {"id": alias} in ident["secondaryIdInfos"]
    assert ident["orgStudyIdInfo"]["id"] == root.findtext("id_info/org_study_id")

    path, root, study = pick(converted, lambda r: r.find("clinical_results") is not None)
    assert study["hasResults"] is True
    assert any("clinical_results" in u for u in study["trialscoutSource"]["unmapped"])


@needs_data
def test_converted_records_build_the_trial_model(converted):
    mapping = pytest.importorskip("trialscout.trial.mapping")
    for path, root, study in converted["items"]:
        trial = mapping.trial_from_ctgov(study)
        assert trial.nct_id == path.stem
        assert trial.source_format == "ctgov-legacy-xml"


@needs_data
def test_looks_like_legacy_xml_on_real_heads():
    for p in FILES[:50]:
        with p.open("rb") as fh:
            assert looks_like_legacy_xml(fh.read(512))


# --------------------------------------------------------------------------
# synthetic records: older layouts and edge values


def test_free_text_study_design_keyed_form():
    info, notes = parse_study_design(
        "Allocation: Randomized, Control: Placebo Control, Endpoint Classification: Safety/Efficacy Study, "
        "Intervention Model: Parallel Assignment, Masking: Double Blind (Subject, Investigator), "
        "Primary Purpose: Treatment"
    )
    assert info == {
        "allocation": "RANDOMIZED",
        "interventionModel": "PARALLEL",
        "primaryPurpose": "TREATMENT",
        "maskingInfo": {"masking": "DOUBLE", "whoMasked": ["PARTICIPANT", "INVESTIGATOR"]},
    }
    assert any("Control" in n for n in notes) and any("Endpoint" in n for n in notes)


def test_free_text_study_design_unkeyed_and_observational():
    info, _ = parse_study_design(
        "Treatment, Randomized, Double Blind (Subject, Caregiver, Investigator, Outcomes Assessor), "
        "Placebo Control, Crossover Assignment, Safety/Efficacy Study"
    )
    assert info["primaryPurpose"] == "TREATMENT"
    assert info["allocation"] == "RANDOMIZED"
    assert info["interventionModel"] == "CROSSOVER"
    # four roles masked: the level is derived from the roles, as CT.gov re-derived it
    assert info["maskingInfo"]["masking"] == "QUADRUPLE"
    assert info["maskingInfo"]["whoMasked"] == ["PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR"]

    info, _ = parse_study_design("Observational Model: Case-Control, Time Perspective: Retrospective")
    assert info == {"observationalModel": "CASE_CONTROL", "timePerspective": "RETROSPECTIVE"}
    info, _ = parse_study_design("Allocation: Non-Randomized, Masking: Open Label, Primary Purpose: Diagnostic")
    assert info["maskingInfo"] == {"masking": "NONE"}
    assert info["allocation"] == "NON_RANDOMIZED"


def test_old_layout_record():
    body = """
      <brief_title>Old   record</brief_title>
      <sponsors><lead_sponsor><agency>NCI</agency><agency_class>NIH</agency_class></lead_sponsor></sponsors>
      <overall_status>Enrolling by invitation</overall_status>
      <phase>Phase 0</phase>
      <study_type>Interventional</study_type>
      <study_design>Treatment, Non-Randomized, Open Label, Single Group Assignment</study_design>
      <primary_outcome>Overall survival</primary_outcome>
      <enrollment>40</enrollment>
      <eligibility>
        <criteria><textblock>
        Inclusion Criteria:

          -  Adults with a very long description that was hard wrapped by the legacy formatter at
             about one hundred columns

        Exclusion Criteria:

          -  Pregnancy
        </textblock></criteria>
        <gender>Both</gender><minimum_age>6 Months</minimum_age><maximum_age>17 Years</maximum_age>
        <healthy_volunteers>No</healthy_volunteers>
      </eligibility>
      <firstreceived_date>March 3, 2005</firstreceived_date>
      <lastchanged_date>June 7, 2006</lastchanged_date>
      <verification_date>June 2006</verification_date>
    """
    s = legacy_xml_to_study(minimal(body), "old.xml")
    p = s["protocolSection"]
    assert p["identificationModule"]["briefTitle"] == "Old record"
    assert p["identificationModule"]["organization"] == {"fullName": "NCI", "class": "NIH"}
    assert p["statusModule"]["overallStatus"] == "ENROLLING_BY_INVITATION"
    assert p["statusModule"]["studyFirstSubmitDate"] == "2005-03-03"
    assert p["statusModule"]["studyFirstPostDateStruct"] == {"date": "2005-03-03"}
    assert p["statusModule"]["lastUpdatePostDateStruct"] == {"date": "2006-06-07"}
    assert p["statusModule"]["statusVerifiedDate"] == "2006-06"
    assert p["designModule"]["phases"] == ["EARLY_PHASE1"]
    assert p["designModule"]["designInfo"] == {
        "allocation": "NON_RANDOMIZED", "interventionModel": "SINGLE_GROUP",
        "primaryPurpose": "TREATMENT", "maskingInfo": {"masking": "NONE"},
    }
    assert p["designModule"]["enrollmentInfo"] == {"count": 40}
    assert p["outcomesModule"]["primaryOutcomes"] == [{"measure": "Overall survival"}]
    el = p["eligibilityModule"]
    assert el["sex"] == "ALL"
    assert el["stdAges"] == ["CHILD"]
    assert el["healthyVolunteers"] is False
    assert el["eligibilityCriteria"] == (
        "Inclusion Criteria:\n\n"
        "* Adults with a very long description that was hard wrapped by the legacy formatter at "
        "about one hundred columns\n\n"
        "Exclusion Criteria:\n\n"
        "* Pregnancy"
    )


def test_nested_and_numbered_lists():
    body = """<eligibility><criteria><textblock>
        Inclusion Criteria:

          1. Disease, one of:

               -  first kind of disease that is described at such length that the formatter
                  wrapped it

               -  second kind

          2. Age 18 or over

        Other paragraph
        that continues here.
      </textblock></criteria></eligibility>"""
    got = legacy_xml_to_study(minimal(body))["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    assert got == (
        "Inclusion Criteria:\n\n"
        "1. Disease, one of:\n"
        "  * first kind of disease that is described at such length that the formatter wrapped it\n"
        "  * second kind\n"
        "2. Age 18 or over\n\n"
        "Other paragraph that continues here."
    )


def test_unknown_enum_values_are_kept_not_dropped():
    body = """
      <overall_status>Paused for review</overall_status>
      <study_type>Interventional</study_type>
      <phase>Phase 5</phase>
      <study_design_info><allocation>Cluster Randomized</allocation>
        <intervention_model>Adaptive Assignment</intervention_model>
        <masking>Sextuple (Participant, Statistician)</masking></study_design_info>
      <intervention><intervention_type>Cell Therapy</intervention_type><intervention_name>CAR-T</intervention_name>
        <arm_group_label>A</arm_group_label></intervention>
      <arm_group><arm_group_label>A</arm_group_label><arm_group_type>Run-in</arm_group_type></arm_group>
      <sponsors><lead_sponsor><agency>X</agency><agency_class>Charity</agency_class></lead_sponsor></sponsors>
      <enrollment type="Projected">12</enrollment>
    """
    p = legacy_xml_to_study(minimal(body))["protocolSection"]
    assert p["statusModule"]["overallStatus"] == "PAUSED_FOR_REVIEW"
    assert p["designModule"]["phases"] == ["PHASE_5"]
    info = p["designModule"]["designInfo"]
    assert info["allocation"] == "CLUSTER_RANDOMIZED"
    assert info["interventionModel"] == "ADAPTIVE"
    assert info["maskingInfo"] == {"masking": "SEXTUPLE", "whoMasked": ["PARTICIPANT", "STATISTICIAN"]}
    assert p["armsInterventionsModule"]["interventions"][0]["type"] == "CELL_THERAPY"
    arm = p["armsInterventionsModule"]["armGroups"][0]
    assert arm == {"label": "A", "type": "RUN_IN", "interventionNames": ["Cell Therapy: CAR-T"]}
    assert p["sponsorCollaboratorsModule"]["leadSponsor"]["class"] == "CHARITY"
    assert p["designModule"]["enrollmentInfo"] == {"count": 12, "type": "PROJECTED"}


def test_dates_unparseable_are_kept_verbatim_and_noted():
    body = """<start_date>Spring 2007</start_date><completion_date type="Actual">February 30, 2007</completion_date>
              <primary_completion_date>Sept 2008</primary_completion_date>"""
    s = legacy_xml_to_study(minimal(body))
    st_ = s["protocolSection"]["statusModule"]
    assert st_["startDateStruct"] == {"date": "Spring 2007"}
    assert st_["completionDateStruct"] == {"date": "February 30, 2007", "type": "ACTUAL"}
    assert st_["primaryCompletionDateStruct"] == {"date": "2008-09"}
    assert any(u.startswith("start_date") for u in s["trialscoutSource"]["unmapped"])


def test_std_ages_boundaries():
    assert std_ages(None, None) == ["CHILD", "ADULT", "OLDER_ADULT"]
    assert std_ages(18, None) == ["ADULT", "OLDER_ADULT"]
    assert std_ages(18, 64) == ["ADULT"]
    assert std_ages(18, 65) == ["ADULT", "OLDER_ADULT"]
    assert std_ages(None, 17) == ["CHILD"]
    assert std_ages(None, 18) == ["CHILD", "ADULT"]
    assert std_ages(65, None) == ["OLDER_ADULT"]
    assert std_ages(17, 17) == ["CHILD"]


def test_ages_in_other_units_and_unreadable_ages():
    body = "<eligibility><gender>Female</gender><minimum_age>3 Weeks</minimum_age><maximum_age>N/A</maximum_age></eligibility>"
    el = legacy_xml_to_study(minimal(body))["protocolSection"]["eligibilityModule"]
    assert el == {"sex": "FEMALE", "minimumAge": "3 Weeks", "stdAges": ["CHILD", "ADULT", "OLDER_ADULT"]}
    body = "<eligibility><minimum_age>adult</minimum_age></eligibility>"
    s = legacy_xml_to_study(minimal(body))
    assert s["protocolSection"]["eligibilityModule"] == {"minimumAge": "adult"}
    assert any("minimum_age" in u for u in s["trialscoutSource"]["unmapped"])


def test_nct_id_is_normalised_and_str_input_accepted():
    s = legacy_xml_to_study(minimal(nct=" nct01234567 ").decode(), "s.xml")
    assert s["protocolSection"]["identificationModule"]["nctId"] == "NCT01234567"
    latin1 = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?><clinical_study><id_info><nct_id>NCT00000001</nct_id>'
        b"</id_info><brief_title>Caf\xe9</brief_title></clinical_study>"
    )
    s = legacy_xml_to_study(latin1)
    assert s["protocolSection"]["identificationModule"]["briefTitle"] == "Café"


def test_looks_like_legacy_xml():
    assert looks_like_legacy_xml(b"<clinical_study>\n  <!-- c -->")
    assert looks_like_legacy_xml(b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<!-- x -->\n<clinical_study rank="3">')
    assert looks_like_legacy_xml("<clinical_study>".encode("utf-16"))
    assert looks_like_legacy_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><clinical_study>')
    assert not looks_like_legacy_xml(b"")
    assert not looks_like_legacy_xml(b'{"protocolSection": {}}')
    assert not looks_like_legacy_xml(b"<clinical_studies><clinical_study>")
    assert not looks_like_legacy_xml(b"<study><clinical_study>")
    assert not looks_like_legacy_xml(b"\x00\x01\x02garbage")


# --------------------------------------------------------------------------
# hostile input

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><brief_title>&lol9;</brief_title></clinical_study>"""

HOSTILE = {
    "billion-laughs": BILLION_LAUGHS,
    "billion-laughs-utf16": BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16"),
    "xxe": b'<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><brief_title>&x;</brief_title></clinical_study>',
    "doctype-only": b'<!DOCTYPE clinical_study SYSTEM "public.dtd"><clinical_study/>',
    "parameter-entity": b'<!DOCTYPE c [<!ENTITY % p SYSTEM "http://example.invalid/x.dtd"> %p;]><clinical_study/>',
    "undefined-entity": b"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><brief_title>&lol;</brief_title></clinical_study>",
    "not-xml": b"this is not xml at all",
    "json": b'{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}',
    "truncated": minimal("<brief_title>cut")[:-10],
    "wrong-root": minimal(root="study"),
    "namespaced-root": b'<x:clinical_study xmlns:x="urn:x"><id_info><nct_id>NCT00000001</nct_id></id_info></x:clinical_study>',
    "empty": b"",
    "whitespace": b"  \n\t ",
    "no-nct-id": b"<clinical_study><brief_title>x</brief_title></clinical_study>",
    "bad-nct-id": minimal(nct="NCT123"),
    "bogus-encoding": b'<?xml version="1.0" encoding="rot13"?><clinical_study/>',
    "multibyte-encoding": b'<?xml version="1.0" encoding="utf-32"?><clinical_study/>',
    "huge": b"<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><brief_summary><textblock>"
    + b"x" * MAX_INPUT_BYTES + b"</textblock></brief_summary></clinical_study>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_refused_with_the_file_named(name):
    start = time.perf_counter()
    with pytest.raises(LegacyXmlError) as info:
        legacy_xml_to_study(HOSTILE[name], f"/tmp/upload/{name}.xml")
    assert time.perf_counter() - start < 15  # a guard against blow-ups (entity expansion), not a speed claim
    err = info.value
    assert err.source == f"/tmp/upload/{name}.xml"
    assert f"/tmp/upload/{name}.xml" in str(err)
    assert err.reason and err.reason in str(err)


def test_doctype_reason_is_explicit():
    with pytest.raises(LegacyXmlError, match="DOCTYPE"):
        legacy_xml_to_study(BILLION_LAUGHS, "lol.xml")


def test_wrong_types_and_pickling():
    for bad in (None, 42, ["<clinical_study/>"]):
        with pytest.raises(LegacyXmlError):
            legacy_xml_to_study(bad, "t.xml")  # type: ignore[arg-type]
    err = LegacyXmlError("a.xml", "broken")
    back = pickle.loads(pickle.dumps(err))
    assert (back.source, back.reason, str(back)) == ("a.xml", "broken", str(err))
    assert isinstance(err, ValueError)


# --------------------------------------------------------------------------
# fuzzing: nothing but LegacyXmlError may escape

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_legacy_errors(data) -> None:
    try:
        study = legacy_xml_to_study(data, "fuzz.xml")
    except LegacyXmlError as exc:
        assert "fuzz.xml" in str(exc)
    else:
        assert re.fullmatch(r"NCT\d{8}", study["protocolSection"]["identificationModule"]["nctId"])


@FUZZ
@given(st.binary(max_size=2000))
def test_fuzz_arbitrary_bytes(data):
    only_legacy_errors(data)


@FUZZ
@given(st.text(max_size=2000))
def test_fuzz_arbitrary_text(data):
    only_legacy_errors(data)


@FUZZ
@given(st.text(max_size=500))
def test_fuzz_text_inside_a_record(text):
    only_legacy_errors("<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info><brief_title>" + text + "</brief_title></clinical_study>")


TAGS = [
    "id_info", "nct_id", "org_study_id", "secondary_id", "nct_alias", "brief_title", "official_title",
    "sponsors", "lead_sponsor", "collaborator", "agency", "agency_class", "source", "overall_status",
    "start_date", "completion_date", "phase", "study_type", "study_design", "study_design_info",
    "allocation", "masking", "intervention_model", "enrollment", "condition", "keyword", "arm_group",
    "arm_group_label", "arm_group_type", "intervention", "intervention_type", "intervention_name",
    "eligibility", "criteria", "textblock", "gender", "minimum_age", "maximum_age",
    "healthy_volunteers", "location", "facility", "address", "city", "contact", "investigator",
    "last_name", "role", "status", "overall_official", "overall_contact", "reference", "PMID",
    "citation", "condition_browse", "mesh_term", "primary_outcome", "measure", "brief_summary",
    "responsible_party", "patient_data", "ipd_info_type", "provided_document_section",
    "provided_document", "document_url", "clinical_results", "required_header", "download_date",
    "oversight_info", "has_dmc", "expanded_access_info", "biospec_retention", "link", "url",
]
xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(
    lambda s: s.replace("&", "&amp;").replace("<", "&lt;")
)


def element():
    return st.recursive(
        st.builds(lambda tag, text, typ: f'<{tag}{" type=%s" % chr(34) + typ + chr(34) if typ else ""}>{text}</{tag}>',
                  st.sampled_from(TAGS), xml_text, st.one_of(st.none(), st.sampled_from(["Actual", "Anticipated", "x"]))),
        lambda children: st.builds(lambda tag, kids: f"<{tag}>{''.join(kids)}</{tag}>",
                                   st.sampled_from(TAGS), st.lists(children, max_size=4)),
        max_leaves=25,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(element(), max_size=12))
def test_fuzz_structured_records(children):
    doc = "<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>" + "".join(children) + "</clinical_study>"
    only_legacy_errors(doc.encode("utf-8"))


@needs_data
@FUZZ
@given(st.data())
def test_fuzz_mutated_real_record(data):
    raw = FILES[data.draw(st.integers(0, len(FILES) - 1))].read_bytes()
    cut = data.draw(st.integers(0, len(raw)))
    pos = data.draw(st.integers(0, max(0, len(raw) - 1)))
    junk = data.draw(st.binary(max_size=8))
    mutated = raw[:pos] + junk + raw[pos + len(junk):]
    only_legacy_errors(mutated)
    only_legacy_errors(raw[:cut])
