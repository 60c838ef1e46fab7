"""The outbox: every e-mail is a row, written in the transaction that decided to send it, sent later.

Sending one message is three steps, each committed: claim it (``sending``, with a lease and one more
attempt), hand it to the SMTP server, mark it ``sent`` (and drop its address and body). A sender that
dies after claiming leaves the message ``sending``; when the lease runs out another sender sends the
same bytes with the same Message-ID. So no message is lost, and the only possible repeat (the server
took the message, the sender died before recording it) carries the Message-ID the receiving mailbox
already has. Refusals are retried with growing pauses until :data:`MAX_ATTEMPTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from ..config import Settings
from ..store.schema import alert_messages
from .db import insert_ignoring_duplicates, now_utc
from .errors import DeliveryError
from .mail import Mail, message_id_for, render
from .models import MessageKind, MessageStatus

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 60
LONGEST_PAUSE_SECONDS = 6 * 3600
m = alert_messages.c


class Sender(Protocol):
    def send(self, recipient: str, data: bytes) -> None: ...


def enqueue(conn: sa.Connection, mail: Mail, kind: MessageKind, idempotency_key: str, settings: Settings,
            now: datetime, subscriber_id: int | None = None) -> bool:
    """Write ``mail`` to the outbox in ``conn``'s transaction; ``False`` if that key was already written."""
    message_id = message_id_for(idempotency_key, settings)
    row = {
        "idempotency_key": idempotency_key, "message_id": message_id, "kind": kind.value,
        "subscriber_id": subscriber_id, "recipient": mail.to, "body": render(mail, settings, message_id, now),
        "status": MessageStatus.PENDING.value, "attempts": 0, "next_attempt_at": now, "lease_until": None,
        "created_at": now, "sent_at": None, "last_error": None,
    }
    return insert_ignoring_duplicates(conn, alert_messages, [row], ("idempotency_key",)) == 1


def pause_after(attempts: int) -> timedelta:
    """How long to wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most 6 hours."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_PAUSE_SECONDS))


def _due(engine: sa.Engine, now: datetime, kinds: Iterable[MessageKind] | None, limit: int) -> list[int]:
    ready = sa.or_(
        sa.and_(m.status == MessageStatus.PENDING.value, m.next_attempt_at <= now),
        sa.and_(m.status == MessageStatus.SENDING.value, m.lease_until < now),  # its sender died
    )
    query = sa.select(m.id).where(ready).order_by(m.next_attempt_at, m.id).limit(limit)
    if kinds is not None:
        query = query.where(m.kind.in_([k.value for k in kinds]))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def claim(engine: sa.Engine, message: int, now: datetime, lease: timedelta) -> tuple[str, bytes, int] | None:
    """Take ``message`` for sending (one attempt more); ``None`` if another sender has it or it is gone."""
    with engine.begin() as conn:
        taken = conn.execute(
            alert_messages.update()
            .where(m.id == message, sa.or_(
                sa.and_(m.status == MessageStatus.PENDING.value, m.next_attempt_at <= now),
                sa.and_(m.status == MessageStatus.SENDING.value, m.lease_until < now)))
            .values(status=MessageStatus.SENDING.value, lease_until=now + lease, attempts=m.attempts + 1)
        ).rowcount
        if taken != 1:
            return None
        row = conn.execute(sa.select(m.recipient, m.body, m.attempts).where(m.id == message)).one()
    return row.recipient, bytes(row.body), row.attempts


def mark_sent(engine: sa.Engine, message: int, now: datetime) -> None:
    """Record the server took it, and forget the address and the text (the Message-ID stays)."""
    with engine.begin() as conn:
        conn.execute(alert_messages.update().where(m.id == message, m.status == MessageStatus.SENDING.value)
                     .values(status=MessageStatus.SENT.value, sent_at=now, lease_until=None, recipient=None,
                             body=None, last_error=None))


def mark_refused(engine: sa.Engine, message: int, attempts: int, error: DeliveryError, now: datetime) -> bool:
    """Schedule a retry, or give up (permanent refusal, or out of attempts); ``True`` if it will retry."""
    retry = not error.permanent and attempts < MAX_ATTEMPTS
    values = {"status": MessageStatus.PENDING.value, "next_attempt_at": now + pause_after(attempts)} if retry else \
        {"status": MessageStatus.FAILED.value, "recipient": None, "body": None}
    with engine.begin() as conn:
        conn.execute(alert_messages.update().where(m.id == message, m.status == MessageStatus.SENDING.value)
                     .values(lease_until=None, last_error=str(error)[:200], **values))
    return retry


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    stopped: str | None = None  # why the run stopped early (the server could not be reached)


def send_due(engine: sa.Engine, settings: Settings, sender: Sender, *, kinds: Iterable[MessageKind] | None = None,
             clock: Callable[[], datetime] = now_utc, limit: int = 10_000) -> SendReport:
    """Send every message that is due, one at a time; stops early when the server cannot be reached."""
    report = SendReport()
    lease = timedelta(seconds=max(settings.notify_lease_seconds, 1))
    kinds = list(kinds) if kinds is not None else None
    for message in _due(engine, clock(), kinds, limit):
        claimed = claim(engine, message, clock(), lease)
        if claimed is None:
            continue
        recipient, data, attempts = claimed
        try:
            sender.send(recipient, data)
        except DeliveryError as error:
            if mark_refused(engine, message, attempts, error, clock()):
                report.retrying += 1
            else:
                report.failed += 1
            if error.connection:
                report.stopped = str(error)
                break
            continue
        mark_sent(engine, message, clock())
        report.sent += 1
    return report


def waiting(engine: sa.Engine) -> int:
    """Messages not yet sent (due now or later)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(alert_messages).where(
            m.status.in_([MessageStatus.PENDING.value, MessageStatus.SENDING.value]))).scalar_one()


def purge_sent(engine: sa.Engine, before: datetime) -> int:
    """Forget sent and failed messages older than ``before`` (they hold no address or text)."""
    with engine.begin() as conn:
        return conn.execute(alert_messages.delete().where(
            m.status.in_([MessageStatus.SENT.value, MessageStatus.FAILED.value]), m.created_at < before)).rowcount
