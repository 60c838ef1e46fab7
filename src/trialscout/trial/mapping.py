"""Map a ClinicalTrials.gov API v2 study object onto :class:`Trial`.

A pure function of its input. ``_Reader`` checks every value's type as it reads it (so errors name
the field), trims text and drops empty entries, and builds plain dicts; one ``Trial.model_validate``
then builds the nested models in pydantic's compiled core, which is several times faster than one
constructor per part. Missing parts become ``None``; parts of the wrong type, unknown enum values
and oversized text raise :class:`InvalidRecord` naming the record and the field, so an importer
can report and skip that one record. Importers first try :func:`.contract.plain_summary`, which
checks a plain record without building its Trial; every rule here must hold there too.
"""

from __future__ import annotations

import re
from typing import Any

from .enums import ENUMS
from .errors import InvalidRecord
from .limits import AGE_RE, MAX_FORMAT_CHARS, MAX_TEXT_CHARS, NO_AGE
from .models import Trial

_ID_RE = re.compile(r"^(NCT\d{8}|TSLOCAL-[0-9A-Za-z-]{1,40})$")


class _Reader:
    """Typed access to a nested record that reports the path of whatever is wrong."""

    def __init__(self, record_id: str) -> None:
        self.record_id = record_id

    def fail(self, path: str, reason: str) -> InvalidRecord:
        return InvalidRecord(self.record_id, f"{path}: {reason}")

    def obj(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{path}.{key}", f"expected an object, got {type(value).__name__}")
        return value

    def items(self, parent: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{path}.{key}", "expected a list of objects")
        return value

    def text(self, parent: dict[str, Any], key: str, path: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if type(value) is str and len(value) <= 4096 and "\x00" not in value:  # the common case, kept fast
            value = value.strip()
            return value or None
        if not isinstance(value, str):
            raise self.fail(f"{path}.{key}", f"expected text, got {type(value).__name__}")
        if len(value) > MAX_TEXT_CHARS:
            raise self.fail(
                f"{path}.{key}",
                f"{len(value):,} characters; the registry allows far fewer ({MAX_TEXT_CHARS:,} max here)",
            )
        if "\x00" in value:
            raise self.fail(f"{path}.{key}", "contains a NUL character, which is not text")
        value = value.strip()
        return value or None

    def texts(self, parent: dict[str, Any], key: str, path: str) -> list[str]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{path}.{key}", "expected a list of text")
        for v in value:
            if len(v) > MAX_TEXT_CHARS:
                raise self.fail(f"{path}.{key}", f"an entry of {len(v):,} characters")
            if "\x00" in v:
                raise self.fail(f"{path}.{key}", "an entry contains a NUL character, which is not text")
        return [v.strip() for v in value if v.strip()]

    def enum(self, parent: dict[str, Any], key: str, path: str, kind: str | None = None) -> str | None:
        value = self.text(parent, key, path)
        if value is None:
            return None
        allowed = ENUMS[kind or key]
        if value not in allowed:
            raise self.fail(f"{path}.{key}", f"unknown value {value[:40]!r}")
        return value

    def boolean(self, parent: dict[str, Any], key: str, path: str) -> bool | None:
        value = parent.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(f"{path}.{key}", f"expected true or false, got {type(value).__name__}")

    def integer(self, parent: dict[str, Any], key: str, path: str) -> int | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(f"{path}.{key}", f"expected a whole number, got {value!r:.40}")
        return value

    def number(self, parent: dict[str, Any], key: str, path: str) -> float | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{path}.{key}", f"expected a number, got {value!r:.40}")
        try:
            return float(value)
        except OverflowError:
            raise self.fail(f"{path}.{key}", f"a number too large: {value!r:.40}") from None

    def date(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
        struct = self.obj(parent, key, path)
        when = self.text(struct, "date", f"{path}.{key}")
        if when is None:
            return None
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", when):
            raise self.fail(f"{path}.{key}.date", f"not a date: {when[:40]!r}")
        return dict(date=when, type=self.enum(struct, "type", f"{path}.{key}", "dateType"))

    def age(self, parent: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
        value = self.text(parent, key, path)
        if value is None or value.upper() in NO_AGE:
            return None
        match = AGE_RE.match(value)
        if not match:
            raise self.fail(f"{path}.{key}", f"not an age: {value[:40]!r}")
        return dict(value=float(match.group(1)), unit=match.group(2).lower() + "s")


def record_id_of(study: Any) -> str:
    """The record's NCT id if it has a readable one, else ``"?"`` (for error messages)."""
    try:
        value = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return "?"
    return value[:40] if isinstance(value, str) else "?"


def trial_from_ctgov(study: Any) -> Trial:
    """Build a :class:`Trial` from one API v2 study object; raise :class:`InvalidRecord`."""
    if not isinstance(study, dict):
        raise InvalidRecord("?", f"a study must be a JSON object, got {type(study).__name__}")
    r = _Reader(record_id_of(study))
    protocol = r.obj(study, "protocolSection", "")
    ident = r.obj(protocol, "identificationModule", "protocolSection")
    nct_id = r.text(ident, "nctId", "identificationModule")
    if nct_id is None:
        raise InvalidRecord("?", "no identificationModule.nctId: not a registry record")
    if not _ID_RE.match(nct_id):
        raise InvalidRecord(nct_id[:40], "nctId is not of the form NCT followed by 8 digits")
    r.record_id = nct_id
    return Trial.model_validate(dict(nct_id=nct_id, **_identity(r, ident), **_status(r, protocol),
                 **_sponsors(r, protocol), **_description(r, protocol),
                 **_conditions(r, protocol, study), **_design(r, protocol),
                 **_arms(r, protocol), eligibility=_eligibility(r, protocol),
                 outcomes=_outcomes(r, protocol), **_contacts(r, protocol),
                 references=_references(r, protocol),
                 has_results=bool(r.boolean(study, "hasResults", "")),
                 **_provenance(r, study), raw=study))


def _identity(r: _Reader, ident: dict[str, Any]) -> dict[str, Any]:
    p = "identificationModule"
    org = r.obj(ident, "orgStudyIdInfo", p)
    secondary = [
        s for s in (r.text(x, "id", f"{p}.secondaryIdInfos") for x in r.items(ident, "secondaryIdInfos", p)) if s
    ]
    return {
        "org_study_id": r.text(org, "id", f"{p}.orgStudyIdInfo"),
        "secondary_ids": secondary,
        "brief_title": r.text(ident, "briefTitle", p),
        "official_title": r.text(ident, "officialTitle", p),
        "acronym": r.text(ident, "acronym", p),
    }


def _status(r: _Reader, protocol: dict[str, Any]) -> dict[str, Any]:
    p = "statusModule"
    status = r.obj(protocol, p, "protocolSection")
    return {
        "overall_status": r.enum(status, "overallStatus", p, "status"),
        "why_stopped": r.text(status, "whyStopped", p),
        "start": r.date(status, "startDateStruct", p),
        "primary_completion": r.date(status, "primaryCompletionDateStruct", p),
        "completion": r.date(status, "completionDateStruct", p),
        "first_posted": r.date(status, "studyFirstPostDateStruct", p),
        "last_update_posted": r.date(status, "lastUpdatePostDateStruct", p),
    }


def _sponsors(r: _Reader, protocol: dict[str, Any]) -> dict[str, Any]:
    p = "sponsorCollaboratorsModule"
    module = r.obj(protocol, p, "protocolSection")
    lead = r.obj(module, "leadSponsor", p)
    collaborators = [r.text(c, "name", f"{p}.collaborators") for c in r.items(module, "collaborators", p)]
    return {
        "sponsor": r.text(lead, "name", f"{p}.leadSponsor"),
        "sponsor_class": r.enum(lead, "class", f"{p}.leadSponsor", "agencyClass"),
        "collaborators": [c for c in collaborators if c],
    }


def _description(r: _Reader, protocol: dict[str, Any]) -> dict[str, Any]:
    p = "descriptionModule"
    module = r.obj(protocol, p, "protocolSection")
    return {
        "brief_summary": r.text(module, "briefSummary", p),
        "detailed_description": r.text(module, "detailedDescription", p),
    }


def _meshes(r: _Reader, module: dict[str, Any], key: str, path: str) -> list[dict[str, Any]]:
    terms = []
    for item in r.items(module, key, path):
        term, ident = item.get("term"), item.get("id")
        if type(term) is not str or len(term) > 4096 or (ident is not None and type(ident) is not str):
            term, ident = r.text(item, "term", f"{path}.{key}"), r.text(item, "id", f"{path}.{key}")
        if term:
            terms.append({"id": ident, "term": term})
    return terms


def _conditions(r: _Reader, protocol: dict[str, Any], study: dict[str, Any]) -> dict[str, Any]:
    p = "conditionsModule"
    module = r.obj(protocol, p, "protocolSection")
    derived = r.obj(study, "derivedSection", "")
    cond = r.obj(derived, "conditionBrowseModule", "derivedSection")
    drug = r.obj(derived, "interventionBrowseModule", "derivedSection")
    return {
        "conditions": r.texts(module, "conditions", p),
        "keywords": r.texts(module, "keywords", p),
        "condition_meshes": _meshes(r, cond, "meshes", "conditionBrowseModule"),
        "condition_ancestors": _meshes(r, cond, "ancestors", "conditionBrowseModule"),
        "intervention_meshes": _meshes(r, drug, "meshes", "interventionBrowseModule"),
        "intervention_ancestors": _meshes(r, drug, "ancestors", "interventionBrowseModule"),
    }


def _design(r: _Reader, protocol: dict[str, Any]) -> dict[str, Any]:
    p = "designModule"
    module = r.obj(protocol, p, "protocolSection")
    info = r.obj(module, "designInfo", p)
    masking = r.obj(info, "maskingInfo", f"{p}.designInfo")
    enrollment = r.obj(module, "enrollmentInfo", p)
    phases = r.texts(module, "phases", p)
    for phase in phases:
        if phase not in ENUMS["phase"]:
            raise r.fail(f"{p}.phases", f"unknown value {phase[:40]!r}")
    count = r.integer(enrollment, "count", f"{p}.enrollmentInfo")
    d = f"{p}.designInfo"
    return {
        "study_type": r.enum(module, "studyType", p),
        "phases": phases,
        "design": dict(
            primary_purpose=r.enum(info, "primaryPurpose", d),
            allocation=r.enum(info, "allocation", d),
            intervention_model=r.enum(info, "interventionModel", d),
            intervention_model_description=r.text(info, "interventionModelDescription", d),
            masking=r.enum(masking, "masking", f"{d}.maskingInfo"),
            who_masked=[w for w in r.texts(masking, "whoMasked", f"{d}.maskingInfo")],
            masking_description=r.text(masking, "maskingDescription", f"{d}.maskingInfo"),
            observational_model=r.text(info, "observationalModel", d),
            time_perspective=r.text(info, "timePerspective", d),
        ),
        "enrollment": dict(count=count, type=r.enum(enrollment, "type", f"{p}.enrollmentInfo", "dateType"))
        if count is not None
        else None,
    }


def _arms(r: _Reader, protocol: dict[str, Any]) -> dict[str, Any]:
    p = "armsInterventionsModule"
    module = r.obj(protocol, p, "protocolSection")
    interventions = []
    for item in r.items(module, "interventions", p):
        name = r.text(item, "name", f"{p}.interventions")
        if name:
            interventions.append(dict(
                type=r.enum(item, "type", f"{p}.interventions", "interventionType"),
                name=name,
                description=r.text(item, "description", f"{p}.interventions"),
                other_names=r.texts(item, "otherNames", f"{p}.interventions"),
                arm_labels=r.texts(item, "armGroupLabels", f"{p}.interventions"),
            ))
    arms = []
    for item in r.items(module, "armGroups", p):
        label = r.text(item, "label", f"{p}.armGroups")
        if label:
            arms.append(dict(
                label=label,
                type=r.enum(item, "type", f"{p}.armGroups", "armGroupType"),
                description=r.text(item, "description", f"{p}.armGroups"),
                interventions=r.texts(item, "interventionNames", f"{p}.armGroups"),
            ))
    return {"interventions": interventions, "arms": arms}


def _eligibility(r: _Reader, protocol: dict[str, Any]) -> dict[str, Any]:
    p = "eligibilityModule"
    module = r.obj(protocol, p, "protocolSection")
    return dict(
        criteria=r.text(module, "eligibilityCriteria", p),
        sex=r.enum(module, "sex", p),
        gender_based=r.boolean(module, "genderBased", p),
        minimum_age=r.age(module, "minimumAge", p),
        maximum_age=r.age(module, "maximumAge", p),
        healthy_volunteers=r.boolean(module, "healthyVolunteers", p),
        std_ages=r.texts(module, "stdAges", p),
        study_population=r.text(module, "studyPopulation", p),
    )


def _outcomes(r: _Reader, protocol: dict[str, Any]) -> list[dict[str, Any]]:
    p = "outcomesModule"
    module = r.obj(protocol, p, "protocolSection")
    outcomes = []
    for kind in ("primary", "secondary", "other"):
        for item in r.items(module, f"{kind}Outcomes", p):
            measure = r.text(item, "measure", f"{p}.{kind}Outcomes")
            if measure:
                outcomes.append(dict(
                    kind=kind,
                    measure=measure,
                    description=r.text(item, "description", f"{p}.{kind}Outcomes"),
                    time_frame=r.text(item, "timeFrame", f"{p}.{kind}Outcomes"),
                ))
    return outcomes


def _contact(r: _Reader, item: dict[str, Any], path: str) -> dict[str, Any]:
    return dict(
        name=r.text(item, "name", path),
        role=r.text(item, "role", path),
        phone=r.text(item, "phone", path),
        phone_ext=r.text(item, "phoneExt", path),
        email=r.text(item, "email", path),
        affiliation=r.text(item, "affiliation", path),
    )


def _contacts(r: _Reader, protocol: dict[str, Any]) -> dict[str, Any]:
    p = "contactsLocationsModule"
    module = r.obj(protocol, p, "protocolSection")
    sites = []
    for item in r.items(module, "locations", p):
        geo = r.obj(item, "geoPoint", f"{p}.locations")
        sites.append(dict(
            facility=r.text(item, "facility", f"{p}.locations"),
            city=r.text(item, "city", f"{p}.locations"),
            state=r.text(item, "state", f"{p}.locations"),
            zip=r.text(item, "zip", f"{p}.locations"),
            country=r.text(item, "country", f"{p}.locations"),
            status=r.enum(item, "status", f"{p}.locations", "status"),
            lat=r.number(geo, "lat", f"{p}.locations.geoPoint"),
            lon=r.number(geo, "lon", f"{p}.locations.geoPoint"),
            contacts=[_contact(r, c, f"{p}.locations.contacts") for c in r.items(item, "contacts", f"{p}.locations")],
        ))
    return {
        "central_contacts": [_contact(r, c, f"{p}.centralContacts") for c in r.items(module, "centralContacts", p)],
        "officials": [_contact(r, c, f"{p}.overallOfficials") for c in r.items(module, "overallOfficials", p)],
        "locations": sites,
    }


def _references(r: _Reader, protocol: dict[str, Any]) -> list[dict[str, Any]]:
    p = "referencesModule"
    module = r.obj(protocol, p, "protocolSection")
    return [
        dict(
            pmid=r.text(item, "pmid", f"{p}.references"),
            type=r.text(item, "type", f"{p}.references"),
            citation=r.text(item, "citation", f"{p}.references"),
        )
        for item in r.items(module, "references", p)
    ]


def _provenance(r: _Reader, study: dict[str, Any]) -> dict[str, Any]:
    source = study.get("trialscoutSource")
    if not isinstance(source, dict):
        return {}
    fmt = source.get("format")
    if isinstance(fmt, str) and (len(fmt) > MAX_FORMAT_CHARS or "\x00" in fmt):
        raise r.fail("trialscoutSource.format", f"not a source format name: {fmt[:40]!r}")
    note = source.get("note")
    return {
        "source_format": fmt if isinstance(fmt, str) else "ctgov-api-v2",
        "source_note": note if isinstance(note, str) else None,
    }
