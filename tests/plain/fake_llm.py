"""A local OpenAI-compatible chat endpoint for the LLM writer tests (a real HTTP server).

    with FakeLLM(reply) as llm:          # reply(request_json) -> (status, body or None, delay)
        writer = LLMWriter(llm.url, "fake-model", "secret", timeout=1)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[dict[str, Any]], tuple[int, Any, float]]


def completion(content: str) -> dict[str, Any]:
    """An OpenAI-style chat completion whose message is ``content``."""
    return {"id": "fake", "object": "chat.completion", "model": "fake-model",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}


def answer(obj: dict[str, Any]) -> Reply:
    return lambda request: (200, completion(json.dumps(obj)), 0.0)


class FakeLLM:
    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(request)
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                status, body, delay = fake.reply(request) if self.path.endswith("/chat/completions") else (404, None, 0)
                if delay:
                    time.sleep(delay)
                data = json.dumps(body).encode() if body is not None else b""
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> "FakeLLM":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
