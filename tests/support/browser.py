"""Headless Chromium (Debian's /usr/bin/chromium via Playwright) and a way to serve an ASGI app.

    with serve_app(create_app(settings)) as base_url:
        page.goto(base_url + "/")

Playwright never downloads browsers here: we always pass executable_path.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

CHROMIUM = os.environ.get("TRIALSCOUT_CHROMIUM", "/usr/bin/chromium")

# The machine's network is closed: keep Chromium from phoning home (which floods
# refused connections and slows everything down).
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}

DEFAULT_TIMEOUT_MS = 10_000


class BrowserUnavailable(RuntimeError):
    """Chromium is not installed."""


def chromium_path() -> str:
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which("chromium")
    if found:
        return found
    raise BrowserUnavailable(
        f"Chromium not found at {CHROMIUM}: install Debian's chromium package: scripts/test does this"
    )


@contextmanager
def launch_browser(**launch_kwargs: Any) -> Iterator[Any]:
    """Start Playwright (sync API) and a headless Chromium; yield the Browser."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            **launch_kwargs,
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser: Any, **context_kwargs: Any) -> Iterator[Any]:
    """A page in a fresh browser context (own cookies/storage), closed afterwards."""
    context = browser.new_context(**context_kwargs)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextmanager
def serve_app(app: Any, *, startup_timeout: float = 20.0, **uvicorn_kwargs: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a background thread on 127.0.0.1 (free port).

    Yields the base URL (``http://127.0.0.1:PORT``, no trailing slash) once the app
    has started (lifespan startup done) and accepts connections; shuts it down
    cleanly on exit.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level=uvicorn_kwargs.pop("log_level", "warning"),
        lifespan=uvicorn_kwargs.pop("lifespan", "auto"),
        timeout_graceful_shutdown=uvicorn_kwargs.pop("timeout_graceful_shutdown", 5),
        **uvicorn_kwargs,
    )
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as e:  # surfaced in the main thread below
            errors.append(e)

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"uvicorn exited during startup: {errors[0]!r}" if errors else "uvicorn exited during startup (see its log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {startup_timeout}s")
            time.sleep(0.01)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()
