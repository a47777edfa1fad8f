"""Sign request bodies the way Slack signs the requests it sends to an app."""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Return Slack's signing headers for ``body``.

    The signature is ``v0=`` + hex HMAC-SHA256 of ``b"v0:" + timestamp + b":" + body``,
    keyed with the app's signing secret. ``timestamp`` defaults to now (Unix seconds).
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode("ascii") + b":" + body
    digest = hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: f"v0={digest}"}
