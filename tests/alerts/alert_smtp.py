"""A real SMTP server in this process (aiosmtpd) and the mailbox behind it.

``Mailbox.deliveries`` is every DATA the server accepted, in order; ``Mailbox.messages`` keeps one
message per Message-ID, as a receiving mail store that suppresses duplicates does.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "trialscout", "s3cret-pass"


@dataclass(frozen=True)
class Delivery:
    sender: str
    recipients: tuple[str, ...]
    data: bytes
    authenticated_as: str | None
    tls: bool

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        return self.message.get_content() if not self.message.is_multipart() else \
            self.message.get_body(("plain",)).get_content()


class Mailbox:
    """The aiosmtpd handler: stores what it accepts. ``before_accept(n)`` (n stored so far) may refuse
    or act first; ``after_accept(n)`` acts once the message is stored, before the client hears "250"."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self.before_accept: Callable[[int], str | None] | None = None
        self.after_accept: Callable[[int], None] | None = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.before_accept is not None:
            refusal = self.before_accept(len(self.deliveries))
            if refusal:
                return refusal
        login = session.auth_data.login.decode() if getattr(session, "auth_data", None) else None
        with self._lock:
            self.deliveries.append(Delivery(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content),
                                            login, bool(getattr(session, "ssl", None))))
            stored = len(self.deliveries)
        if self.after_accept is not None:
            self.after_accept(stored)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> dict[str, Delivery]:
        found: dict[str, Delivery] = {}
        for delivery in self.deliveries:
            found.setdefault(delivery.message_id, delivery)
        return found

    def to(self, address: str) -> list[Delivery]:
        return [d for d in self.messages.values() if address in d.recipients]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.deliveries)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and \
        auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 made with the openssl command (the client trusts it via SSL_CERT_FILE)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


class SmtpServer:
    """aiosmtpd on 127.0.0.1; with ``tls`` it demands STARTTLS and a login, like a real submission server."""

    def __init__(self, tls_files: tuple[Path, Path] | None = None) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if tls_files:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls_files[0]), str(tls_files[1]))
            kwargs = dict(tls_context=context, require_starttls=True, authenticator=_authenticate,
                          auth_required=True, auth_require_tls=True)
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
