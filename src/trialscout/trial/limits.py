"""Limits on a registry record's values, shared by the reader (mapping.py) and the fast path (compiled.py)."""

from __future__ import annotations

import re

#: The registry caps its longest field (detailed description) at 32,000 characters;
#: anything far beyond that is not registry data.
MAX_TEXT_CHARS = 100_000

#: Longest ``trialscoutSource.format`` (the store's ``source_format`` column holds 40 characters).
MAX_FORMAT_CHARS = 40

#: An age as the registry writes it: ``18 Years``, ``6 Months``.
AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", re.I)

#: Words the registry uses for "no age limit".
NO_AGE = frozenset({"N/A", "NA", "NONE"})
