"""The search index on disk (tantivy): its fields, one writer at a time, readers that see every commit.

tantivy allows one ``IndexWriter`` per index across all processes (a lock file). The web app and a
CLI sync may both want to write: :meth:`SearchIndex.writing` waits for the lock with growing pauses and
then raises :class:`IndexBusy` with a message that says what is going on. Readers compare the index's
``meta.json`` before each search and reload when another writer has committed.
"""

from __future__ import annotations

import shutil
import threading
import time
from base64 import b64encode
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import tantivy

from .documents import trial_key
from .errors import IndexBusy, IndexUnavailable
from .text import STEMMED, WORDS, analyzers
from .vocabulary import default_vocabulary

#: Bump when the fields change: a new version is built in its own folder by ``trialscout index rebuild``.
SCHEMA_VERSION = 6

#: Text fields and how much a match in each counts (BM25 is multiplied by the weight).
TEXT_FIELDS: dict[str, float] = {
    "conditions": 4.0, "title": 3.0, "interventions": 3.0, "keywords": 2.0, "ancestors": 1.2, "summary": 1.0,
    "details": 0.3,
}
#: Vocabulary concepts a record is filed under: what it is about, and what it touches on.
CONCEPT_FIELDS = {"concepts": 4.0, "related_concepts": 1.2}
KEYWORD_FIELDS = ("id", "kind", "hash", "status", "phase", "study_type", "sex", "healthy", "country",
                  "open_country", "intervention_type", "condition", "cell", "sample")
FACET_FIELDS = frozenset({"status", "phase", "country", "open_country", "condition", "study_type"})
#: Text fields indexed without positions (long text): matched by single words only, never by phrases.
WORDS_ONLY_FIELDS = frozenset({"details"})
NUMBER_FIELDS = ("min_age", "max_age", "site_lat", "site_lon")
#: Whole numbers read in bulk by a "near" search (fast fields): the trial key, statuses, a site's number.
CODE_FIELDS = ("key", "status_code", "site_no", "site_status")
DATE_FIELDS = ("first_posted", "last_updated")
WRITER_HEAP_BYTES = 64_000_000
#: A rebuild writes everything at once: a big heap makes few large segments (fewer merges while writing,
#: fewer segments to visit per query), two threads tokenize in parallel.
REBUILD_HEAP_BYTES = 512_000_000
REBUILD_THREADS = 2


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=STEMMED,
                               index_option="freq" if name in WORDS_ONLY_FIELDS else "position")
    builder.add_text_field("words", tokenizer_name=WORDS, index_option="basic")
    for name in CONCEPT_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="freq")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, stored=name == "id", fast=name in FACET_FIELDS, tokenizer_name="raw",
                               index_option="basic")
    for name in NUMBER_FIELDS:
        builder.add_float_field(name, indexed=name in ("min_age", "max_age"), fast=True)
    for name in CODE_FIELDS:
        builder.add_unsigned_field(name, indexed=name == "key", fast=True)
    for name in DATE_FIELDS:
        builder.add_date_field(name, indexed=True, fast=True)
    builder.add_bytes_field("card", stored=True)
    return builder.build()


def to_json(fields: dict[str, list[Any]]) -> str:
    """``fields`` as the JSON tantivy reads a document from (``IndexWriter.add_json``, parsed in Rust by the
    schema's types): dates as RFC 3339, the card (bytes) as base64 of its JSON. Cheap to make where the
    document is made (a worker process during a rebuild) and to hand over."""
    if "card" in fields:
        fields = {**fields, "card": [b64encode(orjson.dumps(card)).decode("ascii") for card in fields["card"]]}
    return orjson.dumps(fields).decode()


#: Encoded documents (:func:`to_json`) of a number of trials (each trial's document, then its sites').
EncodedBatch = tuple[int, list[str]]


def index_folder(directory: Path) -> Path:
    """``directory/trials-v{SCHEMA_VERSION}-{vocabulary version}``: a change of fields or of vocabulary (which
    decides the concepts each record is filed under) starts a new index, built on first use."""
    return Path(directory) / f"trials-v{SCHEMA_VERSION}-{default_vocabulary().version}"


class SearchIndex:
    """One tantivy index in :func:`index_folder` of ``directory``; safe to share between threads."""

    def __init__(self, directory: Path, lock_timeout: float = 30.0) -> None:
        self.path = index_folder(directory)
        self.lock_timeout = lock_timeout
        self.schema = build_schema()
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(self.schema, str(self.path), reuse=True)
        except (OSError, ValueError) as exc:
            raise IndexUnavailable(
                f"cannot open the search index at {self.path}: {exc}. Run `trialscout index rebuild` to build it anew."
            ) from None
        self._configure()

    @classmethod
    def open(cls, directory: Path, lock_timeout: float = 30.0) -> "SearchIndex":
        """The index in ``directory``; one whose fields differ from this version's (left by a development
        build) is derived data, so it is emptied and opened anew (the caller then rebuilds it)."""
        try:
            return cls(directory, lock_timeout)
        except IndexUnavailable as exc:
            if "schema does not match" not in str(exc):
                raise
            shutil.rmtree(index_folder(directory), ignore_errors=True)
            return cls(directory, lock_timeout)

    def _configure(self) -> None:
        for name, analyzer in analyzers().items():
            self._index.register_tokenizer(name, analyzer)
        self._index.config_reader("manual")

    # --- reading -------------------------------------------------------------------------

    def searcher(self) -> tantivy.Searcher:
        """A searcher over the last commit (by this or any other process)."""
        stamp = self._meta_stamp()
        if stamp != self._stamp:
            with self._read_lock:
                self._index.reload()
                self._stamp = stamp
        return self._index.searcher()

    def _meta_stamp(self) -> tuple[int, int]:
        try:
            found = (self.path / "meta.json").stat()
        except FileNotFoundError:
            return (0, 0)
        return (found.st_mtime_ns, found.st_size)

    def count(self) -> int:
        """How many trials the index holds."""
        return self.searcher().search(self.trials_only(), 1, count=True).count

    def trials_only(self) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, "kind", "trial")

    def card(self, searcher: tantivy.Searcher, address: tantivy.DocAddress) -> tuple[str, dict[str, Any]]:
        doc = searcher.doc(address)
        return doc.get_first("id"), orjson.loads(doc.get_first("card"))

    def has(self, nct_id: str, content_hash: str) -> bool:
        """True when the index holds ``nct_id`` as derived from the record with ``content_hash``."""
        searcher = self.searcher()
        query = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, self.trials_only()),
            (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "id", nct_id)),
            (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "hash", content_hash)),
        ])
        return searcher.search(query, 1, count=True).count > 0

    # --- writing -------------------------------------------------------------------------

    @contextmanager
    def writing(self, threads: int = 1, heap_bytes: int = WRITER_HEAP_BYTES) -> Iterator[tantivy.IndexWriter]:
        """The index's only writer, committed (and released) on leaving; waits while another holds it."""
        with self._write_lock:
            writer = self._acquire(threads, heap_bytes)
            try:
                yield writer
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()  # releases the lock file
            self._stamp = None

    def _acquire(self, threads: int, heap_bytes: int) -> tantivy.IndexWriter:
        started, pause = time.monotonic(), 0.05
        while True:
            try:
                return self._index.writer(heap_size=heap_bytes, num_threads=threads)
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise IndexUnavailable(f"cannot write the search index at {self.path}: {exc}") from None
            waited = time.monotonic() - started
            if waited >= self.lock_timeout:
                raise IndexBusy(str(self.path), waited)
            time.sleep(min(pause, max(0.0, self.lock_timeout - waited)))
            pause = min(pause * 2, 1.0)

    def upsert(self, trials: Iterable[list[dict[str, list[Any]]]], remove: Iterable[str] = ()) -> int:
        """Replace the given trials' documents (each trial: its document and its sites') and remove
        ``remove`` ids, in one commit; returns how many trials were written."""
        given = list(trials)
        # A trial's documents (its own and its sites') share its key; site documents carry nothing else of it.
        keys = [trial_key(nct_id) for nct_id in remove] + [documents[0]["key"][0] for documents in given]
        with self.writing() as writer:
            if keys:
                writer.delete_documents_by_query(tantivy.Query.term_set_query(self.schema, "key", keys))
            for documents in given:
                for fields in documents:
                    writer.add_json(to_json(fields))
        return len(given)

    def replace_all(self, batches: Iterable[EncodedBatch], threads: int = REBUILD_THREADS) -> int:
        """Swap the whole content for the trials in ``batches`` in one commit (readers see the old index until
        then); returns how many trials were written. The documents come encoded (:func:`to_json`): here
        they are only handed to tantivy, whose threads index them without holding the GIL."""
        added = 0
        with self.writing(threads, REBUILD_HEAP_BYTES) as writer:
            writer.delete_all_documents()
            add = writer.add_json
            for trials, encoded in batches:
                for document in encoded:
                    add(document)
                added += trials
        return added

    def updated_at(self) -> datetime | None:
        stamp = self._meta_stamp()
        return datetime.fromtimestamp(stamp[0] / 1e9).astimezone() if stamp[0] else None


def remove_old_versions(directory: Path) -> list[Path]:
    """Delete index folders of other versions (left by an upgrade or a vocabulary change)."""
    removed = []
    for old in Path(directory).glob("trials-v*"):
        if old.is_dir() and old != index_folder(directory):
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed
