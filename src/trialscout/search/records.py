"""The parts of a stored registry record the search index reads, read straight from the record's JSON.

The store holds only records the reader (:func:`trialscout.trial.trial_from_ctgov`) accepted, so building
index documents need not check a record again nor build its whole :class:`~trialscout.trial.Trial`
(contacts at every site, outcomes, references, design…): :func:`indexed_trial` reads the ~30 values
``documents.py`` uses, trimmed and dropped exactly as the reader does (text stripped, empty text and
nameless treatments or arms left out), about five times faster. The documents are the same as from the
Trial (``tests/search/test_index_records.py`` compares them on every demo record). A record this cannot
read (not in the form the reader stores) is read by the reader instead, which names what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from ..trial import AgeLimit, Trial, trial_from_ctgov
from ..trial.limits import AGE_RE, NO_AGE


class IndexedSite(NamedTuple):
    facility: str | None
    city: str | None
    state: str | None
    country: str | None
    status: str | None
    lat: float | None
    lon: float | None


class IndexedMesh(NamedTuple):
    term: str


class IndexedIntervention(NamedTuple):
    type: str | None
    name: str
    description: str | None
    other_names: list[str]


class IndexedArm(NamedTuple):
    label: str
    description: str | None


class IndexedEligibility(NamedTuple):
    sex: str | None
    minimum_age: AgeLimit | None
    maximum_age: AgeLimit | None
    healthy_volunteers: bool | None


class IndexedDate(NamedTuple):
    date: str


@dataclass(frozen=True, slots=True)
class IndexedTrial:
    """What the index reads of a trial, under the names :class:`Trial` gives them."""

    nct_id: str
    brief_title: str | None
    official_title: str | None
    acronym: str | None
    overall_status: str | None
    phases: list[str]
    study_type: str | None
    first_posted: IndexedDate | None
    last_update_posted: IndexedDate | None
    brief_summary: str | None
    detailed_description: str | None
    conditions: list[str]
    keywords: list[str]
    condition_meshes: list[IndexedMesh]
    condition_ancestors: list[IndexedMesh]
    intervention_meshes: list[IndexedMesh]
    intervention_ancestors: list[IndexedMesh]
    interventions: list[IndexedIntervention]
    arms: list[IndexedArm]
    eligibility: IndexedEligibility
    locations: list[IndexedSite]

    title = property(Trial.title.fget)  # the same rule as the Trial's


def indexed_trial(record: dict[str, Any]) -> IndexedTrial | Trial:
    """The values the index reads of a stored record (the reader's Trial when the record is not plain)."""
    try:
        return _read(record)
    except (AttributeError, TypeError, KeyError, ValueError):  # not as the reader stores it: let it say why
        return trial_from_ctgov(record)


_EMPTY: dict[str, Any] = {}


def _text(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def _texts(values: list[str] | None) -> list[str]:
    return [v.strip() for v in values if v.strip()] if values else []


def _date(module: dict[str, Any], key: str) -> IndexedDate | None:
    when = _text((module.get(key) or _EMPTY).get("date"))
    return IndexedDate(when) if when is not None else None


def _age(value: str | None) -> AgeLimit | None:
    value = _text(value)
    if value is None or value.upper() in NO_AGE:
        return None
    match = AGE_RE.match(value)
    if match is None:
        raise ValueError(value)
    return AgeLimit(value=float(match.group(1)), unit=match.group(2).lower() + "s")


def _meshes(module: dict[str, Any], key: str) -> list[IndexedMesh]:
    terms = []
    for item in module.get(key) or ():
        term = item.get("term")
        if type(term) is not str:
            raise TypeError(term)
        if len(term) > 4096:  # the reader trims only long terms (a registry MeSH term never is)
            term = term.strip()
        if term:
            terms.append(IndexedMesh(term))
    return terms


def _number(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def _read(study: dict[str, Any]) -> IndexedTrial:
    protocol = study["protocolSection"]
    ident = protocol["identificationModule"]
    status = protocol.get("statusModule") or _EMPTY
    description = protocol.get("descriptionModule") or _EMPTY
    conditions = protocol.get("conditionsModule") or _EMPTY
    design = protocol.get("designModule") or _EMPTY
    arms = protocol.get("armsInterventionsModule") or _EMPTY
    eligibility = protocol.get("eligibilityModule") or _EMPTY
    derived = study.get("derivedSection") or _EMPTY
    condition_browse = derived.get("conditionBrowseModule") or _EMPTY
    intervention_browse = derived.get("interventionBrowseModule") or _EMPTY
    interventions = []
    for item in arms.get("interventions") or ():
        name = _text(item.get("name"))
        if name:
            interventions.append(IndexedIntervention(_text(item.get("type")), name, _text(item.get("description")),
                                                     _texts(item.get("otherNames"))))
    groups = []
    for item in arms.get("armGroups") or ():
        label = _text(item.get("label"))
        if label:
            groups.append(IndexedArm(label, _text(item.get("description"))))
    sites = []
    for item in (protocol.get("contactsLocationsModule") or _EMPTY).get("locations") or ():
        geo = item.get("geoPoint") or _EMPTY
        sites.append(IndexedSite(_text(item.get("facility")), _text(item.get("city")), _text(item.get("state")),
                                 _text(item.get("country")), _text(item.get("status")), _number(geo.get("lat")),
                                 _number(geo.get("lon"))))
    return IndexedTrial(
        nct_id=ident["nctId"],
        brief_title=_text(ident.get("briefTitle")),
        official_title=_text(ident.get("officialTitle")),
        acronym=_text(ident.get("acronym")),
        overall_status=_text(status.get("overallStatus")),
        phases=_texts(design.get("phases")),
        study_type=_text(design.get("studyType")),
        first_posted=_date(status, "studyFirstPostDateStruct"),
        last_update_posted=_date(status, "lastUpdatePostDateStruct"),
        brief_summary=_text(description.get("briefSummary")),
        detailed_description=_text(description.get("detailedDescription")),
        conditions=_texts(conditions.get("conditions")),
        keywords=_texts(conditions.get("keywords")),
        condition_meshes=_meshes(condition_browse, "meshes"),
        condition_ancestors=_meshes(condition_browse, "ancestors"),
        intervention_meshes=_meshes(intervention_browse, "meshes"),
        intervention_ancestors=_meshes(intervention_browse, "ancestors"),
        interventions=interventions,
        arms=groups,
        eligibility=IndexedEligibility(_text(eligibility.get("sex")), _age(eligibility.get("minimumAge")),
                                       _age(eligibility.get("maximumAge")), eligibility.get("healthyVolunteers")),
        locations=sites,
    )
