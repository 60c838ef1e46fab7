"""The alerts service: what the web pages and the commands call (one object per app or command).

    alerts = Alerts(store, settings)
    alerts.subscribe("ana@example.org", [alerts.trial_target("NCT06740149")], Frequency.IMMEDIATE, "203.0.113.9")
    alerts.notify()          # match new trials, compose, send what is due
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..config import Settings
from ..store import StoredTrial, TrialStore
from ..store.schema import alert_events, alert_subscriptions
from ..trial import Trial
from . import compose, feeds, interest, limits, outbox, subscriptions, validate
from .db import now_utc
from .enqueue import enqueue_alerts
from .errors import InvalidInput, MailNotConfigured, UnknownTrial
from .links import CONFIRM, INTEREST, MANAGE, STOP, UNSUBSCRIBE, Links
from .mail import SmtpMailer
from .matching import SearchMatcher, TrialMatcher, check_query, default_matcher, match_new_trials
from .models import (
    Frequency, InterestForm, InterestRequest, Kind, MessageKind, NotifySummary, SavedQuery, SubscribeOutcome,
    Subscriber, Target, TrialContact,
)
from .outbox import SendReport, Sender
from .tokens import load_secret, read_token

#: Sent and failed messages (which keep no address or text) are forgotten after this long.
KEEP_SENT = timedelta(days=30)
#: Mail a person is waiting for right now: sent straight after the form, not on the schedule.
TRANSACTIONAL = (MessageKind.CONFIRM, MessageKind.NOTICE, MessageKind.INTEREST_CONFIRM, MessageKind.INTEREST)


def install(store: TrialStore) -> None:
    """Make every upsert of ``store`` enqueue alerts in its own transaction."""
    if enqueue_alerts not in store.write_hooks:
        store.write_hooks.append(enqueue_alerts)


class Alerts:
    def __init__(self, store: TrialStore, settings: Settings, matcher: TrialMatcher | None = None,
                 clock: Callable[[], datetime] = now_utc) -> None:
        self.store = store
        self.settings = settings
        self.secret = load_secret(settings)
        self.links = Links(settings.public_url, self.secret)
        self.clock = clock
        self._given = matcher
        self._found: TrialMatcher | None = None

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return self.store.engine

    @property
    def matcher(self) -> TrialMatcher:
        """The matcher given, else the site's search once its index exists (asked again until then)."""
        if self._given is not None:
            return self._given
        if not isinstance(self._found, SearchMatcher):
            self._found = default_matcher(self.store, self.settings)
        return self._found

    # --- sign-up -------------------------------------------------------------------------------

    def trial_target(self, nct_id: str) -> Target:
        with self.engine.connect() as conn:
            return subscriptions.trial_target(conn, nct_id)

    @staticmethod
    def condition_target(condition: str) -> Target:
        return subscriptions.condition_target(validate.short_text(condition, "condition", "a condition"))

    @staticmethod
    def search_target(params: dict[str, Sequence[str] | str]) -> Target:
        query = SavedQuery.from_dict(dict(params))
        if query.q:
            validate.short_text(query.q, "q", "the search words")
        for name, values in query.filters:
            for value in values:
                validate.short_text(value, name, f"the {name.replace('_', ' ')} filter")
        if any(name == "age" for name, _ in query.filters):
            try:
                float(query.filter("age")[0])
            except ValueError:
                raise InvalidInput("age", "Age must be a number of years.") from None
        target = subscriptions.search_target(query)
        check_query(Kind.SEARCH, query)
        return target

    def subscribe(self, email: str, targets: Sequence[Target], frequency: Frequency, client: str,
                  now: datetime | None = None) -> SubscribeOutcome:
        """Queue a confirmation e-mail for ``targets`` (abuse limits per network address and per address)."""
        address = validate.email_address(email)
        frequency = Frequency(frequency)
        now = now or self.clock()
        with self.engine.begin() as conn:
            limits.check(conn, self.secret, limits.SUBSCRIBE_PER_IP, client, now)
            limits.check(conn, self.secret, limits.SUBSCRIBE_PER_ADDRESS, validate.address_key(address), now)
            return subscriptions.subscribe(conn, self.settings, self.links, address, targets, frequency, now)

    def confirm(self, token: str, now: datetime | None = None) -> tuple[str, list[str]]:
        """Start the subscriptions behind a confirmation link; returns (manage link, what they follow)."""
        key = read_token(self.secret, CONFIRM, token)
        with self.engine.begin() as conn:
            subscriber_key, labels = subscriptions.confirm(conn, key, now or self.clock())
        return self.links.manage(subscriber_key), labels

    def pending_labels(self, token: str) -> list[str]:
        """What a confirmation link would start (for the page that asks to confirm)."""
        key = read_token(self.secret, CONFIRM, token)
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(alert_subscriptions.c.label)
                                     .where(alert_subscriptions.c.request_key == key)).scalars())

    # --- managing ------------------------------------------------------------------------------

    def subscriber(self, token: str) -> Subscriber:
        with self.engine.connect() as conn:
            return subscriptions.subscriber_by_key(conn, read_token(self.secret, MANAGE, token))

    def set_frequency(self, token: str, frequency: str) -> None:
        try:
            chosen = Frequency(frequency)
        except ValueError:
            raise InvalidInput("frequency", "Choose \u201cas it happens\u201d or \u201conce a day\u201d.") from None
        with self.engine.begin() as conn:
            subscriptions.set_frequency(conn, read_token(self.secret, MANAGE, token), chosen)

    def stop(self, token: str) -> str:
        with self.engine.begin() as conn:
            return subscriptions.stop(conn, read_token(self.secret, STOP, token))

    def stop_from_manage(self, manage_token: str, subscription_key: str) -> str:
        """Stop one of the subscriber's own subscriptions (from the management page)."""
        person = self.subscriber(manage_token)
        if subscription_key not in {s.key for s in person.subscriptions}:
            raise UnknownTrial("That subscription is not one of yours, or it was stopped already.")
        with self.engine.begin() as conn:
            return subscriptions.stop(conn, subscription_key)

    def unsubscribe(self, token: str, manage: bool = False) -> int:
        key = read_token(self.secret, MANAGE if manage else UNSUBSCRIBE, token)
        with self.engine.begin() as conn:
            return subscriptions.unsubscribe(conn, key)

    def check_unsubscribe_link(self, token: str) -> None:
        """Raise :class:`InvalidToken` unless ``token`` is a real unsubscribe link (it may be used already)."""
        read_token(self.secret, UNSUBSCRIBE, token)

    def stop_label(self, token: str) -> str | None:
        """What a stop link would end (``None`` if it ended already)."""
        key = read_token(self.secret, STOP, token)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(alert_subscriptions.c.label)
                                .where(alert_subscriptions.c.key == key)).scalar_one_or_none()

    # --- "I'm interested" ----------------------------------------------------------------------

    @staticmethod
    def contact_for(trial: Trial) -> TrialContact | None:
        return interest.trial_contact(trial)

    def request_interest(self, stored: StoredTrial, form: InterestForm, client: str,
                         now: datetime | None = None) -> None:
        now = now or self.clock()
        address = validate.email_address(form.email)
        with self.engine.begin() as conn:
            limits.check(conn, self.secret, limits.INTEREST_PER_IP, client, now)
            limits.check(conn, self.secret, limits.INTEREST_PER_ADDRESS, validate.address_key(address), now)
            interest.request_interest(conn, self.settings, self.links, stored, form, now)

    def interest_request(self, token: str, now: datetime | None = None) -> InterestRequest:
        with self.engine.connect() as conn:
            return interest.find_request(conn, read_token(self.secret, INTEREST, token), now or self.clock())

    def confirm_interest(self, token: str, now: datetime | None = None) -> InterestRequest:
        key = read_token(self.secret, INTEREST, token)
        with self.engine.begin() as conn:
            return interest.confirm_interest(conn, self.settings, self.links, key, now or self.clock())

    def interest_count(self, nct_id: str) -> int:
        with self.engine.connect() as conn:
            return interest.count(conn, nct_id)

    # --- feeds -----------------------------------------------------------------------------------

    def trial_feed(self, nct_id: str) -> bytes | None:
        feed = feeds.trial_feed(self.store, self.links, nct_id)
        return None if feed is None else feeds.render(feed)

    def condition_feed(self, condition: str) -> bytes:
        target = self.condition_target(condition)
        return feeds.render(feeds.new_trials_feed(self.store, self.matcher, self.links, Kind.CONDITION,
                                                  target.query or SavedQuery()))

    def search_feed(self, params: dict[str, Sequence[str] | str]) -> bytes:
        target = self.search_target(params)
        return feeds.render(feeds.new_trials_feed(self.store, self.matcher, self.links, Kind.SEARCH,
                                                  target.query or SavedQuery()))

    # --- delivery --------------------------------------------------------------------------------

    def match_new_trials(self, now: datetime | None = None) -> int:
        return match_new_trials(self.engine, self.matcher, now or self.clock())

    def purge(self, now: datetime | None = None) -> dict[str, int]:
        now = now or self.clock()
        with self.engine.begin() as conn:
            found = {
                "unconfirmed_addresses": subscriptions.purge_unconfirmed(conn, now),
                "interest_requests": interest.purge(conn, now, self.settings.interest_retention_days),
                "abuse_counters": limits.purge(conn, now),
            }
        found["sent_messages"] = outbox.purge_sent(self.engine, now - KEEP_SENT)
        return found

    def send(self, kinds: Sequence[MessageKind] | None = None, sender: Sender | None = None) -> SendReport:
        """Send what is due (of ``kinds``); :class:`MailNotConfigured` without an SMTP server."""
        if sender is not None:
            return outbox.send_due(self.engine, self.settings, sender, kinds=kinds, clock=self.clock)
        with SmtpMailer(self.settings) as mailer:
            return outbox.send_due(self.engine, self.settings, mailer, kinds=kinds, clock=self.clock)

    def send_transactional(self) -> SendReport | None:
        """Send confirmations and interest requests now (no-op without an SMTP server)."""
        if not self.settings.smtp_host:
            return None
        return self.send(TRANSACTIONAL)

    def notify(self, now: datetime | None = None, sender: Sender | None = None) -> NotifySummary:
        """Everything that is due: purge, match new trials, compose, send."""
        summary = NotifySummary()
        summary.purged = self.purge(now)
        summary.matched = self.match_new_trials(now)
        summary.composed = compose.compose_due(self.store, self.settings, self.links, now or self.clock())
        try:
            report = self.send(sender=sender)
        except MailNotConfigured:
            summary.mail = "not configured"
        else:
            summary.sent, summary.retrying, summary.failed = report.sent, report.retrying, report.failed
            if report.stopped:
                summary.mail = f"unreachable: {report.stopped}"
        summary.waiting = outbox.waiting(self.engine)
        return summary


def match_new_trials_step(store: TrialStore, settings: Settings, ids: Sequence[str] | None) -> None:
    """The derive step (``services.DERIVERS``, after the index): match trials that just appeared."""
    with store.engine.connect() as conn:
        if conn.execute(sa.select(alert_events.c.id).where(alert_events.c.matched_at.is_(None)).limit(1)).first() is None:
            return
    match_new_trials(store.engine, default_matcher(store, settings), now_utc())
