"""Read registry records from files: JSON arrays, API pages, JSON Lines, zips, folders, legacy XML.

Everything here yields raw API v2-shaped study objects (legacy XML is converted on the way),
one :class:`SourceRecord` at a time, so a 600,000-record bulk file streams through without
being mapped all at once. A file that is not registry data raises :class:`NotRegistryData`
with a one-line reason naming the file; one bad line or member is yielded as an error
record and the rest goes on.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


#: A single file or zip member larger than this is refused rather than read into memory.
MAX_FILE_BYTES = 2 * 1024**3
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".xml", ".zip")


class NotRegistryData(ValueError):
    """A file is not registry data; the message is one line naming the file."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: not registry data ({reason})")
        self.source = source
        self.reason = reason


@dataclass(frozen=True)
class SourceRecord:
    """One study object, or the reason one entry of a file could not be read."""

    source: str
    study: dict[str, Any] | None = None
    error: str | None = None


def iter_paths(paths: Iterable[Path | str]) -> Iterator[SourceRecord]:
    """Yield every record under ``paths`` (files, zips and folders, in a stable order).

    A path named directly that is not registry data raises :class:`NotRegistryData`; a file
    inside a folder that is not registry data is yielded as an error record and skipped.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in _walk(path):
                try:
                    yield from iter_file(child)
                except NotRegistryData as exc:  # a stray file in a folder is reported, not fatal
                    yield SourceRecord(exc.source, error=f"not registry data ({exc.reason})")
        elif path.is_file():
            yield from iter_file(path)
        else:
            raise NotRegistryData(str(path), "no such file or folder")


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(_SUFFIXES) and not name.startswith("."):
                yield Path(root) / name


def iter_file(path: Path) -> Iterator[SourceRecord]:
    """Yield the records of one file; raise :class:`NotRegistryData` if it holds none."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise NotRegistryData(str(path), f"{size:,} bytes is larger than one file may be")
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        yield from _iter_zip(path)
        return
    yield from iter_bytes(path.read_bytes(), str(path))


def _iter_zip(path: Path) -> Iterator[SourceRecord]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise NotRegistryData(str(path), f"a damaged zip: {exc}") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(_SUFFIXES[:-1])]
        if not members:
            raise NotRegistryData(str(path), "the zip holds no .json, .jsonl or .xml files")
        for member in sorted(members, key=lambda m: m.filename):
            source = f"{path}!{member.filename}"
            if member.file_size > MAX_FILE_BYTES:
                yield SourceRecord(source, error=f"{member.file_size:,} bytes is larger than one file may be")
                continue
            try:
                data = archive.read(member)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield SourceRecord(source, error=f"cannot read this zip member: {exc}")
                continue
            try:
                yield from iter_bytes(data, source)
            except NotRegistryData as exc:
                yield SourceRecord(source, error=exc.reason)


def iter_bytes(data: bytes, source: str) -> Iterator[SourceRecord]:
    """Yield the records in one file's bytes, whatever its format."""
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark, as Windows editors write it
        data = data[3:]
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise NotRegistryData(source, "the file is empty")
    if head.startswith(b"<"):
        from .legacy_xml import LegacyXmlError, legacy_xml_to_study, looks_like_legacy_xml

        if not looks_like_legacy_xml(head):
            raise NotRegistryData(source, "XML, but not a <clinical_study> record")
        try:
            yield SourceRecord(source, study=legacy_xml_to_study(data, source))
        except LegacyXmlError as exc:
            yield SourceRecord(source, error=str(exc))
        return
    if head[:1] not in (b"[", b"{"):
        raise NotRegistryData(source, "neither JSON nor XML")
    if _is_json_lines(data):
        yield from _iter_json_lines(data, source)
        return
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        yield from _iter_json_lines(data, source)
        return
    yield from _iter_document(document, source)


_NOT_SPACE = re.compile(rb"[^ \t\r\n]")


def _is_json_lines(data: bytes) -> bool:
    """True when the first line is a whole JSON value and more follows, so the file can only be JSON
    Lines: found from the first line, where parsing the whole file would fail only after reading it all."""
    end = data.find(b"\n")
    if end == -1 or _NOT_SPACE.search(data, end) is None:
        return False
    try:
        orjson.loads(data[:end])
    except orjson.JSONDecodeError:
        return False
    return True


def _iter_document(document: Any, source: str) -> Iterator[SourceRecord]:
    if isinstance(document, list):
        studies = document
    elif isinstance(document, dict) and isinstance(document.get("studies"), list):
        studies = document["studies"]
    elif isinstance(document, dict) and "protocolSection" in document:
        studies = [document]
    else:
        raise NotRegistryData(source, "JSON, but no study objects (expected a list, {\"studies\": [...]} or one study)")
    if studies and not any(isinstance(s, dict) and "protocolSection" in s for s in studies[:50]):
        raise NotRegistryData(source, "JSON, but its items have no protocolSection")
    for i, study in enumerate(studies):
        yield SourceRecord(f"{source}#{i}", study=study if isinstance(study, dict) else None,
                           error=None if isinstance(study, dict) else "an item that is not a JSON object")


def _iter_json_lines(data: bytes, source: str) -> Iterator[SourceRecord]:
    seen_study = False
    for number, line in enumerate(data.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            if not seen_study and number <= 1:
                raise NotRegistryData(source, f"invalid JSON at line {number}: {exc}") from None
            yield SourceRecord(f"{source}:{number}", error=f"invalid JSON on this line ({str(exc)[:80]})")
            continue
        if isinstance(item, dict) and "protocolSection" in item:
            seen_study = True
            yield SourceRecord(f"{source}:{number}", study=item)
        elif isinstance(item, dict) and isinstance(item.get("studies"), list):
            seen_study = True
            yield from _iter_document(item, f"{source}:{number}")
        elif not seen_study and number <= 1:
            raise NotRegistryData(source, "JSON Lines, but the first line is not a study object")
        else:
            yield SourceRecord(f"{source}:{number}", error="a line that is not a study object")
