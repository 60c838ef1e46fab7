"""Checks on what people type into the alert forms (pure functions).

Anything that could end up in a mail header is refused when it holds a line break or another
control character, rather than cleaned: a name with CR/LF is an attack, not a typo.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import InvalidInput

MAX_EMAIL = 254
MAX_NAME = 100
MAX_PHONE = 40
MAX_MESSAGE = 1000
MAX_LABEL = 200

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,}(\s*(ext\.?|x)\s*[0-9]{1,6})?$", re.IGNORECASE)


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in text)


def email_address(raw: str, field: str = "email") -> str:
    """A deliverable-looking address, trimmed, its domain lower-cased; else :class:`InvalidInput`."""
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(field, "Enter your e-mail address.")
    if _has_control(text) or len(text) > MAX_EMAIL:
        raise InvalidInput(field, "This e-mail address cannot be used: it is too long or holds a line break.")
    local, at, domain = text.rpartition("@")
    labels = domain.split(".")
    if (not at or not local or len(local) > 64 or not _LOCAL.match(local) or len(labels) < 2
            or not all(_LABEL.match(label) for label in labels) or not labels[-1].isalpha()):
        raise InvalidInput(field, f"{text[:80]!r} does not look like an e-mail address. "
                                  "Check it: it should look like name@example.org.")
    return f"{local}@{domain.lower()}"


def address_key(email: str) -> str:
    """The form of an address used to recognise it again (case does not matter to people)."""
    return email.strip().lower()


def person_name(raw: str) -> str:
    text = unicodedata.normalize("NFC", (raw or "").strip())
    if not text:
        raise InvalidInput("name", "Enter your name, so the study team knows who is asking.")
    if _has_control(text) or "\r" in text or "\n" in text:
        raise InvalidInput("name", "Your name cannot contain line breaks or control characters.")
    if len(text) > MAX_NAME:
        raise InvalidInput("name", f"Keep your name under {MAX_NAME} characters.")
    if any(ch in text for ch in "<>\"@"):
        raise InvalidInput("name", "Your name cannot contain < > \" or @. Enter only your name.")
    return text


def phone_number(raw: str) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    if _has_control(text) or len(text) > MAX_PHONE or not _PHONE.match(text):
        raise InvalidInput("phone", "This phone number cannot be used. Use digits, spaces and + ( ) - only.")
    return text


def free_message(raw: str) -> str | None:
    text = unicodedata.normalize("NFC", (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip())
    if not text:
        return None
    if len(text) > MAX_MESSAGE:
        raise InvalidInput("message", f"Keep your message under {MAX_MESSAGE:,} characters "
                                      f"(it has {len(text):,}). The study team will ask for details.")
    if any(unicodedata.category(ch) in {"Cc", "Cf"} and ch not in "\n\t" for ch in text):
        raise InvalidInput("message", "Your message contains control characters. Type it again as plain text.")
    return text


def short_text(raw: str, field: str, what: str) -> str:
    """A condition or search text: one line, not empty, not huge."""
    text = " ".join((raw or "").split())
    if not text:
        raise InvalidInput(field, f"Enter {what}.")
    if _has_control(raw or "") or len(text) > MAX_LABEL:
        raise InvalidInput(field, f"Keep {what} under {MAX_LABEL} characters, on one line.")
    return text
