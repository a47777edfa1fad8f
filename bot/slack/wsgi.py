"""The HTTP edge: Slack's events endpoint, a health check, and a body-size limit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

# Slack's own payloads are a few KB; anything far larger is not from Slack.
MAX_BODY_BYTES = 1_000_000


class FunnelbotWSGI:
    """`POST /slack/events` for events, commands and interactivity; `GET /healthz`."""

    def __init__(self, app: App, *, warm_up: Callable[[], None] | None = None) -> None:
        self._slack = SlackRequestHandler(app, path="/slack/events")
        self._ready = threading.Event()
        self._failure: str | None = None
        if warm_up is None:
            self._ready.set()
        else:
            threading.Thread(target=self._warm, args=(warm_up,), daemon=True).start()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def _warm(self, warm_up: Callable[[], None]) -> None:
        try:
            warm_up()
            self._ready.set()
        except Exception as error:  # reported by /healthz; the process stays up to say so
            self._failure = f"{type(error).__name__}: {error}"

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            if self._ready.is_set():
                return _plain(start_response, "200 OK", "ok")
            status = f"starting ({self._failure})" if self._failure else "starting"
            return _plain(start_response, "503 Service Unavailable", status)
        if path == "/slack/events" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                return _plain(start_response, "413 Payload Too Large", "request body too large")
            if not self._ready.is_set():
                return _plain(start_response, "503 Service Unavailable", "starting")
            return self._slack(environ, start_response)
        return _plain(start_response, "404 Not Found", "not found")


def _plain(start_response: Any, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
