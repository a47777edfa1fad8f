"""Only Slack gets in: a forged, replayed or future-dated request is refused with a 401,
before bolt reads it, and leaves no trace: no log line, no Slack call, no database row."""

from __future__ import annotations

import threading
import time

import pytest
from slack_bolt import App

from bot.slack import ids
from bot.slack.wsgi import MAX_SIGNATURE_AGE_SECONDS, FunnelbotWSGI
from tests.bot.slack.conftest import SIGNING_SECRET
from tests.bot.slack.helpers import recommendations
from tests.security.conftest import Edge
from tests.slack_support import TEAM_ID, FakeSlack, sign, slash_command

SOC2 = "prospect asked for our SOC 2 report"


def _content(edge: Edge) -> tuple[bytes, str]:
    return slash_command(ids.CONTENT_COMMAND, SOC2, response_url=edge.fake.response_url("r"))


def _forgeries(body: bytes) -> dict[str, dict[str, object]]:
    """Each way a request can fail Slack's signature rule, as `Edge.post` keyword arguments."""
    now = int(time.time())
    valid = sign(body, SIGNING_SECRET)
    other_body = sign(body + b"&text=tampered", SIGNING_SECRET)
    late = MAX_SIGNATURE_AGE_SECONDS + 60
    return {
        "wrong secret": {"signed": False, "headers": sign(body, SIGNING_SECRET + "-wrong")},
        "signature of another body": {
            "signed": False,
            "headers": {**valid, "X-Slack-Signature": other_body["X-Slack-Signature"]},
        },
        "replayed, 6 minutes old": {"timestamp": now - late},
        "future-dated, 6 minutes ahead": {"timestamp": now + late},
        "year 2286": {"timestamp": 9_999_999_999},
        "no signature": {"signed": False, "headers": {"X-Slack-Request-Timestamp": str(now)}},
        "no timestamp": {
            "signed": False,
            "headers": {"X-Slack-Signature": valid["X-Slack-Signature"]},
        },
        "no headers at all": {"signed": False},
        "empty signature": {"headers": {"X-Slack-Signature": ""}},
        "v1 scheme": {
            "headers": {"X-Slack-Signature": "v1=" + valid["X-Slack-Signature"][3:]},
        },
        "uppercase hex": {
            "headers": {"X-Slack-Signature": "v0=" + valid["X-Slack-Signature"][3:].upper()},
        },
        "non-numeric timestamp": {
            "signed": False,
            "headers": {**valid, "X-Slack-Request-Timestamp": "abc"},
        },
        "negative timestamp": {
            "signed": False,
            "headers": {**valid, "X-Slack-Request-Timestamp": "-1"},
        },
        "float timestamp": {
            "signed": False,
            "headers": {**valid, "X-Slack-Request-Timestamp": f"{now}.5"},
        },
        "huge timestamp": {
            "signed": False,
            "headers": {**valid, "X-Slack-Request-Timestamp": "9" * 400},
        },
        "non-ASCII signature": {"headers": {"X-Slack-Signature": "v0=\u00e9\u00ff"}},
    }


def test_every_forged_replayed_or_future_request_is_401_and_leaves_no_trace(
    edge: Edge, all_logs: pytest.LogCaptureFixture
) -> None:
    body, content_type = _content(edge)
    for case, tamper in _forgeries(body).items():
        all_logs.clear()

        status = edge.post(body, content_type=content_type, **tamper)  # type: ignore[arg-type]

        assert status == 401, case
        assert all_logs.records == [], (case, [r.getMessage() for r in all_logs.records])
    time.sleep(0.5)  # a wrongly accepted request would be answered on a listener thread
    assert edge.fake.calls == []
    assert recommendations(edge.services) == []


def test_a_valid_signature_just_inside_the_window_is_accepted(edge: Edge) -> None:
    body, content_type = _content(edge)
    for skew in (-MAX_SIGNATURE_AGE_SECONDS + 30, MAX_SIGNATURE_AGE_SECONDS - 30):
        status = edge.post(body, content_type=content_type, timestamp=int(time.time()) + skew)
        assert status == 200, skew
    edge.fake.wait_for("response_url", count=2, timeout=15)


def test_log_capture_does_see_what_bolt_logs_so_the_silence_above_is_real(
    edge: Edge, all_logs: pytest.LogCaptureFixture
) -> None:
    # A signed request no listener handles: bolt warns about it. Had a forged request reached
    # bolt, its RequestVerification would have logged the body the same way.
    body = b"command=%2Fnot-ours&text=x&team_id=" + TEAM_ID.encode() + b"&user_id=U1"
    status = edge.post(body)
    assert status == 404
    assert any(r.name.startswith(("slack_bolt", "bot.slack.bolt")) for r in all_logs.records)


def test_forged_request_is_refused_even_while_the_app_is_warming_up(
    fake_slack: FakeSlack,
) -> None:
    gate = threading.Event()
    app = App(signing_secret=SIGNING_SECRET, token="xoxb-x", token_verification_enabled=False)
    wsgi = FunnelbotWSGI(app, signing_secret=SIGNING_SECRET, warm_up=gate.wait)
    edge = Edge(wsgi, fake_slack, None)  # type: ignore[arg-type]
    body, content_type = slash_command(ids.CONTENT_COMMAND, SOC2, response_url="http://x/")

    assert edge.post(body, content_type=content_type, signed=False) == 401
    assert edge.post(body, content_type=content_type) == 503  # signed: "starting"
    gate.set()


def test_signed_bodies_slack_never_sends_are_a_400_not_a_crash(edge: Edge) -> None:
    assert edge.post(b"\xff\xfe text=SOC 2") == 400  # not UTF-8
    assert edge.post(b"[1, 2]", content_type="application/json") == 400  # JSON, not an object
    assert edge.post(b"{broken", content_type="application/json") == 400
    event = b'{"type": "event_callback", "event": []}'  # bolt's routing expects an object
    assert edge.post(event, content_type="application/json") == 400
