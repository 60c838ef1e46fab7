"""Legacy ClinicalTrials.gov ``<clinical_study>`` XML -> API v2 study dict.

The legacy format is the one of the AllPublicXML bulk download and of the
old ``/show/NCT...?displayxml=true`` pages (schema ``public.xsd``).  TREC-era
corpora ship trials in it.  The project's single Trial model is built from an
API v2 study object, so this module converts a legacy record into a dict of
that shape (``{"protocolSection": ..., "derivedSection": ..., "hasResults":
...}``) and the same mapping applies to both.

Everything here is a pure function of its input: no I/O, no network.

Hostile input is refused, never half-parsed: documents that declare a DOCTYPE
(and with it entities, the "billion laughs" vector), inputs over
``MAX_INPUT_BYTES``, text that is not well-formed XML, a root other than
``<clinical_study>`` and records without a valid ``nct_id`` raise
``LegacyXmlError`` naming the file.

What cannot be mapped is not invented: an enum value outside the known
vocabulary is kept as given (upper-cased, punctuation and spaces turned into
underscores), a date in an unexpected format is kept verbatim, and elements
with no v2 counterpart are listed in ``trialscoutSource["unmapped"]``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable
from xml.etree import ElementTree as ET
from xml.parsers import expat

__all__ = [
    "LegacyXmlError",
    "MAX_INPUT_BYTES",
    "SOURCE_FORMAT",
    "convert_date",
    "legacy_xml_to_study",
    "looks_like_legacy_xml",
    "parse_study_design",
    "std_ages",
]

SOURCE_FORMAT = "ctgov-legacy-xml"

#: Largest accepted record.  Real records, results included, stay under 1 MB
#: (the biggest of the 2007 sample is 0.8 MB); anything far larger is refused.
MAX_INPUT_BYTES = 16 * 1024 * 1024

_NCT_RE = re.compile(r"NCT\d{8}", re.IGNORECASE)


class LegacyXmlError(ValueError):
    """A legacy XML record that cannot (or must not) be converted.

    ``source`` names the file (or whatever the caller passed as ``source``),
    ``reason`` says what is wrong.  Picklable, so it survives a process pool.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.source or '<unnamed input>'}: {self.reason}"


# --------------------------------------------------------------------------
# detection


_PROLOG_RE = re.compile(
    r"""\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)""",
    re.DOTALL | re.IGNORECASE,
)
_ROOT_RE = re.compile(r"\s*<clinical_study[\s/>]")


def looks_like_legacy_xml(head: bytes) -> bool:
    """True if ``head`` (the first few KB of a file) starts a ``<clinical_study>`` document.

    Skips a BOM, the XML declaration, comments, processing instructions and a
    DOCTYPE (a DOCTYPE'd record is still routed here so that the conversion
    can refuse it with a named error).  Never raises.
    """
    if not head:
        return False
    if isinstance(head, str):
        text = head
    else:
        head = bytes(head)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
            len(head) > 1 and (head[0] == 0) != (head[1] == 0)
        ):
            # UTF-16 (with BOM, or a '<' next to a NUL byte).
            if head.startswith(b"\xff\xfe") or (len(head) > 1 and head[1] == 0):
                text = head.decode("utf-16-le", errors="replace")
            else:
                text = head.decode("utf-16-be", errors="replace")
        else:
            text = head.decode("utf-8", errors="replace")
    text = text.lstrip("\ufeff")
    pos = 0
    while True:
        m = _PROLOG_RE.match(text, pos)
        if not m:
            break
        pos = m.end()
    return _ROOT_RE.match(text, pos) is not None


# --------------------------------------------------------------------------
# safe parsing


class _Refused(Exception):
    pass


def _refuse_doctype(*_args: Any) -> None:
    raise _Refused("DOCTYPE declarations are not accepted (entity expansion risk)")


def _refuse_entity(*_args: Any) -> None:
    raise _Refused("ENTITY declarations are not accepted (entity expansion risk)")


def _parse(data: Any, source: str) -> ET.Element:
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, (bytes, str)):
        raise LegacyXmlError(source, f"expected bytes, got {type(data).__name__}")
    if len(data) > MAX_INPUT_BYTES:
        raise LegacyXmlError(
            source, f"input of {len(data)} bytes exceeds the {MAX_INPUT_BYTES}-byte limit"
        )
    if not data.strip():
        raise LegacyXmlError(source, "empty input")
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()
    # The C TreeBuilder methods are wired straight in: fast, and expat itself
    # reports any DOCTYPE whatever the document's encoding.
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
        root = builder.close()
    except _Refused as exc:
        raise LegacyXmlError(source, str(exc)) from None
    except expat.ExpatError as exc:
        raise LegacyXmlError(source, f"not well-formed XML: {exc}") from None
    except Exception as exc:  # codec lookups, encoding errors, builder state ...
        raise LegacyXmlError(source, f"cannot parse XML: {type(exc).__name__}: {exc}") from None
    return root


# --------------------------------------------------------------------------
# text helpers


def _raw(el: ET.Element | None) -> str | None:
    if el is None:
        return None
    return "".join(el.itertext())


def _line(el: ET.Element | None) -> str | None:
    """Element text on one line, whitespace collapsed; None if empty."""
    raw = _raw(el)
    if raw is None:
        return None
    text = " ".join(raw.split())
    return text or None


def _multiline(el: ET.Element | None) -> str | None:
    """Element text keeping its own line breaks (short free-text fields)."""
    raw = _raw(el)
    if raw is None:
        return None
    lines = [" ".join(ln.split()) for ln in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text or None


_BULLETS = "-*•·▪◦o"
_MARKER_RE = re.compile(
    r"(?P<m>[-*•·▪◦]|o(?=\s)|\d{1,3}[.)]|[a-z][.)]|\(\d{1,3}\)|\([a-z]\)|[ivx]{1,5}[.)])\s+(?=\S)"
)


def _textblock(el: ET.Element | None) -> str | None:
    """Unwrap a legacy ``<textblock>`` into v2-style text.

    Legacy textblocks are hard-wrapped at about 100 columns and indented;
    paragraphs and list items are separated by blank lines, list items
    start with ``-`` (or a number) two columns in, and wrapped lines are
    aligned under the item text.  Each blank-line separated block becomes
    one line; dash-like bullets become ``* `` as in API v2 text, nested
    items are indented two spaces per level, consecutive list items are
    separated by a single newline and everything else by a blank line
    (exactly the layout v2 uses for "Inclusion Criteria:" lists).
    """
    if el is None:
        return None
    tb = el.find("textblock")
    raw = _raw(tb if tb is not None else el)
    if raw is None:
        return None
    blocks: list[list[Any]] = []  # [indent, [stripped lines]]
    current: list[Any] | None = None
    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.expandtabs(4).rstrip()
        if not line.strip():
            current = None
            continue
        if current is None:
            current = [len(line) - len(line.lstrip()), []]
            blocks.append(current)
        current[1].append(line.strip())
    if not blocks:
        return None

    parsed = []
    for indent, lines in blocks:
        text = " ".join(" ".join(lines).split())
        parsed.append((indent, text, _MARKER_RE.match(text)))
    para_indents = [i for i, _, m in parsed if m is None]
    all_indents = [i for i, _, _ in parsed]
    base = min(all_indents) if para_indents else max(0, min(all_indents) - 2)

    rendered: list[tuple[bool, str]] = []  # (list-ish, line)
    for indent, text, m in parsed:
        rel = indent - base
        if m is not None:
            level = max(0, round((rel - 2) / 5))
            marker = m.group("m")
            body = text[m.end():]
            head = "*" if marker in _BULLETS else marker
            rendered.append((True, "  " * level + f"{head} {body}"))
        else:
            level = max(0, round(rel / 5))
            rendered.append((level > 0, "  " * level + text))
    out = [rendered[0][1]]
    for (prev_list, _), (cur_list, line) in zip(rendered, rendered[1:]):
        out.append("\n" if prev_list and cur_list else "\n\n")
        out.append(line)
    return "".join(out) or None


# --------------------------------------------------------------------------
# enums


def _norm_key(value: str) -> str:
    return " ".join(value.split()).casefold()


def _generic_enum(value: str) -> str:
    out = re.sub(r"[^0-9A-Za-z]+", "_", value).strip("_").upper()
    return out or value.upper()


def _enum(value: str | None, table: dict[str, str]) -> str | None:
    """Map a legacy display value to the v2 enum; unknown values kept as given."""
    if value is None:
        return None
    hit = table.get(_norm_key(value))
    return hit if hit is not None else _generic_enum(value)


def _table(pairs: dict[str, str]) -> dict[str, str]:
    return {_norm_key(k): v for k, v in pairs.items()}


STATUS = _table({
    "Recruiting": "RECRUITING",
    "Not yet recruiting": "NOT_YET_RECRUITING",
    "Active, not recruiting": "ACTIVE_NOT_RECRUITING",
    "Completed": "COMPLETED",
    "Terminated": "TERMINATED",
    "Withdrawn": "WITHDRAWN",
    "Suspended": "SUSPENDED",
    "Enrolling by invitation": "ENROLLING_BY_INVITATION",
    "Unknown status": "UNKNOWN",
    "Unknown": "UNKNOWN",
    "Available": "AVAILABLE",
    "No longer available": "NO_LONGER_AVAILABLE",
    "Temporarily not available": "TEMPORARILY_NOT_AVAILABLE",
    "Approved for marketing": "APPROVED_FOR_MARKETING",
    "Withheld": "WITHHELD",
})

DATE_TYPE = _table({
    "Actual": "ACTUAL",
    "Anticipated": "ESTIMATED",
    "Estimate": "ESTIMATED",
    "Estimated": "ESTIMATED",
})

AGENCY_CLASS = _table({
    "NIH": "NIH",
    "U.S. Fed": "FED",
    "Industry": "INDUSTRY",
    "Other": "OTHER",
    "Other U.S. Government": "OTHER_GOV",
    "Individual": "INDIV",
    "Network": "NETWORK",
    "Ambiguous": "AMBIG",
    "Unknown": "UNKNOWN",
})

STUDY_TYPE = _table({
    "Interventional": "INTERVENTIONAL",
    "Observational": "OBSERVATIONAL",
    "Observational [Patient Registry]": "OBSERVATIONAL",
    "Expanded Access": "EXPANDED_ACCESS",
})

PHASE = _table({
    "Early Phase 1": "EARLY_PHASE1",
    "Phase 0": "EARLY_PHASE1",
    "Phase 1": "PHASE1",
    "Phase 2": "PHASE2",
    "Phase 3": "PHASE3",
    "Phase 4": "PHASE4",
    "Phase I": "PHASE1",
    "Phase II": "PHASE2",
    "Phase III": "PHASE3",
    "Phase IV": "PHASE4",
    "N/A": "NA",
})

ALLOCATION = _table({
    "Randomized": "RANDOMIZED",
    "Non-Randomized": "NON_RANDOMIZED",
    "Nonrandomized": "NON_RANDOMIZED",
    "N/A": "NA",
})

INTERVENTION_MODEL = _table({
    "Single Group Assignment": "SINGLE_GROUP",
    "Parallel Assignment": "PARALLEL",
    "Crossover Assignment": "CROSSOVER",
    "Factorial Assignment": "FACTORIAL",
    "Sequential Assignment": "SEQUENTIAL",
})

PRIMARY_PURPOSE = _table({
    "Treatment": "TREATMENT",
    "Prevention": "PREVENTION",
    "Diagnostic": "DIAGNOSTIC",
    "Supportive Care": "SUPPORTIVE_CARE",
    "Screening": "SCREENING",
    "Health Services Research": "HEALTH_SERVICES_RESEARCH",
    "Basic Science": "BASIC_SCIENCE",
    "Device Feasibility": "DEVICE_FEASIBILITY",
    "Educational/Counseling/Training": "ECT",
    "Other": "OTHER",
})

OBSERVATIONAL_MODEL = _table({
    "Cohort": "COHORT",
    "Case-Control": "CASE_CONTROL",
    "Case Control": "CASE_CONTROL",
    "Case-Only": "CASE_ONLY",
    "Case-Crossover": "CASE_CROSSOVER",
    "Ecologic or Community": "ECOLOGIC_OR_COMMUNITY",
    "Ecologic or Community Studies": "ECOLOGIC_OR_COMMUNITY",
    "Family-Based": "FAMILY_BASED",
    "Defined Population": "DEFINED_POPULATION",
    "Natural History": "NATURAL_HISTORY",
    "Other": "OTHER",
})

TIME_PERSPECTIVE = _table({
    "Prospective": "PROSPECTIVE",
    "Retrospective": "RETROSPECTIVE",
    "Cross-Sectional": "CROSS_SECTIONAL",
    "Retrospective/Prospective": "OTHER",
    "Other": "OTHER",
})

MASKING_LEVEL = {1: "SINGLE", 2: "DOUBLE", 3: "TRIPLE", 4: "QUADRUPLE"}
MASKING_WORD = {
    "none": "NONE", "open": "NONE", "single": "SINGLE", "double": "DOUBLE",
    "triple": "TRIPLE", "quadruple": "QUADRUPLE",
}
WHO_MASKED = _table({
    "Participant": "PARTICIPANT",
    "Subject": "PARTICIPANT",
    "Care Provider": "CARE_PROVIDER",
    "Caregiver": "CARE_PROVIDER",
    "Investigator": "INVESTIGATOR",
    "Outcomes Assessor": "OUTCOMES_ASSESSOR",
})

ARM_TYPE = _table({
    "Experimental": "EXPERIMENTAL",
    "Active Comparator": "ACTIVE_COMPARATOR",
    "Placebo Comparator": "PLACEBO_COMPARATOR",
    "Sham Comparator": "SHAM_COMPARATOR",
    "No Intervention": "NO_INTERVENTION",
    "Other": "OTHER",
})

INTERVENTION_TYPE = _table({
    "Drug": "DRUG",
    "Device": "DEVICE",
    "Biological": "BIOLOGICAL",
    "Procedure": "PROCEDURE",
    "Procedure/Surgery": "PROCEDURE",
    "Radiation": "RADIATION",
    "Behavioral": "BEHAVIORAL",
    "Genetic": "GENETIC",
    "Dietary Supplement": "DIETARY_SUPPLEMENT",
    "Combination Product": "COMBINATION_PRODUCT",
    "Diagnostic Test": "DIAGNOSTIC_TEST",
    "Other": "OTHER",
})

SEX = _table({"All": "ALL", "Both": "ALL", "Female": "FEMALE", "Male": "MALE"})

OFFICIAL_ROLE = _table({
    "Principal Investigator": "PRINCIPAL_INVESTIGATOR",
    "Sub-Investigator": "SUB_INVESTIGATOR",
    "Study Chair": "STUDY_CHAIR",
    "Study Director": "STUDY_DIRECTOR",
})

RESPONSIBLE_PARTY_TYPE = _table({
    "Sponsor": "SPONSOR",
    "Principal Investigator": "PRINCIPAL_INVESTIGATOR",
    "Sponsor-Investigator": "SPONSOR_INVESTIGATOR",
})

IPD_SHARING = _table({"Yes": "YES", "No": "NO", "Undecided": "UNDECIDED"})

IPD_INFO_TYPE = _table({
    "Study Protocol": "STUDY_PROTOCOL",
    "Statistical Analysis Plan (SAP)": "SAP",
    "Informed Consent Form (ICF)": "ICF",
    "Clinical Study Report (CSR)": "CSR",
    "Analytic Code": "ANALYTIC_CODE",
})

SAMPLING_METHOD = _table({
    "Probability Sample": "PROBABILITY_SAMPLE",
    "Non-Probability Sample": "NON_PROBABILITY_SAMPLE",
})

BIOSPEC_RETENTION = _table({
    "None Retained": "NONE_RETAINED",
    "Samples With DNA": "SAMPLES_WITH_DNA",
    "Samples Without DNA": "SAMPLES_WITHOUT_DNA",
})

_YES = {"yes", "true", "y"}
_NO = {"no", "false", "n"}


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    key = value.strip().casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    return None


# --------------------------------------------------------------------------
# dates and ages

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_DATE_DAY_RE = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_DATE_MONTH_RE = re.compile(r"([A-Za-z]+)\.?,?\s+(\d{4})")
_DATE_ISO_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def convert_date(text: str | None) -> str | None:
    """'July 2007' -> '2007-07', 'July 12, 2007' -> '2007-07-12'.

    ISO input passes through.  Anything else (or an impossible date such as
    'February 30, 2007') is returned unchanged rather than guessed.
    """
    if text is None:
        return None
    t = " ".join(text.split())
    if not t:
        return None
    m = _DATE_DAY_RE.fullmatch(t)
    if m and m.group(1).casefold() in _MONTHS:
        y, mo, d = int(m.group(3)), _MONTHS[m.group(1).casefold()], int(m.group(2))
        try:
            return date(y, mo, d).isoformat()
        except ValueError:
            return t
    m = _DATE_MONTH_RE.fullmatch(t)
    if m and m.group(1).casefold() in _MONTHS:
        return f"{int(m.group(2)):04d}-{_MONTHS[m.group(1).casefold()]:02d}"
    m = _DATE_ISO_RE.fullmatch(t)
    if m:
        try:
            date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
        except ValueError:
            return t
        return t
    return t


_AGE_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(years?|months?|weeks?|days?|hours?|minutes?)", re.IGNORECASE
)
_AGE_UNIT_YEARS = {
    "year": 1.0,
    "month": 1 / 12,
    "week": 7 / 365.25,
    "day": 1 / 365.25,
    "hour": 1 / 8766,
    "minute": 1 / 525960,
}
_NO_LIMIT = {"n/a", "na", "none", "no limit", ""}


def _age(text: str | None) -> tuple[str | None, float | None, bool]:
    """(v2 string or None, value in years or None, understood?)."""
    if text is None:
        return None, None, True
    t = " ".join(text.split())
    if t.casefold() in _NO_LIMIT:
        return None, None, True
    m = _AGE_RE.fullmatch(t)
    if not m:
        return t, None, False
    unit = m.group(2).casefold().rstrip("s")
    return t, float(m.group(1)) * _AGE_UNIT_YEARS[unit], True


def std_ages(min_years: float | None, max_years: float | None) -> list[str]:
    """The API's age groups: CHILD (birth-17), ADULT (18-64), OLDER_ADULT (65+).

    A group is listed when the [minimum, maximum] range overlaps it; a
    maximum of '17 Years' means "up to 17", so it is not ADULT.
    """
    lo = 0.0 if min_years is None else min_years
    hi = float("inf") if max_years is None else max_years
    out = []
    if lo < 18:
        out.append("CHILD")
    if lo < 65 and hi >= 18:
        out.append("ADULT")
    if hi >= 65:
        out.append("OLDER_ADULT")
    return out


# --------------------------------------------------------------------------
# structure helpers


def _compact(value: Any) -> Any:
    """Drop None, empty strings, empty lists and empty dicts, recursively."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _compact(v)
            if v is None or v == "" or v == [] or v == {}:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        items = [_compact(v) for v in value]
        return [v for v in items if not (v is None or v == "" or v == [] or v == {})]
    return value


def _all_lines(parent: ET.Element, path: str) -> list[str]:
    out = []
    for el in parent.findall(path):
        t = _line(el)
        if t:
            out.append(t)
    return out


def _dedupe(items: Iterable[str]) -> list[str]:
    seen = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def _person_name(el: ET.Element) -> str | None:
    parts = [_line(el.find(t)) for t in ("first_name", "middle_name", "last_name")]
    name = " ".join(p for p in parts if p)
    degrees = _line(el.find("degrees"))
    if degrees:
        name = f"{name}, {degrees}" if name else degrees
    return name or None


def _contact(el: ET.Element, role: str) -> dict[str, Any]:
    return {
        "name": _person_name(el),
        "role": role,
        "phone": _line(el.find("phone")),
        "phoneExt": _line(el.find("phone_ext")),
        "email": _line(el.find("email")),
    }


class _Ctx:
    """Per-record state: the root and the notes about what was not mapped."""

    def __init__(self, root: ET.Element) -> None:
        self.root = root
        self.unmapped: list[str] = []

    def note(self, what: str) -> None:
        if what not in self.unmapped:
            self.unmapped.append(what)

    def date(self, path: str) -> str | None:
        el = self.root.find(path)
        t = _line(el)
        if t is None:
            return None
        d = convert_date(t)
        if d == t and not _DATE_ISO_RE.fullmatch(t):
            self.note(f"{path}: unrecognised date kept as given")
        return d

    def date_struct(self, path: str) -> dict[str, Any] | None:
        el = self.root.find(path)
        d = self.date(path)
        if d is None:
            return None
        out: dict[str, Any] = {"date": d}
        typ = el.get("type") if el is not None else None
        if typ and typ.strip():
            out["type"] = _enum(typ, DATE_TYPE)
        return out


# --------------------------------------------------------------------------
# design


_DESIGN_KEYS = {
    "allocation": "allocation",
    "control": "control",
    "endpoint classification": "endpoint",
    "intervention model": "interventionModel",
    "masking": "masking",
    "primary purpose": "primaryPurpose",
    "observational model": "observationalModel",
    "time perspective": "timePerspective",
}


def _split_top_level(text: str, sep: str = ",") -> list[str]:
    parts, depth, buf = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    parts.append("".join(buf))
    return [p.strip() for p in parts if p.strip()]


def _masking(text: str) -> dict[str, Any]:
    """'Double (Participant, Investigator)' / 'Double Blind (Subject, Caregiver)' /
    'None (Open Label)' / 'Open Label' -> v2 maskingInfo."""
    t = " ".join(text.split())
    roles: list[str] = []
    m = re.search(r"\(([^()]*)\)", t)
    head = t[: m.start()].strip() if m else t
    if m:
        inner = [r.strip() for r in m.group(1).split(",") if r.strip()]
        if inner and not any(r.casefold() in {"open label", "open-label"} for r in inner):
            roles = _dedupe(_enum(r, WHO_MASKED) for r in inner)
    first = re.split(r"[\s\-]+", head.casefold(), maxsplit=1)[0] if head else ""
    if first in {"none", "open"}:
        return {"masking": "NONE"}
    if first in MASKING_WORD and roles and len(roles) in MASKING_LEVEL and "blind" in head.casefold():
        # Old wording ("Double Blind (Subject, Caregiver, Investigator)") counted
        # differently; CT.gov re-derived the level from the roles masked.
        level = MASKING_LEVEL[len(roles)]
    elif first in MASKING_WORD:
        level = MASKING_WORD[first]
    else:
        level = _generic_enum(head or t)
    out: dict[str, Any] = {"masking": level}
    if roles:
        out["whoMasked"] = roles
    return out


def _model(value: str) -> str:
    hit = INTERVENTION_MODEL.get(_norm_key(value))
    if hit:
        return hit
    return _generic_enum(re.sub(r"\s+assignment$", "", value.strip(), flags=re.IGNORECASE))


def parse_study_design(text: str) -> tuple[dict[str, Any], list[str]]:
    """Parse the free-text ``<study_design>`` of pre-2011 legacy records.

    Handles the keyed form ("Allocation: Randomized, Control: Placebo
    Control, ..., Masking: Double Blind (Subject, Investigator), Primary
    Purpose: Treatment") and the older unkeyed one ("Treatment, Randomized,
    Double Blind (Subject), Placebo Control, Parallel Assignment,
    Safety/Efficacy Study").  Returns (v2 designInfo, unmapped notes).
    """
    info: dict[str, Any] = {}
    notes: list[str] = []
    for token in _split_top_level(" ".join(text.split())):
        key = None
        value = token
        if ":" in token:
            k, v = token.split(":", 1)
            if _norm_key(k) in _DESIGN_KEYS:
                key, value = _DESIGN_KEYS[_norm_key(k)], v.strip()
        low = _norm_key(value)
        if key is None:
            # Unkeyed: recognise the value by its vocabulary.
            if low in ALLOCATION and low != "n/a":
                key = "allocation"
            elif low.endswith("assignment"):
                key = "interventionModel"
            elif "blind" in low or "open label" in low or low.split(" ")[0] in MASKING_WORD:
                key = "masking"
            elif low in PRIMARY_PURPOSE and low != "other":
                key = "primaryPurpose"
            elif low in OBSERVATIONAL_MODEL and low != "other":
                key = "observationalModel"
            elif low in TIME_PERSPECTIVE and low != "other":
                key = "timePerspective"
            elif low.endswith("control") or low in {"uncontrolled", "dose comparison"}:
                key = "control"
            elif low.endswith("study"):
                key = "endpoint"
        if not value:
            continue
        if key == "allocation":
            info["allocation"] = _enum(value, ALLOCATION)
        elif key == "interventionModel":
            info["interventionModel"] = _model(value)
        elif key == "primaryPurpose":
            info["primaryPurpose"] = _enum(value, PRIMARY_PURPOSE)
        elif key == "masking":
            info["maskingInfo"] = _masking(value)
        elif key == "observationalModel":
            info["observationalModel"] = _enum(value, OBSERVATIONAL_MODEL)
        elif key == "timePerspective":
            info["timePerspective"] = _enum(value, TIME_PERSPECTIVE)
        elif key == "control":
            notes.append("study_design: Control (no v2 field)")
        elif key == "endpoint":
            notes.append("study_design: Endpoint Classification (no v2 field)")
        else:
            notes.append(f"study_design: unrecognised part {token!r}")
    return info, notes


def _design_info(ctx: _Ctx) -> dict[str, Any]:
    root = ctx.root
    sdi = root.find("study_design_info")
    info: dict[str, Any] = {}
    free = _line(root.find("study_design"))
    if free:
        parsed, notes = parse_study_design(free)
        info.update(parsed)
        for n in notes:
            ctx.note(n)
    if sdi is not None:
        structured: dict[str, Any] = {
            "allocation": _enum(_line(sdi.find("allocation")), ALLOCATION),
            "interventionModel": (
                _model(v) if (v := _line(sdi.find("intervention_model"))) else None
            ),
            "interventionModelDescription": _multiline(sdi.find("intervention_model_description")),
            "primaryPurpose": _enum(_line(sdi.find("primary_purpose")), PRIMARY_PURPOSE),
            "observationalModel": _enum(_line(sdi.find("observational_model")), OBSERVATIONAL_MODEL),
            "timePerspective": _enum(_line(sdi.find("time_perspective")), TIME_PERSPECTIVE),
        }
        masking = _line(sdi.find("masking"))
        if masking:
            structured["maskingInfo"] = _masking(masking)
        mdesc = _multiline(sdi.find("masking_description"))
        if mdesc:
            structured.setdefault("maskingInfo", {})["maskingDescription"] = mdesc
        info.update({k: v for k, v in structured.items() if v is not None})
    # v2 key order
    order = ["allocation", "interventionModel", "interventionModelDescription",
             "primaryPurpose", "observationalModel", "timePerspective", "maskingInfo"]
    return {k: info[k] for k in order if k in info}


def _phases(text: str | None) -> list[str]:
    if not text:
        return []
    t = " ".join(text.split())
    if _norm_key(t) in PHASE:
        return [PHASE[_norm_key(t)]]
    return _dedupe(_enum(p, PHASE) for p in t.split("/") if p.strip())


# --------------------------------------------------------------------------
# modules


def _identification(ctx: _Ctx, nct_id: str) -> dict[str, Any]:
    root = ctx.root
    secondary = [{"id": s} for s in _all_lines(root, "id_info/secondary_id")]
    aliases = [a.upper() for a in _all_lines(root, "id_info/nct_alias")]
    secondary += [{"id": a} for a in aliases]
    lead_name = _line(root.find("sponsors/lead_sponsor/agency"))
    # <source> is the organisation that registered the record (v2's
    # "organization"); it usually, but not always, equals the lead sponsor.
    org_name = _line(root.find("source")) or lead_name
    org_class = None
    for sp in [root.find("sponsors/lead_sponsor"), *root.findall("sponsors/collaborator")]:
        if sp is not None and org_name and _line(sp.find("agency")) == org_name:
            org_class = _enum(_line(sp.find("agency_class")), AGENCY_CLASS)
            break
    return {
        "nctId": nct_id,
        "nctIdAliases": aliases,
        "orgStudyIdInfo": {"id": _line(root.find("id_info/org_study_id"))},
        "secondaryIdInfos": secondary,
        "organization": {"fullName": org_name, "class": org_class},
        "briefTitle": _line(root.find("brief_title")),
        "officialTitle": _line(root.find("official_title")),
        "acronym": _line(root.find("acronym")),
    }


def _status(ctx: _Ctx) -> dict[str, Any]:
    root = ctx.root
    out: dict[str, Any] = {
        "statusVerifiedDate": ctx.date("verification_date"),
        "overallStatus": _enum(_line(root.find("overall_status")), STATUS),
        "lastKnownStatus": _enum(_line(root.find("last_known_status")), STATUS),
        # why_stopped is indented and hard-wrapped like a textblock
        "whyStopped": _textblock(root.find("why_stopped")),
    }
    has_ea = _line(root.find("has_expanded_access"))
    if has_ea is not None:
        b = _bool(has_ea)
        if b is None:
            ctx.note("has_expanded_access: unrecognised value")
        out["expandedAccessInfo"] = {"hasExpandedAccess": b}
    out["startDateStruct"] = ctx.date_struct("start_date")
    out["primaryCompletionDateStruct"] = ctx.date_struct("primary_completion_date")
    out["completionDateStruct"] = ctx.date_struct("completion_date")
    # Current elements first; the pre-2017 ones (firstreceived_date,
    # lastchanged_date) only when the current ones are absent.
    out["studyFirstSubmitDate"] = ctx.date("study_first_submitted") or ctx.date("firstreceived_date")
    out["studyFirstSubmitQcDate"] = ctx.date("study_first_submitted_qc")
    out["studyFirstPostDateStruct"] = ctx.date_struct("study_first_posted") or ctx.date_struct(
        "firstreceived_date"
    )
    out["resultsFirstSubmitDate"] = ctx.date("results_first_submitted") or ctx.date(
        "firstreceived_results_date"
    )
    out["resultsFirstSubmitQcDate"] = ctx.date("results_first_submitted_qc")
    out["resultsFirstPostDateStruct"] = ctx.date_struct("results_first_posted")
    out["dispFirstSubmitDate"] = ctx.date("disposition_first_submitted") or ctx.date(
        "firstreceived_results_disposition_date"
    )
    out["dispFirstSubmitQcDate"] = ctx.date("disposition_first_submitted_qc")
    out["dispFirstPostDateStruct"] = ctx.date_struct("disposition_first_posted")
    out["lastUpdateSubmitDate"] = ctx.date("last_update_submitted") or ctx.date("lastchanged_date")
    out["lastUpdatePostDateStruct"] = ctx.date_struct("last_update_posted") or ctx.date_struct(
        "lastchanged_date"
    )
    return out


def _sponsors(ctx: _Ctx) -> dict[str, Any]:
    root = ctx.root

    def agency(el: ET.Element | None) -> dict[str, Any] | None:
        if el is None:
            return None
        return {
            "name": _line(el.find("agency")),
            "class": _enum(_line(el.find("agency_class")), AGENCY_CLASS),
        }

    rp = root.find("responsible_party")
    responsible = None
    if rp is not None:
        responsible = {
            "type": _enum(_line(rp.find("responsible_party_type")), RESPONSIBLE_PARTY_TYPE),
            "investigatorFullName": _line(rp.find("investigator_full_name")),
            "investigatorTitle": _line(rp.find("investigator_title")),
            "investigatorAffiliation": _line(rp.find("investigator_affiliation")),
            "oldNameTitle": _line(rp.find("name_title")),
            "oldOrganization": _line(rp.find("organization")),
        }
    return {
        "responsibleParty": responsible,
        "leadSponsor": agency(root.find("sponsors/lead_sponsor")),
        "collaborators": [agency(c) for c in root.findall("sponsors/collaborator")],
    }


def _oversight(ctx: _Ctx) -> dict[str, Any]:
    ov = ctx.root.find("oversight_info")
    if ov is None:
        return {}
    out = {}
    for tag, key in [
        ("has_dmc", "oversightHasDmc"),
        ("is_fda_regulated_drug", "isFdaRegulatedDrug"),
        ("is_fda_regulated_device", "isFdaRegulatedDevice"),
        ("is_unapproved_device", "isUnapprovedDevice"),
        ("is_ppsd", "isPpsd"),
        ("is_us_export", "isUsExport"),
    ]:
        v = _line(ov.find(tag))
        if v is not None:
            b = _bool(v)
            if b is None:
                ctx.note(f"oversight_info/{tag}: unrecognised value")
            out[key] = b
    for child in ov:
        if child.tag == "authority":
            ctx.note("oversight_info/authority")
    return out


def _design(ctx: _Ctx) -> dict[str, Any]:
    root = ctx.root
    study_type_raw = _line(root.find("study_type"))
    out: dict[str, Any] = {"studyType": _enum(study_type_raw, STUDY_TYPE)}
    if out["studyType"] == "OBSERVATIONAL":
        out["patientRegistry"] = "patient registry" in (study_type_raw or "").casefold()
    eat = root.find("expanded_access_info")
    if eat is not None:
        out["expandedAccessTypes"] = {
            "individual": _bool(_line(eat.find("expanded_access_type_individual"))),
            "intermediate": _bool(_line(eat.find("expanded_access_type_intermediate"))),
            "treatment": _bool(_line(eat.find("expanded_access_type_treatment"))),
        }
    out["targetDuration"] = _line(root.find("target_duration"))
    out["phases"] = _phases(_line(root.find("phase")))
    out["designInfo"] = _design_info(ctx)
    out["bioSpec"] = {
        "retention": _enum(_line(root.find("biospec_retention")), BIOSPEC_RETENTION),
        "description": _textblock(root.find("biospec_descr")),
    }
    enr = root.find("enrollment")
    count_text = _line(enr)
    if count_text is not None:
        info: dict[str, Any] = {}
        if re.fullmatch(r"\d{1,9}", count_text):
            info["count"] = int(count_text)
        else:
            ctx.note(f"enrollment: non-integer count {count_text[:40]!r}")
        typ = enr.get("type") if enr is not None else None
        if typ and typ.strip():
            info["type"] = _enum(typ, DATE_TYPE)
        out["enrollmentInfo"] = info
    return out


def _arms_interventions(ctx: _Ctx) -> dict[str, Any]:
    root = ctx.root
    interventions = []
    for iv in root.findall("intervention"):
        type_text = _line(iv.find("intervention_type"))
        interventions.append({
            "type": _enum(type_text, INTERVENTION_TYPE),
            "name": _line(iv.find("intervention_name")),
            "description": _multiline(iv.find("description")),
            "armGroupLabels": _all_lines(iv, "arm_group_label"),
            "otherNames": _all_lines(iv, "other_name"),
            "_display": f"{type_text}: " if type_text else "",
        })
    arms = []
    for ag in root.findall("arm_group"):
        label = _line(ag.find("arm_group_label"))
        names = []
        if label:
            for iv in interventions:
                labels = iv["armGroupLabels"]
                if label in labels or label.casefold() in {x.casefold() for x in labels}:
                    if iv["name"]:
                        names.append(iv["_display"] + iv["name"])
        arms.append({
            "label": label,
            "type": _enum(_line(ag.find("arm_group_type")), ARM_TYPE),
            "description": _multiline(ag.find("description")),
            "interventionNames": _dedupe(names),
        })
    for iv in interventions:
        del iv["_display"]
    return {"armGroups": arms, "interventions": interventions}


def _outcomes(ctx: _Ctx) -> dict[str, Any]:
    def outcomes(tag: str) -> list[dict[str, Any]]:
        out = []
        for el in ctx.root.findall(tag):
            if len(el) == 0:
                # Oldest form: the outcome as bare text.
                out.append({"measure": _line(el)})
                continue
            out.append({
                "measure": _line(el.find("measure")),
                "description": _multiline(el.find("description")),
                "timeFrame": _line(el.find("time_frame")),
            })
            if el.find("safety_issue") is not None:
                ctx.note(f"{tag}/safety_issue")
        return out

    return {
        "primaryOutcomes": outcomes("primary_outcome"),
        "secondaryOutcomes": outcomes("secondary_outcome"),
        "otherOutcomes": outcomes("other_outcome"),
    }


def _eligibility(ctx: _Ctx) -> dict[str, Any]:
    el = ctx.root.find("eligibility")
    if el is None:
        return {}
    min_s, min_y, min_ok = _age(_line(el.find("minimum_age")))
    max_s, max_y, max_ok = _age(_line(el.find("maximum_age")))
    if not min_ok:
        ctx.note("eligibility/minimum_age: unrecognised age, no stdAges")
    if not max_ok:
        ctx.note("eligibility/maximum_age: unrecognised age, no stdAges")
    hv_text = _line(el.find("healthy_volunteers"))
    hv = None
    if hv_text is not None:
        key = hv_text.casefold()
        if key.startswith("accepts healthy") or key in _YES:
            hv = True
        elif key in _NO:
            hv = False
        else:
            ctx.note("eligibility/healthy_volunteers: unrecognised value")
    return {
        "eligibilityCriteria": _textblock(el.find("criteria")),
        "healthyVolunteers": hv,
        "sex": _enum(_line(el.find("gender")), SEX),
        "genderBased": _bool(_line(el.find("gender_based"))),
        "genderDescription": _multiline(el.find("gender_description")),
        "minimumAge": min_s,
        "maximumAge": max_s,
        "stdAges": std_ages(min_y, max_y) if (min_ok and max_ok) else [],
        "studyPopulation": _textblock(el.find("study_pop")),
        "samplingMethod": _enum(_line(el.find("sampling_method")), SAMPLING_METHOD),
    }


def _contacts_locations(ctx: _Ctx) -> dict[str, Any]:
    root = ctx.root
    central = [
        _contact(c, "CONTACT")
        for tag in ("overall_contact", "overall_contact_backup")
        for c in root.findall(tag)
    ]
    officials = [
        {
            "name": _person_name(o),
            "affiliation": _line(o.find("affiliation")),
            "role": _enum(_line(o.find("role")), OFFICIAL_ROLE),
        }
        for o in root.findall("overall_official")
    ]
    locations = []
    for loc in root.findall("location"):
        fac = loc.find("facility")
        addr = fac.find("address") if fac is not None else None

        def a(tag: str) -> str | None:
            return _line(addr.find(tag)) if addr is not None else None

        contacts = [
            _contact(c, "CONTACT")
            for tag in ("contact", "contact_backup")
            for c in loc.findall(tag)
        ]
        for inv in loc.findall("investigator"):
            contacts.append({
                "name": _person_name(inv),
                "role": _enum(_line(inv.find("role")), OFFICIAL_ROLE),
            })
        locations.append({
            "facility": _line(fac.find("name")) if fac is not None else None,
            "status": _enum(_line(loc.find("status")), STATUS),
            "city": a("city"),
            "state": a("state"),
            "zip": a("zip"),
            "country": a("country"),
            "contacts": contacts,
        })
    return {"centralContacts": central, "overallOfficials": officials, "locations": locations}


def _references(ctx: _Ctx) -> dict[str, Any]:
    root = ctx.root
    refs = []
    for tag, typ in (("reference", "BACKGROUND"), ("results_reference", "RESULT")):
        for r in root.findall(tag):
            refs.append({
                "pmid": _line(r.find("PMID")),
                "type": typ,
                "citation": _multiline(r.find("citation")),
            })
    links = [
        {"label": _line(lk.find("description")), "url": _line(lk.find("url"))}
        for lk in root.findall("link")
    ]
    ipds = [
        {
            "id": _line(d.find("doc_id")),
            "type": _line(d.find("doc_type")),
            "url": _line(d.find("doc_url")),
            "comment": _multiline(d.find("doc_comment")),
        }
        for d in root.findall("study_docs/study_doc")
    ]
    return {"references": refs, "seeAlsoLinks": links, "availIpds": ipds}


def _ipd(ctx: _Ctx) -> dict[str, Any]:
    pd = ctx.root.find("patient_data")
    if pd is None:
        return {}
    return {
        "ipdSharing": _enum(_line(pd.find("sharing_ipd")), IPD_SHARING),
        "description": _multiline(pd.find("ipd_description")),
        "infoTypes": _dedupe(
            _enum(t, IPD_INFO_TYPE) for t in _all_lines(pd, "ipd_info_type")
        ),
        "timeFrame": _multiline(pd.find("ipd_time_frame")),
        "accessCriteria": _multiline(pd.find("ipd_access_criteria")),
        "url": _line(pd.find("ipd_url")),
    }


def _documents(ctx: _Ctx) -> dict[str, Any]:
    docs = []
    for d in ctx.root.findall("provided_document_section/provided_document"):
        url = _line(d.find("document_url"))
        filename = url.rsplit("/", 1)[-1] if url else None
        abbrev = None
        if filename:
            m = re.fullmatch(r"(.+?)_\d+\.\w+", filename)
            abbrev = m.group(1) if m else None
        docs.append({
            "typeAbbrev": abbrev,
            "hasProtocol": _bool(_line(d.find("document_has_protocol"))),
            "hasSap": _bool(_line(d.find("document_has_sap"))),
            "hasIcf": _bool(_line(d.find("document_has_icf"))),
            "label": _line(d.find("document_type")),
            "date": convert_date(_line(d.find("document_date"))),
            "filename": filename,
        })
    return {"largeDocumentModule": {"largeDocs": docs}} if docs else {}


def _derived(ctx: _Ctx) -> dict[str, Any]:
    root = ctx.root
    version = None
    dl = _line(root.find("required_header/download_date"))
    if dl:
        m = re.search(r"on\s+(.+)$", dl)
        if m:
            d = convert_date(m.group(1))
            version = d if d and _DATE_ISO_RE.fullmatch(d) else None
    return {
        "miscInfoModule": {
            "versionHolder": version,
            "removedCountries": _all_lines(root, "removed_countries/country"),
        },
        "conditionBrowseModule": {
            "meshes": [{"term": t} for t in _all_lines(root, "condition_browse/mesh_term")]
        },
        "interventionBrowseModule": {
            "meshes": [{"term": t} for t in _all_lines(root, "intervention_browse/mesh_term")]
        },
    }


# Top-level elements consumed above (or redundant with what is: counts of
# arms, the country list, the header).  Anything else is reported.
_HANDLED = {
    "required_header", "id_info", "brief_title", "acronym", "official_title",
    "sponsors", "source", "oversight_info", "brief_summary", "detailed_description",
    "overall_status", "last_known_status", "why_stopped", "start_date",
    "completion_date", "primary_completion_date", "phase", "study_type",
    "has_expanded_access", "expanded_access_info", "study_design_info", "study_design",
    "target_duration", "primary_outcome", "secondary_outcome", "other_outcome",
    "number_of_arms", "number_of_groups", "enrollment", "condition", "arm_group",
    "intervention", "biospec_retention", "biospec_descr", "eligibility",
    "overall_official", "overall_contact", "overall_contact_backup", "location",
    "location_countries", "removed_countries", "link", "reference", "results_reference",
    "verification_date", "study_first_submitted", "study_first_submitted_qc",
    "study_first_posted", "results_first_submitted", "results_first_submitted_qc",
    "results_first_posted", "disposition_first_submitted",
    "disposition_first_submitted_qc", "disposition_first_posted",
    "last_update_submitted", "last_update_submitted_qc", "last_update_posted",
    "firstreceived_date", "lastchanged_date", "firstreceived_results_date",
    "firstreceived_results_disposition_date", "responsible_party", "keyword",
    "condition_browse", "intervention_browse", "patient_data", "study_docs",
    "provided_document_section",
}


# --------------------------------------------------------------------------
# entry point


def legacy_xml_to_study(data: bytes, source: str = "") -> dict[str, Any]:
    """Convert one legacy ``<clinical_study>`` record to an API v2 study dict.

    ``source`` names the record in errors and in
    ``study["trialscoutSource"]["file"]``.  Raises ``LegacyXmlError`` (and
    nothing else) for input that is not a usable record.
    """
    source = source if isinstance(source, str) else str(source)
    root = _parse(data, source)
    if root.tag != "clinical_study":
        raise LegacyXmlError(source, f"root element is <{root.tag}>, not <clinical_study>")
    nct_raw = _line(root.find("id_info/nct_id"))
    if not nct_raw:
        raise LegacyXmlError(source, "no id_info/nct_id")
    if not _NCT_RE.fullmatch(nct_raw):
        raise LegacyXmlError(source, f"id_info/nct_id {nct_raw[:40]!r} is not an NCT number")
    nct_id = nct_raw.upper()

    ctx = _Ctx(root)
    protocol = {
        "identificationModule": _identification(ctx, nct_id),
        "statusModule": _status(ctx),
        "sponsorCollaboratorsModule": _sponsors(ctx),
        "oversightModule": _oversight(ctx),
        "descriptionModule": {
            "briefSummary": _textblock(root.find("brief_summary")),
            "detailedDescription": _textblock(root.find("detailed_description")),
        },
        "conditionsModule": {
            "conditions": _dedupe(_all_lines(root, "condition")),
            "keywords": _dedupe(_all_lines(root, "keyword")),
        },
        "designModule": _design(ctx),
        "armsInterventionsModule": _arms_interventions(ctx),
        "outcomesModule": _outcomes(ctx),
        "eligibilityModule": _eligibility(ctx),
        "contactsLocationsModule": _contacts_locations(ctx),
        "referencesModule": _references(ctx),
        "ipdSharingStatementModule": _ipd(ctx),
    }
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "clinical_results":
            ctx.note("clinical_results (results section not converted)")
        elif child.tag not in _HANDLED:
            ctx.note(child.tag)

    study: dict[str, Any] = {
        "protocolSection": _compact(protocol),
        "derivedSection": _compact(_derived(ctx)),
    }
    documents = _compact(_documents(ctx))
    if documents:
        study["documentSection"] = documents
    study["hasResults"] = root.find("clinical_results") is not None
    study["trialscoutSource"] = {"format": SOURCE_FORMAT, "file": source}
    if ctx.unmapped:
        study["trialscoutSource"]["unmapped"] = ctx.unmapped
    return study
