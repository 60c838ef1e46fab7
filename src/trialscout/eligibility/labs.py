"""Laboratory analytes and their units: spelling, lookup and conversion.

The analytes, their canonical units, molar masses and LOINC codes live in
``rules/analytes.json``; unit spellings and factors in ``rules/units.json``.
A value in a unit that cannot be converted is reported as such (``UnitError``
or ``None``), never converted by guesswork, so a verdict is "unknown" rather
than wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import RulesError, UnitError
from .phrasematch import PhraseIndex
from .ruleset import load_rules_file

__all__ = [
    "NO_UNIT", "Analyte", "UnitInfo", "analyte", "analytes", "analyte_by_loinc", "analyte_index", "find_analyte",
    "normalize_unit", "unit_info", "convert", "to_canonical", "format_unit", "format_value",
]


@dataclass(frozen=True)
class UnitInfo:
    """A known unit: its canonical spelling, kind and factor to the kind's base."""

    canonical: str
    kind: str
    factor: float


@dataclass(frozen=True)
class Analyte:
    """One laboratory analyte or body measurement from ``rules/analytes.json``."""

    id: str
    label: str
    unit: str
    names: tuple[str, ...]
    abbrev: tuple[str, ...]
    report_units: tuple[str, ...]
    loinc: tuple[str, ...]
    molar_mass: float | None = None
    valence: int | None = None
    affine: dict[str, tuple[float, float]] = field(default_factory=dict)


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _fold_unit(text: str) -> str:
    s = text.strip().replace("Â", "")
    s = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+", lambda m: "^" + m.group(0).translate(_SUPERSCRIPTS), s)
    s = s.replace("µ", "u").replace("μ", "u").replace("×", "x").replace("·", "")
    s = re.sub(r"(?i)\bmicro\s*m?mol", "umol", s)
    s = re.sub(r"(?i)\bmicro\s*", "u", s)
    s = re.sub(r"(?i)\{(cells|beats|rbc|wbc|count)\}", "", s)
    s = re.sub(r"(?i)\bmc(g|l)\b", r"u\1", s)
    s = re.sub(r"\s+", "", s).lower().rstrip(".")
    s = re.sub(r"^\*(?=10)", "x", s)
    s = re.sub(r"(?<=10)\*(?=\d)", "^", s)
    s = s.replace("liter", "l").replace("litre", "l")
    return s


@lru_cache(maxsize=None)
def _unit_table() -> tuple[dict[str, UnitInfo], dict[str, str]]:
    data = load_rules_file("units.json")
    try:
        units = {k: UnitInfo(v["canonical"], v["kind"], float(v["factor"])) for k, v in data["units"].items()}
        aliases = {k.lower(): v.lower() for k, v in data["aliases"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise RulesError("rules/units.json needs 'units' {key: {canonical, kind, factor}} and 'aliases'.") from exc
    for alias, target in aliases.items():
        if target not in units:
            raise RulesError(f"rules/units.json: alias '{alias}' points at unknown unit '{target}'.")
    return units, aliases


#: How a unitless value (INR, a ratio) is offered and accepted: it means the unit "1".
NO_UNIT = "(no unit)"


@lru_cache(maxsize=4096)
def unit_info(text: str | None) -> UnitInfo | None:
    """The ``UnitInfo`` for any spelling of a unit, or ``None`` when it is not known.

    ``NO_UNIT`` is the unit "1"; an empty unit is ``None`` (callers decide whether a value may lack one).
    """
    if not text:
        return None
    units, aliases = _unit_table()
    if text.strip() == NO_UNIT:
        text = "1"
    key = _fold_unit(text)
    key = aliases.get(key, key)
    if key in units:
        return units[key]
    stripped = key.lstrip("x")
    stripped = aliases.get(stripped, stripped)
    return units.get(stripped)


def normalize_unit(text: str | None) -> str | None:
    """Canonical spelling of a unit (``"μmol/l"`` -> ``"umol/L"``), or ``None`` if unknown."""
    info = unit_info(text)
    return info.canonical if info else None


@lru_cache(maxsize=None)
def analytes() -> dict[str, Analyte]:
    """Every analyte from ``rules/analytes.json`` keyed by id."""
    data = load_rules_file("analytes.json")
    table: dict[str, Analyte] = {}
    for entry in data.get("analytes", []):
        try:
            table[entry["id"]] = Analyte(
                id=entry["id"], label=entry["label"], unit=entry["unit"], names=tuple(entry["names"]),
                abbrev=tuple(entry.get("abbrev", [])), report_units=tuple(entry.get("report_units", [entry["unit"]])),
                loinc=tuple(entry.get("loinc", [])), molar_mass=entry.get("molar_mass"), valence=entry.get("valence"),
                affine={k.lower(): (float(v[0]), float(v[1])) for k, v in entry.get("affine", {}).items()},
            )
        except (KeyError, TypeError, IndexError) as exc:
            raise RulesError(f"rules/analytes.json: entry {entry!r} needs id, label, unit and names.") from exc
        if unit_info(entry["unit"]) is None:
            raise RulesError(f"rules/analytes.json: '{entry['id']}' has a unit units.json does not know.")
    return table


def analyte(analyte_id: str) -> Analyte:
    """The analyte with this id; ``KeyError`` names the known ids when it does not exist."""
    table = analytes()
    if analyte_id not in table:
        raise KeyError(f"Unknown analyte id. Known: {', '.join(sorted(table))}")
    return table[analyte_id]


@lru_cache(maxsize=None)
def _loinc_index() -> dict[str, str]:
    return {code: a.id for a in analytes().values() for code in a.loinc}


def analyte_by_loinc(code: str) -> str | None:
    """Analyte id for a LOINC code, or ``None``."""
    return _loinc_index().get(code.strip())


def find_analyte(name: str) -> str | None:
    """Analyte id for a name or abbreviation (``"TBil"``, ``"Total bilirubin"``), or ``None``."""
    index = analyte_index()
    hit = index.lookup(name)
    if hit:
        return hit
    match = index.search(name)
    return match.value if match else None


@lru_cache(maxsize=None)
def analyte_index() -> PhraseIndex:
    """Matcher for every analyte name (case-insensitive) and abbreviation (exact case); values are ids."""
    names = {n: a.id for a in analytes().values() for n in a.names}
    abbrevs = {ab: a.id for a in analytes().values() for ab in a.abbrev}
    return PhraseIndex(names, abbrevs)


def convert(value: float, from_unit: str, to_unit: str, analyte_id: str | None = None) -> float:
    """Convert ``value`` between units, using the analyte's molar mass or valence when needed.

    Raises ``UnitError`` when either unit is unknown or the two cannot be related
    for this analyte (e.g. g/L to 10^9/L, or mg/dL to umol/L without a molar mass).
    """
    src, dst = unit_info(from_unit), unit_info(to_unit)
    if src is None or dst is None:
        raise UnitError("The unit is not known: give the value in one of the units on your lab report, "
                        "e.g. mg/dL, umol/L, g/L or 10^9/L.")
    if src.canonical == dst.canonical:
        return value
    if src.kind == dst.kind and src.kind not in {"uln"}:
        return value * src.factor / dst.factor
    spec = analytes().get(analyte_id or "")
    if spec is not None:
        affine = spec.affine
        if src.canonical.lower() in affine and dst.canonical == spec.unit:
            a, b = affine[src.canonical.lower()]
            return a * value + b
        if dst.canonical.lower() in affine and src.canonical == spec.unit:
            a, b = affine[dst.canonical.lower()]
            return (value - b) / a
        base = _to_mol_per_l(value * src.factor, src.kind, spec)
        if base is not None:
            out = _from_mol_per_l(base, dst.kind, spec)
            if out is not None:
                return out / dst.factor
    label = spec.label if spec else "this value"
    raise UnitError(f"Cannot convert {label} from {src.canonical} to {dst.canonical}: "
                    f"enter it in {dst.canonical} or another unit on the lab report.")


def _to_mol_per_l(base: float, kind: str, spec: Analyte) -> float | None:
    if kind == "molar_conc":
        return base
    if kind == "mass_conc" and spec.molar_mass:
        return base / spec.molar_mass
    if kind == "eq_conc" and spec.valence:
        return base / spec.valence
    return None


def _from_mol_per_l(mol: float, kind: str, spec: Analyte) -> float | None:
    if kind == "molar_conc":
        return mol
    if kind == "mass_conc" and spec.molar_mass:
        return mol * spec.molar_mass
    if kind == "eq_conc" and spec.valence:
        return mol * spec.valence
    return None


def to_canonical(value: float, unit: str | None, analyte_id: str) -> float | None:
    """``value`` in the analyte's canonical unit, or ``None`` when the unit cannot be converted."""
    spec = analytes().get(analyte_id)
    if spec is None:
        return None
    if not unit:
        return value if spec.unit == "1" else None
    try:
        return convert(value, unit, spec.unit, analyte_id)
    except UnitError:
        return None


def format_unit(unit: str | None) -> str:
    """A unit as a person reads it: ``µmol/L``; "" for no unit (``None``, "1" or ``NO_UNIT``)."""
    if not unit or unit.strip() in {"1", NO_UNIT}:
        return ""
    return unit.replace("umol", "µmol").replace("uL", "µL")


def format_value(value: float, unit: str | None = None) -> str:
    """Short human form of a number with its unit: ``205 µmol/L``, ``1.9``."""
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if "e" in text:
        text = f"{value:.2f}"
    return f"{text} {format_unit(unit)}".strip()
