"""Cross-site request forgery protection for every form post (works without JavaScript).

Each browser gets a random ``ts_csrf`` cookie (HttpOnly, SameSite=Lax); pages put
``HMAC(secret, cookie)`` in a hidden ``csrf_token`` field (``request.state.csrf_token``). A POST to
a page (not ``/api/``) passes only when the field matches the cookie. Another site can make a browser
post, but can neither read the cookie nor compute the field without the secret.

The one exception is RFC 8058 one-click unsubscribe: mail programs POST ``List-Unsubscribe=One-Click``
to the link in the message, without cookies; the link's own token authorises that request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..alerts.tokens import form_token, form_token_ok

COOKIE = "ts_csrf"
FIELD = "csrf_token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MAX_BODY = 10 * 1024 * 1024
MAX_FIELDS = 2000
TOO_LARGE = (f"This form sent too much data (more than {MAX_BODY // (1024 * 1024)} MB). Upload a smaller file or "
             "paste a shorter text, then send the form again.")
ONE_CLICK = b"List-Unsubscribe=One-Click"

Refusal = Callable[[Request, int, str], Response]


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, secret: bytes, refuse: Refusal, secure_cookie: bool = False,
                 one_click_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.secret = secret
        self.refuse = refuse
        self.secure_cookie = secure_cookie
        self.one_click_prefixes = one_click_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = _cookie(scope, COOKIE)
        fresh = None
        if not nonce or len(nonce) < 32 or len(nonce) > 64:
            nonce = fresh = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = form_token(self.secret, nonce)
        if scope["method"] in UNSAFE and not scope["path"].startswith("/api/"):
            body = await _read_body(receive)
            if body is None:
                await self._refuse(scope, 413, TOO_LARGE, send)
                return
            if not self._allowed(scope, body, None if fresh else nonce, await _form(scope, body)):
                message = ("Your browser did not send this site's security cookie. Allow cookies for this site, "
                           "reload the page and send the form again." if fresh else
                           "This form is out of date or was sent from another site. Reload the page and try again.")
                await self._refuse(scope, 403, message, send)
                return
            receive = _replay(body)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and fresh:
                cookie = f"{COOKIE}={fresh}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure_cookie else "")
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode("latin-1")))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _allowed(self, scope: Scope, body: bytes, nonce: str | None, form: FormData | None) -> bool:
        if body.strip() == ONE_CLICK and scope["path"].startswith(self.one_click_prefixes):
            return True
        token = form.get(FIELD) if form is not None else None
        return form_token_ok(self.secret, nonce, token if isinstance(token, str) else None)

    async def _refuse(self, scope: Scope, status: int, message: str, send: Send) -> None:
        async def nothing() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        response = self.refuse(Request(scope, nothing), status, message)
        await response(scope, nothing, send)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is treated as no cookie
                continue
            if name in jar:
                return jar[name].value
    return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


async def _form(scope: Scope, body: bytes) -> FormData | None:
    kind = dict(scope.get("headers", [])).get(b"content-type", b"").decode("latin-1").lower()
    if not (kind.startswith("application/x-www-form-urlencoded") or kind.startswith("multipart/form-data")):
        return None
    try:  # one field may be as large as the whole body (a pasted record or note): the page sets its own limits
        return await Request(scope, _replay(body)).form(max_part_size=MAX_BODY, max_fields=MAX_FIELDS)
    except Exception:  # unreadable form: no token, so refused
        return None


def hidden_field(request: Any) -> str:
    """The hidden input a template puts in every form (``{{ csrf_field(request) }}``)."""
    from markupsafe import Markup, escape

    token = getattr(request.state, "csrf_token", "")
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">')
