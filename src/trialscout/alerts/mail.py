"""E-mail: a message rendered once to bytes (fixed Message-ID and Date), and an SMTP connection.

Headers are built with the stdlib's strict SMTP policy, which refuses a header value holding CR or
LF, so text from a form can never add a header. Alert messages carry one-click unsubscribe headers
(RFC 2369 List-Unsubscribe, RFC 8058 List-Unsubscribe-Post).
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from types import TracebackType
from urllib.parse import urlsplit

from ..config import Settings
from .errors import DeliveryError, MailNotConfigured

SMTP_TIMEOUT_SECONDS = 30
#: Lines up to RFC 5322's hard limit, so a long List-Unsubscribe URL stays one plain header line (folding
#: it would turn it into encoded-words that mail programs do not read as a URL).
_POLICY = SMTP.clone(max_line_length=998)
_ADDRESS = re.compile(r"[^\s<>\"']+@[^\s<>\"']+")


@dataclass(frozen=True)
class Mail:
    """A message before it is rendered: who gets it, what it says, and how to stop it."""

    to: str
    subject: str
    text: str
    reply_to: tuple[str, str] | None = None  # (display name, address)
    unsubscribe_url: str | None = None


def mail_domain(settings: Settings) -> str:
    return urlsplit(settings.public_url).hostname or "localhost"


def message_id_for(idempotency_key: str, settings: Settings) -> str:
    """The Message-ID of the message with ``idempotency_key``: the same on every retry."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}.alerts@{mail_domain(settings)}>"


def one_line(text: str, limit: int = 150) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def render(mail: Mail, settings: Settings, message_id: str, date: datetime) -> bytes:
    """The exact bytes to send (stored in the outbox, so a retry is byte-identical)."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = settings.mail_from
    msg["To"] = mail.to
    msg["Subject"] = one_line(mail.subject, 200)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    if mail.reply_to:
        name, address = mail.reply_to
        local, _, domain = address.rpartition("@")
        msg["Reply-To"] = Address(display_name=one_line(name, 100), username=local, domain=domain)
    if mail.unsubscribe_url:
        msg["List-Id"] = f"trialscout alerts <alerts.{mail_domain(settings)}>"
        msg["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(mail.text, charset="utf-8", cte="quoted-printable")
    return msg.as_bytes()


def trial_name(title: str | None, nct_id: str, limit: int = 140) -> str:
    """``"Stem cells for liver failure (NCT06740149)"``; ``"trial NCT06740149"`` when the record has no title."""
    flat = one_line(title or "", limit)
    return f"{flat} ({nct_id})" if flat and flat != nct_id else f"trial {nct_id}"


def envelope_sender(settings: Settings) -> str:
    return parseaddr(settings.mail_from)[1] or f"no-reply@{mail_domain(settings)}"


def scrub(text: str, limit: int = 200) -> str:
    """An error text safe to keep and log: addresses removed, one line, short."""
    return one_line(_ADDRESS.sub("<address>", text), limit)


class SmtpMailer:
    """One SMTP session (STARTTLS and login as configured), opened on first use, reopened after a drop."""

    def __init__(self, settings: Settings, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        if not settings.smtp_host:
            raise MailNotConfigured()
        self.settings = settings
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "SmtpMailer":
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            smtp = smtplib.SMTP(s.smtp_host or "", s.smtp_port, timeout=self.timeout)
            smtp.ehlo()
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"the mail server refused the login for the configured smtp_user "
                                f"({exc.smtp_code}); check TRIALSCOUT_SMTP_USER and _PASSWORD", permanent=False,
                                connection=True) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(f"the mail server at {s.smtp_host}:{s.smtp_port} does not offer STARTTLS; "
                                "set smtp_starttls = false only if it is on a trusted network", permanent=False,
                                connection=True) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise DeliveryError(f"cannot reach the mail server at {s.smtp_host}:{s.smtp_port}: "
                                f"{scrub(str(exc) or type(exc).__name__)}", permanent=False, connection=True) from None
        return smtp

    def send(self, recipient: str, data: bytes) -> None:
        """Hand one message to the server; :class:`DeliveryError` says whether a retry may help."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.sendmail(envelope_sender(self.settings), [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            raise DeliveryError(f"recipient refused: {code} {scrub(reason.decode(errors='replace'))}",
                                permanent=code >= 500) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            message = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise DeliveryError(f"mail server said {exc.smtp_code} {scrub(message)}",
                                permanent=500 <= exc.smtp_code < 600) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(f"the mail server connection failed: {scrub(str(exc) or type(exc).__name__)}",
                                permanent=False, connection=True) from None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
