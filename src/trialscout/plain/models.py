"""What the plain-language step produces for one trial, and the payload the store keeps."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from functools import cache
from typing import Any

#: Bump when the shape or the wording rules change, so stored payloads can be told apart.
PAYLOAD_VERSION = 1

#: Sections a trial page shows, in page order (keys of :meth:`PlainTrial.sections_present`).
SECTIONS = ("headline", "summary", "active_substance", "could_lead_to", "could_go_wrong", "who_can_join",
            "labels", "disclaimer")


@dataclass(frozen=True)
class Substance:
    """One intervention as "What this could mean" lists it."""

    name: str
    kind: str | None = None
    kind_explain: str = ""
    plain: str | None = None
    role: str = "tested"  # tested | comparison


@dataclass(frozen=True)
class LabelLine:
    """A registry code in words: ``Masking: Double blind — Neither you nor the doctors know…``."""

    name: str
    code: str
    label: str
    explain: str


@dataclass
class WhoCanJoin:
    basics: list[str] = field(default_factory=list)
    thresholds: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    cannot: list[str] = field(default_factory=list)
    needs_heading: str = ""
    cannot_heading: str = ""

    def is_empty(self) -> bool:
        return not (self.basics or self.thresholds or self.needs or self.cannot)


@dataclass
class Draft:
    """Every section as sentences, before the checks decide what is published."""

    headline: str | None = None
    summary: list[str] = field(default_factory=list)
    substances: list[Substance] = field(default_factory=list)
    substances_more: bool = False
    substance_heading: str = ""
    could_lead_to: list[str] = field(default_factory=list)
    could_go_wrong: list[str] = field(default_factory=list)
    who: WhoCanJoin = field(default_factory=WhoCanJoin)
    labels: list[LabelLine] = field(default_factory=list)
    informational: str = ""
    disclaimer: list[str] = field(default_factory=list)
    headings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Defect:
    """A generated sentence that failed the grounding check: dropped, never published."""

    section: str
    sentence: str
    problems: tuple[str, ...]
    writer: str


@dataclass(frozen=True)
class Fallback:
    """A section the optional writer produced but the checks refused; the template text is used."""

    section: str
    reason: str


@dataclass
class PlainTrial:
    """The published plain-language page of one trial."""

    nct_id: str
    lang: str
    draft: Draft
    writer: str = "templates"
    summary_grade: float | None = None
    defects: list[Defect] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)

    def sections_present(self) -> dict[str, bool]:
        d = self.draft
        return {
            "headline": bool(d.headline),
            "summary": bool(d.summary),
            "active_substance": bool(d.substances),
            "could_lead_to": bool(d.could_lead_to),
            "could_go_wrong": bool(d.could_go_wrong),
            "who_can_join": not d.who.is_empty(),
            "labels": bool(d.labels),
            "disclaimer": bool(d.disclaimer),
        }

    def to_payload(self) -> dict[str, Any]:
        d = self.draft
        return {
            "version": PAYLOAD_VERSION,
            "lang": self.lang,
            "writer": self.writer,
            "headline": d.headline,
            "summary": d.summary,
            "summary_grade": self.summary_grade,
            "meaning": {
                "informational": d.informational,
                "substance_heading": d.substance_heading,
                "active_substance": [_as_dict(s) for s in d.substances],
                "active_substance_more": d.substances_more,
                "could_lead_to": d.could_lead_to,
                "could_go_wrong": d.could_go_wrong,
            },
            "who_can_join": _as_dict(d.who),
            "labels": [_as_dict(label) for label in d.labels],
            "disclaimer": d.disclaimer,
            "headings": d.headings,
            "sections": self.sections_present(),
            "defects": [_as_dict(x) for x in self.defects],
            "fallbacks": [_as_dict(x) for x in self.fallbacks],
        }


_ATOMS = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _as_dict(record: Any) -> dict[str, Any]:
    """``dataclasses.asdict`` of a flat record (text, numbers, lists or tuples of text): the same dict,
    built directly (``asdict`` deep-copies value by value: a tenth of a millisecond a page)."""
    out: dict[str, Any] = {}
    for name in _field_names(type(record)):
        value = getattr(record, name)
        kind = type(value)
        if kind is list or kind is tuple:
            if not all(type(v) is str for v in value):
                return asdict(record)
            value = kind(value)
        elif kind not in _ATOMS:
            return asdict(record)
        out[name] = value
    return out
