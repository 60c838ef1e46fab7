"""A local stand-in for the ClinicalTrials.gov API v2, serving real study records.

It is a real HTTP server (stdlib ``ThreadingHTTPServer`` on 127.0.0.1, random port)
answering ``GET /api/v2/studies`` and ``GET /api/v2/studies/{nctId}`` in the API's
response shape, with faults that tests switch on per request number::

    with FakeCtgov(Catalogue(load_studies())) as fake:
        fake.inject(Fault.http_error(429, retry_after="7"), on_request=2)
        ...
        assert fake.requests[2].params["pageToken"] == ...

Supported: ``query.cond`` (substring of a condition), ``query.term`` (substring of the
titles, brief summary or keywords), ``filter.advanced`` of the form
``AREA[LastUpdatePostDate]RANGE[from,to]`` (dates, MIN or MAX), ``pageSize``
(default 10, coerced down to 1000 like the real API), ``pageToken``,
``countTotal=true`` (``totalCount`` on the first page only) and ``format=json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_SHARED = os.environ.get("TRIALSCOUT_SHARED") or Path(__file__).resolve().parents[3] / "shared"
DATA_DIR = Path(_SHARED) / "data" / "ctgov_api_v2"
STUDIES_PATH = "/api/v2/studies"
_SINGLE = re.compile(r"^/api/v2/studies/(NCT\d{8})$")
_RANGE = re.compile(r"^AREA\[LastUpdatePostDate\]RANGE\[\s*([^,\]]+?)\s*,\s*([^\]]+?)\s*\]$")

Study = dict[str, Any]


def nct_id(study: Study) -> str:
    """The NCT id of an API study object."""
    return str(study["protocolSection"]["identificationModule"]["nctId"])


def last_update(study: Study) -> str:
    """The study's LastUpdatePostDate (``YYYY-MM-DD``)."""
    return str(study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"])


def load_studies(data_dir: Path = DATA_DIR) -> list[Study]:
    """Real records from ``data_dir/*/*.json``, one per NCT id (latest update wins), by id."""
    by_id: dict[str, Study] = {}
    for path in sorted(data_dir.glob("*/*.json")):
        for study in json.loads(path.read_text(encoding="utf-8")):
            known = by_id.get(nct_id(study))
            if known is None or last_update(study) > last_update(known):
                by_id[nct_id(study)] = study
    return [by_id[key] for key in sorted(by_id)]


def conditions(study: Study) -> list[str]:
    """The study's conditions, as listed by the sponsor."""
    found = study["protocolSection"].get("conditionsModule", {}).get("conditions", [])
    return [str(condition) for condition in found]


def term_text(study: Study) -> str:
    """The text ``query.term`` searches in this fake: titles, brief summary, keywords."""
    section = study["protocolSection"]
    ident = section["identificationModule"]
    parts = [ident.get("briefTitle", ""), ident.get("officialTitle", "")]
    parts.append(section.get("descriptionModule", {}).get("briefSummary", ""))
    parts.extend(section.get("conditionsModule", {}).get("keywords", []))
    return " ".join(parts)


class FakeClock:
    """Monotonic and wall clocks for the client that move only when it sleeps (sleeps recorded)."""

    EPOCH = 1_750_000_000.0  # an arbitrary wall-clock start

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        """Record the wait and move the clocks on, without waiting."""
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def monotonic(self) -> float:
        """Seconds since the clock was made."""
        return self.elapsed

    def time(self) -> float:
        """A wall-clock time (seconds since the Unix epoch)."""
        return self.EPOCH + self.elapsed


@dataclass(frozen=True)
class Fault:
    """Something going wrong with one response."""

    kind: str
    status: int = 500
    retry_after: str | None = None
    stall_seconds: float = 10.0

    @classmethod
    def http_error(cls, status: int = 500, retry_after: str | None = None) -> Fault:
        """Answer with this status (and ``Retry-After`` header, if given)."""
        return cls("http_error", status=status, retry_after=retry_after)

    @classmethod
    def stall(cls, seconds: float = 10.0) -> Fault:
        """Say nothing for ``seconds`` (released early when the server stops)."""
        return cls("stall", stall_seconds=seconds)

    @classmethod
    def truncated(cls) -> Fault:
        """A 200 whose body is the first half of the JSON (Content-Length matches the half)."""
        return cls("truncated")

    @classmethod
    def cut_off(cls) -> Fault:
        """Announce the full Content-Length, send half the body, close the connection."""
        return cls("cut_off")

    @classmethod
    def repeat_page(cls) -> Fault:
        """Send the previous page again, byte for byte (its nextPageToken included)."""
        return cls("repeat_page")

    @classmethod
    def repeat_studies(cls) -> Fault:
        """Send the previous page's studies with the requested page's nextPageToken."""
        return cls("repeat_studies")


class Catalogue:
    """The records a fake serves, JSON-encoded once (building it is the slow part)."""

    def __init__(self, studies: list[Study]) -> None:
        self.studies = studies
        self.encoded = [json.dumps(study).encode() for study in studies]
        self.index = {nct_id(study): i for i, study in enumerate(studies)}


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received (numbered from 1)."""

    number: int
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    fault: str | None


@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    studies: list[bytes] = field(default_factory=list)


class FakeCtgov:
    """The fake API server; use as a context manager, or call start() and stop()."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.studies = catalogue.studies
        self._encoded = catalogue.encoded
        self._index = catalogue.index
        self._faults: dict[int, Fault] = {}
        self._tokens: dict[str, tuple[tuple[str, ...], int]] = {}
        self._last_page: _Reply | None = None
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, to pass to the client as its base URL."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeCtgov:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release stalled responses."""
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeCtgov:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def inject(self, fault: Fault, *, on_request: int, times: int = 1) -> None:
        """Apply ``fault`` to requests number ``on_request`` .. ``on_request + times - 1``."""
        with self._lock:
            for number in range(on_request, on_request + times):
                self._faults[number] = fault

    def search_requests(self) -> list[RecordedRequest]:
        """The requests made to the search endpoint, in order."""
        return [r for r in self.requests if r.path == STUDIES_PATH]

    def _record(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Fault | None:
        with self._lock:
            number = len(self.requests) + 1
            fault = self._faults.get(number)
            kind = fault.kind if fault else None
            self.requests.append(RecordedRequest(number, path, params, headers, kind))
            return fault

    def answer(self, path: str, params: dict[str, str]) -> _Reply:
        """The correct (fault-free) reply to a GET."""
        single = _SINGLE.match(path)
        if single:
            return self._one_study(single.group(1))
        if path != STUDIES_PATH:
            return _error(404, f"no such endpoint: {path}")
        try:
            return self._search(params)
        except ValueError as exc:
            return _error(400, str(exc))

    def _one_study(self, wanted: str) -> _Reply:
        if wanted not in self._index:
            return _error(404, f"Study {wanted} not found")
        return _Reply(200, self._encoded[self._index[wanted]])

    def _search(self, params: dict[str, str]) -> _Reply:
        if params.get("format", "json") != "json":
            raise ValueError("this fake only speaks format=json")
        size = _page_size(params.get("pageSize"))
        query = (
            params.get("query.cond", ""),
            params.get("query.term", ""),
            params.get("filter.advanced", ""),
            str(size),
        )
        matches = [i for i, study in enumerate(self.studies) if _matches(study, params)]
        offset = self._offset_for(query, params.get("pageToken"))
        chunk = [self._encoded[i] for i in matches[offset : offset + size]]
        head: dict[str, Any] = {}
        if params.get("countTotal") == "true" and "pageToken" not in params:
            head["totalCount"] = len(matches)
        tail = {}
        if offset + size < len(matches):
            tail["nextPageToken"] = self._token(query, offset + size)
        return _Reply(200, _page_body(head, chunk, tail), studies=chunk)

    def _offset_for(self, query: tuple[str, ...], token: str | None) -> int:
        if token is None:
            return 0
        with self._lock:
            issued = self._tokens.get(token)
        if issued is None or issued[0] != query:
            raise ValueError(f"pageToken {token!r} is not valid for this query")
        return issued[1]

    def _token(self, query: tuple[str, ...], offset: int) -> str:
        token = hashlib.sha256(repr((query, offset)).encode()).hexdigest()[:16]
        with self._lock:
            self._tokens[token] = (query, offset)
        return token

    def faulty(self, fault: Fault, reply: _Reply) -> _Reply:
        """Apply a page-level fault (the repeats); the handler applies the transport-level ones."""
        previous = self._last_page
        if fault.kind == "repeat_page" and previous is not None:
            return previous
        if fault.kind == "repeat_studies" and previous is not None:
            tail = json.loads(reply.body).get("nextPageToken")
            body = _page_body({}, previous.studies, {"nextPageToken": tail} if tail else {})
            return _Reply(200, body, studies=previous.studies)
        return reply

    def remember(self, path: str, reply: _Reply) -> None:
        """Keep the last page served, for the repeat faults."""
        if path == STUDIES_PATH and reply.status == 200:
            self._last_page = reply


def _page_size(raw: str | None) -> int:
    if raw in (None, "", "0"):
        return 10
    if not raw.isdigit():
        raise ValueError(f"pageSize must be a positive integer, not {raw!r}")
    return min(int(raw), 1000)


def _matches(study: Study, params: dict[str, str]) -> bool:
    cond = params.get("query.cond", "").lower()
    if cond and not any(cond in c.lower() for c in conditions(study)):
        return False
    term = params.get("query.term", "").lower()
    if term and term not in term_text(study).lower():
        return False
    advanced = params.get("filter.advanced")
    return not advanced or _in_range(last_update(study), advanced)


def _in_range(day: str, expression: str) -> bool:
    found = _RANGE.match(expression.strip())
    if not found:
        raise ValueError(f"unsupported filter.advanced expression: {expression!r}")
    low, high = found.groups()
    return (low == "MIN" or day >= low) and (high == "MAX" or day <= high)


def _page_body(head: dict[str, Any], studies: list[bytes], tail: dict[str, Any]) -> bytes:
    parts = [
        json.dumps(head)[1:-1],
        '"studies":[' + b",".join(studies).decode() + "]",
        json.dumps(tail)[1:-1],
    ]
    return ("{" + ",".join(part for part in parts if part) + "}").encode()


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, json.dumps({"message": message}).encode())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        fake: FakeCtgov = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        fault = fake._record(url.path, params, {k.lower(): v for k, v in self.headers.items()})
        reply = fake.answer(url.path, params)
        if fault is None:
            fake.remember(url.path, reply)
            self._send(reply)
        else:
            self._send_faulty(fake, fault, url.path, reply)

    def _send_faulty(self, fake: FakeCtgov, fault: Fault, path: str, reply: _Reply) -> None:
        if fault.kind == "http_error":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(_Reply(fault.status, b'{"message": "injected failure"}', headers))
        elif fault.kind == "stall":
            fake._released.wait(fault.stall_seconds)
            self.close_connection = True
        elif fault.kind == "truncated":
            self._send(_Reply(200, reply.body[: len(reply.body) // 2]))
        elif fault.kind == "cut_off":
            self._send(reply, body_length=len(reply.body) // 2)
            self.close_connection = True
        else:
            self._send(fake.faulty(fault, reply))

    def _send(self, reply: _Reply, body_length: int | None = None) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body[:body_length])
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""
