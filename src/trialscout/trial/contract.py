"""A fast check that the reader would accept a record, run in one pass inside pydantic-core (Rust).

An importer needs three things from a record: to know the reader (:func:`trial_from_ctgov`) accepts
it, a few columns (id, title, status, last update, source), and its JSON. Building the whole Trial
for that costs several times the parse of the record, so importers first ask :func:`plain_summary`.

``RECORD_SCHEMA`` checks, strictly, every part of a study object the reader reads: modules are
objects, lists are lists of objects, texts are strings no longer than ``MAX_TEXT_CHARS``, enums come
from :data:`ENUMS`, dates, ages and ids are in the registry's forms, counts are whole and not
negative. The texts the columns come from (titles, conditions) must already be trimmed and not
empty, so the columns equal what the reader would give. NUL characters, which the reader refuses in
any text, are looked for once in the record's JSON rather than in every string.

A record that passes is "plain": nearly every registry record is. Anything else (a null, a padded
title, a wrong type, an unknown value) gets ``None``, and the importer reads the record with the
reader, which trims and drops what it may and names the field when it refuses. So the contract
may be stricter than the reader, never looser: a rule added to the reader must be added here.
``tests/trial/test_trial_contract.py`` checks this on every real record, on every part of real
records replaced by awkward values, and under fuzzing.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from pydantic_core import PydanticCustomError, SchemaValidator, ValidationError
from pydantic_core import core_schema as cs

from .enums import ENUMS
from .limits import AGE_RE, MAX_FORMAT_CHARS, MAX_TEXT_CHARS, NO_AGE
from .models import Trial

#: Text the reader accepts (NUL is looked for in the whole record's JSON: see plain_summary).
_TEXT = cs.str_schema(strict=True, max_length=MAX_TEXT_CHARS)
_TEXTS = cs.list_schema(_TEXT, strict=True)
#: Text a column is made from: the reader would keep it as written (nothing its ``strip()`` removes at
#: either end: Unicode white space and, to be safe, every control character; and not empty).
_TRIMMED = cs.str_schema(strict=True, max_length=MAX_TEXT_CHARS,
                         pattern=r"(?s)\A[^\s\x00-\x1f](?:.*[^\s\x00-\x1f])?\z")
_BOOL = cs.bool_schema(strict=True)
_NUMBER = cs.float_schema(strict=True)
_ID = cs.str_schema(strict=True, pattern=r"\A(?:NCT[0-9]{8}|TSLOCAL-[0-9A-Za-z-]{1,40})\z")


def _enum(kind: str) -> cs.LiteralSchema:
    return cs.literal_schema(sorted(ENUMS[kind]))


def _obj(fields: dict[str, cs.CoreSchema], *required: str) -> cs.TypedDictSchema:
    """An object with these keys (others ignored); ``required`` ones must be there."""
    return cs.typed_dict_schema(
        {key: cs.typed_dict_field(schema, required=key in required) for key, schema in fields.items()},
        total=False, extra_behavior="ignore", strict=True,
    )


def _items(fields: dict[str, cs.CoreSchema]) -> cs.ListSchema:
    """A list of such objects."""
    return cs.list_schema(_obj(fields), strict=True)


def _age(value: str) -> str:
    """An age the reader can read (``18 Years``, ``N/A``, nothing), kept as written."""
    value = value.strip()
    if value and value.upper() not in NO_AGE and not AGE_RE.match(value):
        raise PydanticCustomError("age", "not an age")
    return value


_AGE = cs.no_info_after_validator_function(_age, _TEXT)
_DATE = _obj({"date": cs.str_schema(strict=True, pattern=r"\A[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?\z"),
              "type": _enum("dateType")})
_CONTACT = {key: _TEXT for key in ("name", "role", "phone", "phoneExt", "email", "affiliation")}
_MESH = {"id": _TEXT, "term": _TEXT}
_BROWSE = _obj({"meshes": _items(_MESH), "ancestors": _items(_MESH)})
_OUTCOME = {"measure": _TEXT, "description": _TEXT, "timeFrame": _TEXT}
_OUTCOME_KINDS = ("primary", "secondary", "other")

RECORD_SCHEMA = _obj({
    "protocolSection": _obj({
        "identificationModule": _obj({
            "nctId": _ID,
            "orgStudyIdInfo": _obj({"id": _TEXT}),
            "secondaryIdInfos": _items({"id": _TEXT}),
            "briefTitle": _TRIMMED, "officialTitle": _TRIMMED, "acronym": _TEXT,
        }, "nctId"),
        "statusModule": _obj({
            "overallStatus": _enum("status"), "whyStopped": _TEXT, "startDateStruct": _DATE,
            "primaryCompletionDateStruct": _DATE, "completionDateStruct": _DATE,
            "studyFirstPostDateStruct": _DATE, "lastUpdatePostDateStruct": _DATE,
        }),
        "sponsorCollaboratorsModule": _obj({
            "leadSponsor": _obj({"name": _TEXT, "class": _enum("agencyClass")}),
            "collaborators": _items({"name": _TEXT}),
        }),
        "descriptionModule": _obj({"briefSummary": _TEXT, "detailedDescription": _TEXT}),
        "conditionsModule": _obj({"conditions": cs.list_schema(_TRIMMED, strict=True), "keywords": _TEXTS}),
        "designModule": _obj({
            "studyType": _enum("studyType"),
            "phases": cs.list_schema(_enum("phase"), strict=True),
            "designInfo": _obj({
                "primaryPurpose": _enum("primaryPurpose"), "allocation": _enum("allocation"),
                "interventionModel": _enum("interventionModel"), "interventionModelDescription": _TEXT,
                "maskingInfo": _obj({"masking": _enum("masking"), "whoMasked": _TEXTS, "maskingDescription": _TEXT}),
                "observationalModel": _TEXT, "timePerspective": _TEXT,
            }),
            "enrollmentInfo": _obj({"count": cs.int_schema(strict=True, ge=0), "type": _enum("dateType")}),
        }),
        "armsInterventionsModule": _obj({
            "interventions": _items({"type": _enum("interventionType"), "name": _TEXT, "description": _TEXT,
                                     "otherNames": _TEXTS, "armGroupLabels": _TEXTS}),
            "armGroups": _items({"label": _TEXT, "type": _enum("armGroupType"), "description": _TEXT,
                                 "interventionNames": _TEXTS}),
        }),
        "eligibilityModule": _obj({
            "eligibilityCriteria": _TEXT, "sex": _enum("sex"), "genderBased": _BOOL, "minimumAge": _AGE,
            "maximumAge": _AGE, "healthyVolunteers": _BOOL, "stdAges": _TEXTS, "studyPopulation": _TEXT,
        }),
        "outcomesModule": _obj({f"{kind}Outcomes": _items(_OUTCOME) for kind in _OUTCOME_KINDS}),
        "contactsLocationsModule": _obj({
            "centralContacts": _items(_CONTACT),
            "overallOfficials": _items(_CONTACT),
            "locations": _items({
                **{key: _TEXT for key in ("facility", "city", "state", "zip", "country")},
                "status": _enum("status"),
                "geoPoint": _obj({"lat": _NUMBER, "lon": _NUMBER}),
                "contacts": _items(_CONTACT),
            }),
        }),
        "referencesModule": _obj({"references": _items({"pmid": _TEXT, "type": _TEXT, "citation": _TEXT})}),
    }, "identificationModule"),
    "derivedSection": _obj({"conditionBrowseModule": _BROWSE, "interventionBrowseModule": _BROWSE}),
    "hasResults": _BOOL,
    "trialscoutSource": _obj({
        "format": cs.str_schema(strict=True, max_length=MAX_FORMAT_CHARS),
        "note": cs.str_schema(strict=True),
    }),
}, "protocolSection")

_RECORD = SchemaValidator(RECORD_SCHEMA)


@dataclass(frozen=True)
class RecordSummary:
    """What the store keeps in columns beside a record: the same values its Trial would give."""

    nct_id: str
    title: str
    overall_status: str | None
    last_update_posted: str | None
    source_format: str

    @classmethod
    def of(cls, trial: Trial) -> "RecordSummary":
        return cls(trial.nct_id, trial.title, trial.overall_status,
                   trial.last_update_posted.date if trial.last_update_posted else None, trial.source_format)


_title = Trial.title.fget  # the Trial's own rule, applied to the checked record's values


def plain_summary(study: dict[str, Any], record_json: str) -> RecordSummary | None:
    """The columns of a record the reader would accept with nothing to trim in them, else None.

    ``record_json`` is ``study`` as JSON text (orjson's, as the store keeps it), where a NUL character
    anywhere in the record shows as ``\\u0000``: one search there instead of one in every string.
    """
    if "\\u0000" in record_json or not all(isinstance(key, str) for key in study):
        return None  # the reader refuses NUL in text, and a Trial's raw record has text keys
    try:
        record = _RECORD.validate_python(study)
    except ValidationError:
        return None
    protocol = record["protocolSection"]
    ident, status = protocol["identificationModule"], protocol.get("statusModule", {})
    title = _title(SimpleNamespace(brief_title=ident.get("briefTitle"), official_title=ident.get("officialTitle"),
                                   conditions=protocol.get("conditionsModule", {}).get("conditions", [])))
    return RecordSummary(
        nct_id=ident["nctId"],
        title=title,
        overall_status=status.get("overallStatus"),
        last_update_posted=status.get("lastUpdatePostDateStruct", {}).get("date"),
        source_format=record.get("trialscoutSource", {}).get("format", "ctgov-api-v2"),
    )
