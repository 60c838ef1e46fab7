""""I'm interested": a short request to a trial's central contact, sent only once the person confirms.

The request holds the least that lets the study team answer (name, e-mail, optional phone and
message). It waits until the person opens the link mailed to them, so nobody can send a request
in someone else's name; then it goes to the contact through the outbox (Reply-To: the person).
Requests are deleted after ``interest_retention_days``; only the per-trial count stays.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..config import Settings
from ..store import StoredTrial
from ..store.schema import alert_interest, alert_interest_counts, trials
from ..trial import Trial
from . import messages, outbox
from .db import insert_ignoring_duplicates, utc
from .errors import InvalidInput, InvalidToken, NoContact
from .links import Links
from .models import InterestForm, InterestRequest, MessageKind, TrialContact
from .tokens import keyed_hash, new_key
from .validate import address_key, email_address, free_message, person_name, phone_number

CONFIRM_HOURS = 48
PENDING, SENT = "pending", "sent"
c = alert_interest.c


def trial_contact(trial: Trial) -> TrialContact | None:
    """The central contact with a usable e-mail address, if the record lists one."""
    for contact in trial.central_contacts:
        if not contact.email:
            continue
        try:
            address = email_address(contact.email)
        except InvalidInput:
            continue
        name = " ".join((contact.name or "").split())
        return TrialContact(name=name if "\n" not in name else "", email=address)
    return None


def check_form(form: InterestForm) -> InterestForm:
    """The form's values, checked and trimmed; :class:`InvalidInput` names the first bad field."""
    checked = InterestForm(nct_id=form.nct_id, name=person_name(form.name), email=email_address(form.email),
                           phone=phone_number(form.phone) or "", message=free_message(form.message) or "",
                           consent=form.consent)
    if not form.consent:
        raise InvalidInput("consent", "Tick the box to agree that we send your details to the study team. "
                                      "Without it we cannot send your request.")
    return checked


def request_interest(conn: sa.Connection, settings: Settings, links: Links, stored: StoredTrial,
                     form: InterestForm, now: datetime) -> str:
    """Hold the request and mail the person a confirmation link; returns the request's key."""
    contact = trial_contact(stored.trial)
    if contact is None:
        raise NoContact(f"Trial {stored.trial.nct_id} lists no e-mail contact, so we cannot pass on a request. "
                        "Use the phone numbers on the trial page, or the registry record.")
    form = check_form(form)
    digest = keyed_hash(links.secret, "email", address_key(form.email))
    earlier = conn.execute(sa.select(c.created_at).where(c.email_hash == digest, c.nct_id == form.nct_id,
                                                         c.state == SENT)).first()
    if earlier is not None:
        raise InvalidInput("email", f"You already sent a request about this trial on "
                                    f"{utc(earlier.created_at).date().isoformat()}. The study team has your details.")
    key = new_key()
    conn.execute(alert_interest.insert().values(
        key=key, nct_id=form.nct_id, recipient=contact.email, recipient_label=contact.label, name=form.name,
        email=form.email, email_hash=digest, phone=form.phone or None, message=form.message or None, state=PENDING,
        created_at=now, confirmed_at=None))
    mail = messages.confirm_interest(form.email, stored.trial.title, form.nct_id, contact.label,
                                     links.interest(key), CONFIRM_HOURS, links)
    outbox.enqueue(conn, mail, MessageKind.INTEREST_CONFIRM, f"interest-confirm:{key}", settings, now)
    return key


def find_request(conn: sa.Connection, key: str, now: datetime) -> InterestRequest:
    row = conn.execute(sa.select(alert_interest, trials.c.title).join(trials, trials.c.nct_id == c.nct_id, isouter=True)
                       .where(c.key == key)).first()
    if row is None or (row.state == PENDING and utc(row.created_at) < now - timedelta(hours=CONFIRM_HOURS)):
        raise InvalidToken("This request has expired or was deleted. Send it again from the trial page.")
    return InterestRequest(row.key, row.nct_id, row.title or row.nct_id, row.recipient_label, row.name, row.email,
                           row.phone, row.message, row.state, utc(row.created_at))


def confirm_interest(conn: sa.Connection, settings: Settings, links: Links, key: str,
                     now: datetime) -> InterestRequest:
    """Send the request to the trial's contact (once: confirming again sends nothing more)."""
    request = find_request(conn, key, now)
    if request.state == SENT:
        return request
    row = conn.execute(sa.select(c.recipient).where(c.key == key)).one()
    mail = messages.interest(row.recipient, request.trial_title, request.nct_id, request.name, request.email,
                             request.phone, request.message, settings.interest_retention_days, links)
    if outbox.enqueue(conn, mail, MessageKind.INTEREST, f"interest:{key}", settings, now):
        insert_ignoring_duplicates(conn, alert_interest_counts, [{"nct_id": request.nct_id, "requests": 0}],
                                   ("nct_id",))
        conn.execute(alert_interest_counts.update().where(alert_interest_counts.c.nct_id == request.nct_id)
                     .values(requests=alert_interest_counts.c.requests + 1))
    conn.execute(alert_interest.update().where(c.key == key).values(state=SENT, confirmed_at=now))
    return InterestRequest(**{**request.__dict__, "state": SENT})


def count(conn: sa.Connection, nct_id: str) -> int:
    """How many people asked about this trial (confirmed requests, ever)."""
    found = conn.execute(sa.select(alert_interest_counts.c.requests)
                         .where(alert_interest_counts.c.nct_id == nct_id)).scalar_one_or_none()
    return found or 0


def purge(conn: sa.Connection, now: datetime, retention_days: int) -> int:
    """Delete requests older than the retention period, and unconfirmed ones whose link has expired."""
    return conn.execute(alert_interest.delete().where(sa.or_(
        c.created_at < now - timedelta(days=max(retention_days, 0)),
        sa.and_(c.state == PENDING, c.created_at < now - timedelta(hours=CONFIRM_HOURS))))).rowcount
