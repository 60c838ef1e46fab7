"""Client for the ClinicalTrials.gov API v2 (``/api/v2/studies``).

A resumable sync looks like this::

    query = SyncQuery(condition="asthma", since=date(2024, 1, 1))
    with CtgovClient() as client:
        for page in client.iter_pages(query, Checkpoint(path)):
            store.save(page.studies)          # commit before the loop body ends
            progress.update(page.studies_before + len(page.studies), page.total_count)

Checkpoint semantics: the iterator moves the checkpoint past a page only when the
caller asks for the *next* page, that is after the loop body that stored the page
has finished.  If the caller crashes while storing page N, the checkpoint still
points at page N and a new iterator fetches it again; pages before N are never
fetched again.  After the last page has been handled the checkpoint is cleared.
Leaving the loop early (``break``) does not move the checkpoint either.

Politeness: at most ``requests_per_minute`` requests (default 50, about what the
service tolerates per address) and a User-Agent that names trialscout.  Failures
that are worth retrying (429, 5xx, timeouts, dropped connections, truncated or
invalid JSON, a page served twice) are retried with exponential backoff and
jitter, honouring ``Retry-After``; then :class:`RegistryUnavailable` is raised.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any

import httpx
import orjson

if TYPE_CHECKING:
    from trialscout.registry.checkpoint import Checkpoint

__all__ = [
    "CheckpointError",
    "CheckpointMismatch",
    "CtgovClient",
    "InvalidQuery",
    "QueryRejected",
    "RegistryError",
    "RegistryUnavailable",
    "RetryPolicy",
    "StudyNotFound",
    "StudyPage",
    "SyncQuery",
    "parse_since",
]

DEFAULT_BASE_URL = "https://clinicaltrials.gov"
MAX_PAGE_SIZE = 1000
STUDIES_PATH = "/api/v2/studies"
_NCT_ID = re.compile(r"^NCT\d{8}$")

Json = dict[str, Any]


class RegistryError(Exception):
    """Base class for every problem reported by the registry client."""


class InvalidQuery(RegistryError, ValueError):
    """The request cannot be sent as asked (bad page size, date or NCT id)."""


class QueryRejected(RegistryError):
    """ClinicalTrials.gov refused the request (a 4xx other than 429)."""

    def __init__(self, status_code: int, detail: str) -> None:
        self.status_code = status_code
        self.detail = " ".join(detail.split())[:300]
        super().__init__(
            f"ClinicalTrials.gov rejected the request (HTTP {status_code}): {self.detail}"
        )


class StudyNotFound(RegistryError, LookupError):
    """No study with this NCT id exists in ClinicalTrials.gov."""

    def __init__(self, nct_id: str) -> None:
        self.nct_id = nct_id
        super().__init__(
            f"{nct_id} is not in ClinicalTrials.gov: check the NCT id for typos "
            "(the record may also have been withdrawn)"
        )


class RegistryUnavailable(RegistryError):
    """ClinicalTrials.gov kept failing after every retry."""

    def __init__(self, attempts: int, last_reason: str) -> None:
        self.attempts = attempts
        self.last_reason = last_reason
        super().__init__(
            f"ClinicalTrials.gov did not answer properly after {attempts} attempts "
            f"(last problem: {last_reason}). The service may be down or busy: check your "
            "connection, wait a few minutes and try again. An interrupted sync resumes "
            "from its last stored page."
        )


class CheckpointError(RegistryError):
    """A sync checkpoint file cannot be used (unreadable or refused by the server)."""


class CheckpointMismatch(CheckpointError):
    """The checkpoint file belongs to a sync with different options."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry transient failures (seconds)."""

    max_attempts: int = 6
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    retry_after_cap: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {self.max_attempts}")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class Throttle:
    """Spaces requests at least ``60 / requests_per_minute`` seconds apart."""

    def __init__(
        self,
        requests_per_minute: float | None,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self._interval = 60.0 / requests_per_minute if requests_per_minute else 0.0
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        """Sleep until the next request is allowed, then note the time."""
        if self._last is not None:
            remaining = self._last + self._interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def trialscout_user_agent() -> str:
    """The User-Agent sent with every request."""
    try:
        version = metadata.version("trialscout")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"trialscout/{version} (open clinical-trial finder; python-httpx/{httpx.__version__})"


def parse_since(text: str) -> date:
    """Parse a ``--since`` value (``YYYY-MM-DD``) or raise :class:`InvalidQuery`."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidQuery(f"--since must be a date like 2024-01-31, not {text!r}") from None


@dataclass(frozen=True)
class SyncQuery:
    """What to fetch: optional condition / free-text term, optional "changed since" date."""

    condition: str | None = None
    term: str | None = None
    since: date | None = None
    page_size: int = MAX_PAGE_SIZE

    def __post_init__(self) -> None:
        if isinstance(self.page_size, bool) or not isinstance(self.page_size, int):
            raise InvalidQuery(f"page size must be a whole number, not {self.page_size!r}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidQuery(
                f"page size must be between 1 and {MAX_PAGE_SIZE} "
                f"(the most ClinicalTrials.gov returns per page), not {self.page_size}"
            )
        if isinstance(self.since, datetime):
            object.__setattr__(self, "since", self.since.date())
        elif self.since is not None and not isinstance(self.since, date):
            raise InvalidQuery(f"since must be a date, not {self.since!r}")
        object.__setattr__(self, "condition", _blank_to_none(self.condition))
        object.__setattr__(self, "term", _blank_to_none(self.term))

    def params(self) -> dict[str, str]:
        """The query-string parameters of the API for this query (without paging)."""
        params = {"format": "json", "pageSize": str(self.page_size)}
        if self.condition:
            params["query.cond"] = self.condition
        if self.term:
            params["query.term"] = self.term
        if self.since:
            params["filter.advanced"] = (
                f"AREA[LastUpdatePostDate]RANGE[{self.since.isoformat()},MAX]"
            )
        return params

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description, used to tell checkpoints of different syncs apart."""
        return {
            "condition": self.condition,
            "term": self.term,
            "since": self.since.isoformat() if self.since else None,
            "page_size": self.page_size,
        }


@dataclass(frozen=True)
class StudyPage:
    """One page of search results, exactly as the API returned the study objects.

    ``total_count`` is the number of matching studies reported with the first page
    (carried over to later pages and across a resume).  ``studies_before`` counts the
    studies on earlier pages of the same sync, so ``studies_before + len(studies)`` is
    the progress so far.  Studies already delivered earlier in this run are dropped
    (counted in ``duplicates_dropped``); the remaining objects are untouched.
    """

    studies: list[Json]
    next_page_token: str | None
    total_count: int | None
    number: int
    studies_before: int
    duplicates_dropped: int = 0

    @property
    def is_last(self) -> bool:
        """True when the registry has no further page for this query."""
        return self.next_page_token is None


class _Retryable(Exception):
    """A failed attempt that may succeed if repeated (internal)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass
class _Cursor:
    """Where an iteration stands: the token to ask for and what was already seen."""

    token: str | None
    number: int
    studies_before: int
    total_count: int | None
    resumed: bool
    seen_tokens: set[str | None]
    seen_ids: set[str]


Validator = Callable[[Json], None]


class CtgovClient:
    """A polite, retrying client for ClinicalTrials.gov API v2 (use as a context manager)."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 60.0,
        requests_per_minute: float | None = 50.0,
        retry: RetryPolicy | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        """Create a client; ``sleep``/``clock``/``wall_clock``/``rng`` exist for tests."""
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._rng = rng or random.Random()
        self._throttle = Throttle(requests_per_minute, clock=clock, sleep=sleep)
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            follow_redirects=True,
            headers={
                "User-Agent": user_agent or trialscout_user_agent(),
                "Accept": "application/json",
            },
        )

    def __enter__(self) -> CtgovClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying connections."""
        self._http.close()

    def get_study(self, nct_id: str) -> Json:
        """Fetch one study record by NCT id; raise :class:`StudyNotFound` if it does not exist."""
        wanted = nct_id.strip().upper()
        if not _NCT_ID.match(wanted):
            raise InvalidQuery(f"{nct_id!r} is not an NCT id (expected NCT followed by 8 digits)")
        try:
            return self._get_json(f"{STUDIES_PATH}/{wanted}", {"format": "json"}, _no_check)
        except QueryRejected as exc:
            if exc.status_code == 404:
                raise StudyNotFound(wanted) from None
            raise

    def iter_pages(
        self, query: SyncQuery, checkpoint: Checkpoint | None = None
    ) -> Iterator[StudyPage]:
        """Yield the result pages of ``query``, resuming from ``checkpoint`` if it has one.

        The checkpoint is advanced when the next page is requested (i.e. after the
        caller stored the previous one) and cleared after the last page is handled.
        Raises :class:`CheckpointMismatch` if the checkpoint belongs to another query.
        """
        key = self._checkpoint_key(query)
        cursor = self._start_cursor(key, checkpoint)
        while True:
            page = self._next_page(query, cursor, checkpoint)
            yield page
            if checkpoint is not None:
                _acknowledge(checkpoint, key, page)
            if page.is_last:
                return
            cursor.token = page.next_page_token
            cursor.number += 1
            cursor.studies_before += len(page.studies)
            cursor.resumed = False

    def _checkpoint_key(self, query: SyncQuery) -> Json:
        return {"base_url": self.base_url, **query.describe()}

    @staticmethod
    def _start_cursor(key: Json, checkpoint: Checkpoint | None) -> _Cursor:
        state = checkpoint.resume(key) if checkpoint is not None else None
        if state is None:
            return _Cursor(None, 1, 0, None, False, set(), set())
        return _Cursor(
            token=state.next_page_token,
            number=state.pages_done + 1,
            studies_before=state.studies_done,
            total_count=state.total_count,
            resumed=True,
            seen_tokens=set(),
            seen_ids=set(),
        )

    def _next_page(
        self, query: SyncQuery, cursor: _Cursor, checkpoint: Checkpoint | None
    ) -> StudyPage:
        params = query.params()
        if cursor.token is None:
            params["countTotal"] = "true"
        else:
            params["pageToken"] = cursor.token
        cursor.seen_tokens.add(cursor.token)
        try:
            body = self._get_json(STUDIES_PATH, params, _page_validator(cursor))
        except QueryRejected as exc:
            if cursor.resumed and checkpoint is not None:
                raise CheckpointError(
                    f"ClinicalTrials.gov refused the saved resume point in {checkpoint.path} "
                    f"({exc}). It may have expired: delete that file and run the sync again."
                ) from exc
            raise
        return _build_page(body, cursor)

    def _get_json(self, path: str, params: dict[str, str], validate: Validator) -> Json:
        """GET ``path`` and return its JSON object, retrying transient failures."""
        last_reason = "no attempt made"
        for attempt in range(1, self.retry.max_attempts + 1):
            self._throttle.wait()
            try:
                body = self._attempt(path, params)
                validate(body)
                return body
            except _Retryable as problem:
                last_reason = problem.reason
                if attempt < self.retry.max_attempts:
                    self._sleep(self._delay(attempt, problem.retry_after))
        raise RegistryUnavailable(self.retry.max_attempts, last_reason)

    def _attempt(self, path: str, params: dict[str, str]) -> Json:
        try:
            response = self._http.get(path, params=params)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"no answer within the timeout ({type(exc).__name__})") from exc
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise _Retryable(f"connection problem: {exc or type(exc).__name__}") from exc
        _raise_for_status(response, self._wall_clock())
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise _Retryable(f"invalid or truncated JSON ({len(response.content)} bytes)") from exc
        if not isinstance(body, dict):
            raise _Retryable("the answer was JSON but not an object")
        return body

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry.retry_after_cap)
        return self.retry.backoff(attempt, self._rng)


def _raise_for_status(response: httpx.Response, now: float) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        raise _Retryable(f"HTTP {status}", retry_after)
    raise QueryRejected(status, response.text)


def _no_check(body: Json) -> None:
    """Validator for endpoints that return a single object."""


def _page_validator(cursor: _Cursor) -> Validator:
    """Check a page's shape and catch a page served twice.

    A repeated ``nextPageToken`` would make paging loop, so it is always retried.  A page
    made only of studies already received is asked for once more; if the server insists,
    the duplicates are dropped (the registry may have reordered results mid-sync).
    """
    reasked = False

    def validate(body: Json) -> None:
        nonlocal reasked
        studies = body.get("studies")
        token = body.get("nextPageToken")
        if not isinstance(studies, list) or not (token is None or isinstance(token, str)):
            raise _Retryable("the answer did not look like a page of studies")
        if token is not None and token in cursor.seen_tokens:
            raise _Retryable("the server sent a page it had already sent (repeated page token)")
        ids = [_nct_id(study) for study in studies]
        if ids and not reasked and all(i is not None and i in cursor.seen_ids for i in ids):
            reasked = True
            raise _Retryable("the server sent studies it had already sent (repeated page)")

    return validate


def _build_page(body: Json, cursor: _Cursor) -> StudyPage:
    fresh: list[Json] = []
    for study in body["studies"]:
        nct_id = _nct_id(study)
        if nct_id is not None and nct_id in cursor.seen_ids:
            continue
        if nct_id is not None:
            cursor.seen_ids.add(nct_id)
        fresh.append(study)
    total = body.get("totalCount")
    if isinstance(total, int):
        cursor.total_count = total
    return StudyPage(
        studies=fresh,
        next_page_token=body.get("nextPageToken"),
        total_count=cursor.total_count,
        number=cursor.number,
        studies_before=cursor.studies_before,
        duplicates_dropped=len(body["studies"]) - len(fresh),
    )


def _acknowledge(checkpoint: Checkpoint, key: Json, page: StudyPage) -> None:
    """Record that ``page`` is stored: move the checkpoint on, or clear it after the last page."""
    if page.next_page_token is None:
        checkpoint.clear()
        return
    checkpoint.advance(
        key,
        page.next_page_token,
        pages_done=page.number,
        studies_done=page.studies_before + len(page.studies),
        total_count=page.total_count,
    )


def _nct_id(study: Any) -> str | None:
    try:
        nct_id = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return nct_id if isinstance(nct_id, str) else None


def _blank_to_none(text: str | None) -> str | None:
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None
