"""Words for the registry's codes: each a short label and a one-line explanation (data in labels.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Label:
    code: str
    label: str
    explain: str


@cache
def _table() -> dict[str, dict[str, dict[str, str]]]:
    return json.loads(Path(__file__).with_name("labels.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def label(kind: str, code: str | None) -> Label | None:
    """The label for ``code`` of ``kind`` (e.g. ``("masking", "DOUBLE")``); unknown codes read as written.
    Remembered: a few hundred codes recur on every page."""
    if code is None:
        return None
    entry = _table().get(kind, {}).get(code)
    if entry is None:
        return Label(code, code.replace("_", " ").capitalize(), "")
    return Label(code, entry["label"], entry["explain"])


def kinds() -> list[str]:
    return sorted(_table())


def all_texts() -> list[str]:
    """Every label and explanation (trusted wording for the grounding check)."""
    return [text for codes in _table().values() for entry in codes.values() for text in entry.values()]
