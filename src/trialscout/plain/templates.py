"""Sentence templates (``rules/templates.LANG.toml``), filled with values from the record."""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import RulesError, TemplateSlotError

RULES_DIR = Path(__file__).with_name("rules")
_FORMATTER = string.Formatter()


@dataclass(frozen=True, eq=False)
class Templates:
    """One language's templates: ``t("summary.tests", treatment=..., ...)`` renders one."""

    lang: str
    readability_lang: str
    table: dict[str, Any]
    source: str = ""

    def has(self, key: str) -> bool:
        cache: dict[str, bool] = self.__dict__.setdefault("_has_cache", {})
        found = cache.get(key)
        if found is None:
            found = cache[key] = isinstance(self._get(key), (str, list))
        return found

    def raw(self, key: str) -> Any:
        value = self._get(key)
        if value is None:
            raise RulesError(f"{self.source}: no template {key!r}; add it to the file")
        return value

    def __call__(self, key: str, /, **slots: Any) -> str:
        template, wanted = self._compiled(key)
        if not slots:
            if wanted:
                raise TemplateSlotError(f"{self.source}: template {key!r} needs {sorted(wanted)}, not given")
            return template
        if not slots.keys() >= wanted:
            missing = wanted - slots.keys()
            raise TemplateSlotError(f"{self.source}: template {key!r} needs {sorted(missing)}, not given")
        return template.format_map(slots)

    def _compiled(self, key: str) -> tuple[str, frozenset[str]]:
        cache: dict[str, tuple[str, frozenset[str]]] = self.__dict__.setdefault("_compiled_cache", {})
        found = cache.get(key)
        if found is None:
            template = self.raw(key)
            if not isinstance(template, str):
                raise RulesError(f"{self.source}: {key!r} is not a sentence template")
            found = cache[key] = (template, frozenset(n for _, n, _, _ in _FORMATTER.parse(template) if n))
        return found

    def word_set(self, key: str) -> frozenset[str]:
        """A list of words or phrases in lower case, as a set (read once)."""
        cache: dict[str, frozenset[str]] = self.__dict__.setdefault("_word_sets", {})
        found = cache.get(key)
        if found is None:
            value = self.raw(key)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise RulesError(f"{self.source}: {key!r} must be a list of words")
            found = cache[key] = frozenset(v.lower() for v in value)
        return found

    def lines(self, key: str) -> list[str]:
        value = self.raw(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RulesError(f"{self.source}: {key!r} must be a list of sentences")
        return list(value)

    def all_text(self) -> str:
        """Every template's words (for the check of capitalised words at sentence start)."""
        out: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, list):
                for item in node:
                    walk(item)
            elif isinstance(node, dict):
                for item in node.values():
                    walk(item)

        walk(self.table)
        return " ".join(out)

    def _get(self, key: str) -> Any:
        node: Any = self.table
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node


@cache
def load_templates(lang: str = "en") -> Templates:
    path = RULES_DIR / f"templates.{lang}.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: no templates for language {lang!r}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML ({exc}); fix the file") from None
    return Templates(lang=str(table.get("lang", lang)),
                     readability_lang=str(table.get("readability_lang", lang)), table=table, source=str(path))
