"""Abuse limits: how many sign-ups and requests one address or one network address may make.

Only keyed hashes are stored (never the address or IP itself), and only for a day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..store.schema import alert_attempts
from .errors import TooManyRequests
from .tokens import keyed_hash

KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Limit:
    action: str
    most: int
    per: timedelta
    message: str


SUBSCRIBE_PER_IP = Limit("subscribe:ip", 10, timedelta(hours=1),
                         "Too many sign-ups came from your network in the last hour. Try again in an hour.")
SUBSCRIBE_PER_ADDRESS = Limit("subscribe:email", 3, timedelta(days=1),
                              "We have already sent several confirmation e-mails to this address today. Look for "
                              "them in your inbox (and spam folder), or try again tomorrow.")
INTEREST_PER_IP = Limit("interest:ip", 5, timedelta(hours=1),
                        "Too many requests came from your network in the last hour. Try again in an hour.")
INTEREST_PER_ADDRESS = Limit("interest:email", 3, timedelta(days=1),
                             "You have sent several requests today. Wait for the study teams to answer, or try "
                             "again tomorrow.")


def check(conn: sa.Connection, secret: bytes, limit: Limit, value: str, now: datetime) -> None:
    """Count this attempt for ``value``, or raise :class:`TooManyRequests` when the limit is reached."""
    key = keyed_hash(secret, limit.action, value)
    a = alert_attempts.c
    recent = conn.execute(sa.select(sa.func.count(), sa.func.min(a.at)).where(
        a.action == limit.action, a.key_hash == key, a.at > now - limit.per)).one()
    if recent[0] >= limit.most:
        oldest = recent[1]
        oldest = oldest.replace(tzinfo=now.tzinfo) if oldest is not None and oldest.tzinfo is None else oldest
        wait = int(((oldest + limit.per) - now).total_seconds()) if oldest is not None else int(limit.per.total_seconds())
        raise TooManyRequests(limit.message, max(wait, 1))
    conn.execute(alert_attempts.insert().values(action=limit.action, key_hash=key, at=now))


def purge(conn: sa.Connection, now: datetime) -> int:
    return conn.execute(alert_attempts.delete().where(alert_attempts.c.at < now - KEEP)).rowcount
