"""Secrets, link tokens and keyed hashes (pure functions apart from :func:`load_secret`).

A link token is ``KEY.MAC``: ``KEY`` is the row's random 128-bit key, ``MAC`` an HMAC-SHA256 of the
purpose and key under the site secret. Guessing one needs the secret, and a token for one purpose
(confirm) never works for another (unsubscribe). Addresses and network addresses used for abuse
limits are stored only as keyed hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from ..config import Settings
from .errors import InvalidToken

SECRET_FILE = "secret_key"
KEY_BYTES = 16  # 128 bits


def load_secret(settings: Settings) -> bytes:
    """``settings.secret_key``, or a random secret kept in ``$TRIALSCOUT_HOME/secret_key`` (made once, 0600).

    Several machines serving one database must share ``secret_key``: set it in the configuration.
    """
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.ensure_home()) / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if len(value) < 32:
            raise InvalidToken(f"{path} holds no usable secret; delete it so a new one is made") from None
        return value.encode()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        value = secrets.token_urlsafe(48)
        out.write(value + "\n")
    return value.encode()


def new_key() -> str:
    """A random row key: 128 bits, 32 hex characters."""
    return secrets.token_hex(KEY_BYTES)


def _mac(secret: bytes, purpose: str, key: str) -> str:
    digest = hmac.new(secret, f"{purpose}\x00{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(secret: bytes, purpose: str, key: str) -> str:
    return f"{key}.{_mac(secret, purpose, key)}"


def read_token(secret: bytes, purpose: str, token: str) -> str:
    """The key inside ``token`` if its MAC is right for ``purpose``; else :class:`InvalidToken`."""
    key, _, mac = (token or "").strip().partition(".")
    if len(key) != 2 * KEY_BYTES or not all(c in "0123456789abcdef" for c in key) or not mac:
        raise InvalidToken()
    if not hmac.compare_digest(mac.encode(), _mac(secret, purpose, key).encode()):
        raise InvalidToken()
    return key


def keyed_hash(secret: bytes, kind: str, value: str) -> str:
    """A stable, non-reversible stand-in for an address (64 hex characters)."""
    return hmac.new(secret, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def form_token(secret: bytes, nonce: str) -> str:
    """The hidden-field value bound to a browser's ``nonce`` cookie (CSRF double submit, HMAC-bound)."""
    return _mac(secret, "form", nonce)


def form_token_ok(secret: bytes, nonce: str | None, token: str | None) -> bool:
    if not nonce or not token:
        return False
    return hmac.compare_digest(token.encode(), form_token(secret, nonce).encode())
