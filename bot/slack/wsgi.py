"""The HTTP edge: Slack's events endpoint, a health check, a body-size limit, signature checks."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

# Slack's own payloads are a few KB; anything far larger is not from Slack.
MAX_BODY_BYTES = 1_000_000
# Slack's rule: a signature older (or, with a skewed clock, newer) than this is a replay.
MAX_SIGNATURE_AGE_SECONDS = 5 * 60


class FunnelbotWSGI:
    """`POST /slack/events` for events, commands and interactivity; `GET /healthz`.

    Requests are authenticated here, before bolt parses a byte of them: bolt would log an
    unsigned body at INFO and answer a non-numeric timestamp or non-UTF-8 body with a 500.
    """

    def __init__(
        self,
        app: App,
        *,
        signing_secret: str,
        warm_up: Callable[[], None] | None = None,
        describe: Callable[[Exception], str] = lambda e: f"{type(e).__name__}: {e}",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signing_secret:
            raise ValueError("FunnelbotWSGI needs the app's signing secret to verify requests")
        self._secret = signing_secret.encode("utf-8")
        self._clock = clock
        self._slack = SlackRequestHandler(app, path="/slack/events")
        self._ready = threading.Event()
        self._failure: str | None = None
        self._describe = describe
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
            self._failure = self._describe(error)
            log.error("not ready: %s", self._failure)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            if self._ready.is_set():
                return _plain(start_response, "200 OK", "ok")
            status = f"not ready: {self._failure}" if self._failure else "starting"
            return _plain(start_response, "503 Service Unavailable", status)
        if path == "/slack/events" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY_BYTES:
                return _plain(start_response, "413 Payload Too Large", "request body too large")
            body = environ["wsgi.input"].read(length) if length else b""
            # Nothing about a refused request is logged: its sender is unknown and may flood us.
            if not self._signed_by_slack(environ, body):
                return _plain(start_response, "401 Unauthorized", "invalid request")
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                return _plain(start_response, "400 Bad Request", "body is not UTF-8")
            if not self._ready.is_set():
                return _plain(start_response, "503 Service Unavailable", "starting")
            environ["wsgi.input"] = io.BytesIO(body)  # bolt reads the body again
            try:
                return self._slack(environ, start_response)
            except Exception as error:
                # Bolt parses before it dispatches, and a body that is signed but not JSON,
                # or JSON but not an object, raises there. It is the sender's fault: a 400.
                log.warning("refused a signed request bolt cannot parse: %s", type(error).__name__)
                return _plain(start_response, "400 Bad Request", "malformed request")
        return _plain(start_response, "404 Not Found", "not found")

    def _signed_by_slack(self, environ: WSGIEnvironment, body: bytes) -> bool:
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
            return False
        if abs(self._clock() - int(timestamp)) > MAX_SIGNATURE_AGE_SECONDS:
            return False
        base = b"v0:" + timestamp.encode("ascii") + b":" + body
        expected = b"v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest().encode()
        # WSGI header values are latin-1 strings; compare bytes so odd characters can't raise.
        return hmac.compare_digest(expected, signature.encode("latin-1", "replace"))


def _plain(start_response: Any, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
