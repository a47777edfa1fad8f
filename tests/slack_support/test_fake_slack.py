"""Tests of the Slack harness itself, driven by real slack_sdk / slack_bolt clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from tests.slack_support import (
    FakeSlack,
    SlackSender,
    app_home_opened,
    app_mention,
    assert_valid_blocks,
    block_actions,
    dm_message,
    event_callback,
    sign,
    slash_command,
    view_submission,
)

SECRET = "test-signing-secret"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

GOOD_BLOCKS: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "Content for Acme"}},
    {"type": "section", "block_id": "s1", "text": {"type": "mrkdwn", "text": "*Case study*"}},
    {"type": "divider"},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "action_id": "send_asset",
                "text": {"type": "plain_text", "text": "Send"},
                "value": "asset-1",
                "style": "primary",
            }
        ],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "stage: evaluation"}]},
    {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}],
    },
]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.base_url, token="xoxb-test", retry_handlers=[])


def test_base_url_joins_like_slack_sdk(fake: FakeSlack) -> None:
    assert fake.base_url == f"http://127.0.0.1:{fake.port}/api/"
    response = WebClient(base_url=fake.base_url, token="xoxb-test").auth_test()
    assert response["user_id"] == "UBOT"
    assert response["bot_id"] == "B0001"
    assert response["team_id"] == "T0001"
    assert fake.calls_to("auth.test")[0].token == "xoxb-test"


def test_post_message_recorded_with_decoded_blocks(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="hello", blocks=GOOD_BLOCKS)
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])
    assert first["ok"] and first["channel"] == "C1"
    assert first["ts"] == "1700000000.000100"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "hello"

    call = fake.calls_to("chat.postMessage")[0]
    assert call.args["blocks"] == GOOD_BLOCKS
    assert call.header("authorization") == "Bearer xoxb-test"
    assert call.at <= time.time()
    assert fake.calls_to("chat.postMessage")[1].args["thread_ts"] == first["ts"]


def test_form_encoded_json_fields_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    client.api_call(
        "chat.postEphemeral",
        params={"channel": "C1", "user": "U1", "text": "t", "blocks": json.dumps(GOOD_BLOCKS)},
    )
    call = fake.wait_for("chat.postEphemeral")[0]
    assert call.args["blocks"] == GOOD_BLOCKS
    assert call.args["text"] == "t"


def test_other_methods_answer_like_slack(fake: FakeSlack, client: WebClient) -> None:
    fake.channel_members["C1"] = ["U1", "U2"]
    assert client.conversations_members(channel="C1")["members"] == ["U1", "U2"]
    with pytest.raises(SlackApiError) as missing:
        client.conversations_members(channel="C404")
    assert missing.value.response["error"] == "channel_not_found"
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"

    posted = client.chat_postMessage(channel="C1", text="x")
    updated = client.chat_update(channel="C1", ts=posted["ts"], text="y")
    assert (updated["channel"], updated["ts"], updated["text"]) == ("C1", posted["ts"], "y")
    assert client.chat_delete(channel="C1", ts=posted["ts"])["ok"]
    assert client.chat_postEphemeral(channel="C1", user="U1", text="e")["message_ts"]

    home = {"type": "home", "blocks": GOOD_BLOCKS}
    published = client.views_publish(user_id="U1", view=home)
    assert published["view"]["id"].startswith("V")
    assert fake.calls_to("views.publish")[0].args["view"] == home
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    opened = client.views_open(trigger_id="tr1", view=modal)
    assert client.views_update(view_id=opened["view"]["id"], view=modal)["ok"]

    with pytest.raises(SlackApiError) as unknown:
        client.api_call("reactions.add", params={"name": "eyes"})
    assert unknown.value.response["error"] == "unknown_method"
    assert [c.method for c in fake.calls][-1] == "reactions.add"


def test_override_answer(fake: FakeSlack, client: WebClient) -> None:
    fake.on("reactions.add", {"ok": True})
    fake.on("team.info", lambda args: {"ok": True, "team": {"id": "T0001", "asked": args}})
    assert client.reactions_add(channel="C1", name="eyes", timestamp="1.0")["ok"]
    assert client.team_info()["team"]["id"] == "T0001"


def test_missing_token_is_not_authed(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as error:
        WebClient(base_url=fake.base_url).chat_postMessage(channel="C1", text="x")
    assert error.value.response["error"] == "not_authed"


def test_rate_limited_then_retried(fake: FakeSlack) -> None:
    client = WebClient(
        base_url=fake.base_url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    response = client.chat_postMessage(channel="C1", text="hi")
    assert response["ok"]
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert [c.method for c in fake.faulted] == ["chat.postMessage"]
    assert fake.faulted[0].args["text"] == "hi"


def test_rate_limit_and_server_error_without_retry(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C1", text="hi")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response["error"] == "ratelimited"

    fake.fail_next("chat.postMessage", status=500)
    with pytest.raises(SlackApiError) as broken:
        client.chat_postMessage(channel="C1", text="hi")
    assert broken.value.response.status_code == 500
    assert fake.calls == [] and len(fake.faulted) == 2


def test_dropped_connection_retried(fake: FakeSlack) -> None:
    client = WebClient(
        base_url=fake.base_url,
        token="xoxb-test",
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)],
    )
    fake.drop_next("chat.postMessage", times=2)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(fake.faulted) == 2
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_dropped_connection_without_retry_raises(fake: FakeSlack, client: WebClient) -> None:
    fake.drop_next("auth.test")
    with pytest.raises(ConnectionError):
        client.auth_test()


def test_users_info_table(fake: FakeSlack, client: WebClient) -> None:
    fake.users["U1"] = {
        "id": "U1",
        "name": "ann",
        "is_admin": False,
        "is_owner": False,
        "tz": "Europe/Amsterdam",
    }
    assert client.users_info(user="U1")["user"]["tz"] == "Europe/Amsterdam"
    with pytest.raises(SlackApiError) as error:
        client.users_info(user="U2")
    assert error.value.response["error"] == "user_not_found"
    assert [c.args["user"] for c in fake.calls_to("users.info")] == ["U1", "U2"]


def test_users_info_carries_the_locale_only_when_asked_as_slack_does(
    fake: FakeSlack, client: WebClient
) -> None:
    fake.users["U1"] = {"id": "U1", "name": "ann", "locale": "nl-NL"}
    fake.users["U2"] = {"id": "U2", "name": "bob"}

    assert "locale" not in client.users_info(user="U1")["user"]
    assert client.users_info(user="U1", include_locale=True)["user"]["locale"] == "nl-NL"
    assert client.users_info(user="U2", include_locale=True)["user"]["locale"] == "en-US"
    assert [c.args.get("include_locale") for c in fake.calls_to("users.info")] == [None, "1", "1"]


def test_files_upload_v2_end_to_end(fake: FakeSlack, client: WebClient) -> None:
    response = client.files_upload_v2(content=PNG, filename="x.png", channel="C1", title="Deck")
    assert response["file"]["name"] == "x.png"
    assert response["file"]["size"] == len(PNG)
    assert response["file"]["mimetype"] == "image/png"

    url_call = fake.calls_to("files.getUploadURLExternal")[0]
    assert url_call.args["filename"] == "x.png" and url_call.args["length"] == str(len(PNG))
    upload = fake.calls_to("upload")[0]
    assert upload.args["content"] == PNG
    assert fake.uploads[upload.args["file_id"]] == PNG
    complete = fake.calls_to("files.completeUploadExternal")[0]
    assert complete.args["channel_id"] == "C1"
    assert complete.args["files"] == [{"id": upload.args["file_id"], "title": "Deck"}]


def test_response_url_recorded(fake: FakeSlack) -> None:
    url = fake.response_url("abc")
    assert url == f"http://127.0.0.1:{fake.port}/response/abc"
    result = WebhookClient(url).send(text="done", response_type="ephemeral")
    assert result.status_code == 200
    call = fake.wait_for("response_url")[0]
    assert call.args == {"text": "done", "response_type": "ephemeral", "_token": "abc"}


def test_wait_for_polls_and_times_out(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.2, lambda: client.chat_postMessage(channel="C1", text="late"))
    timer.start()
    try:
        assert fake.wait_for("chat.postMessage", timeout=5)[0].args["text"] == "late"
    finally:
        timer.join()
    with pytest.raises(AssertionError, match=r"chat\.postMessage"):
        fake.wait_for("views.publish", timeout=0.2)
    fake.clear()
    assert fake.calls == [] and fake.calls_to("chat.postMessage") == []


def test_signature_agrees_with_slack_sdk() -> None:
    body, _ = slash_command("/funnel", "acme", response_url="http://127.0.0.1:1/response/x")
    headers = sign(body, SECRET)
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    old = sign(body, SECRET, timestamp=int(time.time()) - 3600)
    assert not SignatureVerifier(SECRET).is_valid_request(body, old)
    fixed = sign(b"x", SECRET, timestamp=1)
    assert fixed["X-Slack-Request-Timestamp"] == "1"
    assert fixed["X-Slack-Signature"].startswith("v0=")


def test_assert_valid_blocks_accepts_a_proper_message() -> None:
    assert_valid_blocks(GOOD_BLOCKS)
    assert_valid_blocks([{"type": "divider"}] * 100, surface="home")


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "3001"),
        (
            [
                {
                    "type": "actions",
                    "block_id": "acts",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "a",
                            "text": {"type": "plain_text", "text": "y" * 76},
                        }
                    ],
                }
            ],
            "button text is 76",
        ),
        ([{"type": "divider"}] * 51, "limit of 50"),
        ([{"type": "divider", "block_id": "b" * 256}], "block_id"),
        (
            [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "ok"},
                    "accessory": {
                        "type": "button",
                        "action_id": "a" * 256,
                        "text": {"type": "plain_text", "text": "go"},
                    },
                }
            ],
            "action_id",
        ),
        ([{"type": "no_such_block"}], "unknown block type"),
        ([{"type": "section"}], "text or fields"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "150"),
    ],
)
def test_assert_valid_blocks_rejects(blocks: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        assert_valid_blocks(blocks)


def test_bad_blocks_named_in_error() -> None:
    blocks = [*GOOD_BLOCKS, {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    with pytest.raises(AssertionError, match=r"block 6 \(section\)"):
        assert_valid_blocks(blocks)


# ---------------------------------------------------------------- payloads against a real bolt App


def _serve(app: App) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            headers: dict[str, str | Sequence[str]] = {
                k.lower(): v for k, v in self.headers.items()
            }
            response = app.dispatch(BoltRequest(body=body, headers=headers))
            payload = response.body.encode()
            self.send_response(response.status)
            for key, values in response.headers.items():
                for value in values:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/slack/events"


def test_payloads_drive_a_real_bolt_app(fake: FakeSlack) -> None:
    app = App(
        signing_secret=SECRET,
        client=WebClient(base_url=fake.base_url, token="xoxb-test"),
        process_before_response=True,
    )
    seen: dict[str, Any] = {}

    @app.command("/funnel")
    def command(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack("working")
        respond(f"found {body['text']}")

    @app.event("app_mention")
    def mention(event: dict[str, Any], say: Any) -> None:
        say(text="hi", thread_ts=event.get("thread_ts") or event["ts"])

    @app.event("message")
    def dm(event: dict[str, Any], say: Any) -> None:
        say(text=f"dm:{event['text']}")

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": []})

    @app.action("send_asset")
    def action(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        seen["action"] = body["actions"][0]["value"]
        respond(text="sent", replace_original=False)

    @app.view("feedback")
    def submit(ack: Any, view: dict[str, Any]) -> None:
        seen["view"] = (view["private_metadata"], view["state"]["values"])
        ack()

    server, url = _serve(app)
    sender = SlackSender(url, SECRET)
    try:
        status, body, elapsed = sender.post(
            *slash_command("/funnel", "acme", response_url=fake.response_url("cmd"))
        )
        assert (status, body) == (200, "working") and elapsed < 5
        assert fake.wait_for("response_url")[0].args["text"] == "found acme"

        event = app_mention("<@UBOT> help", user="U1", channel="C1", ts="1.1", thread_ts="1.0")
        assert sender.post(*event_callback(event))[0] == 200
        assert fake.wait_for("chat.postMessage")[0].args["thread_ts"] == "1.0"

        assert sender.post(*event_callback(dm_message("yo", user="U1", ts="2.1")))[0] == 200
        dm_call = fake.wait_for("chat.postMessage", 2)[1]
        assert (dm_call.args["channel"], dm_call.args["text"]) == ("D1", "dm:yo")

        assert sender.post(*event_callback(app_home_opened("U1"), event_id="Ev2"))[0] == 200
        assert fake.wait_for("views.publish")[0].args["user_id"] == "U1"

        clicked = block_actions(
            "send_asset", "asset-1", message_ts="3.1", response_url=fake.response_url("act")
        )
        assert sender.post(*clicked)[0] == 200
        assert seen["action"] == "asset-1"
        assert fake.wait_for("response_url", 2)[1].args["_token"] == "act"

        values = {"b": {"a": {"type": "plain_text_input", "value": "great"}}}
        assert sender.post(*view_submission("feedback", values, "meta"))[0] == 200
        assert seen["view"] == ("meta", values)

        assert sender.post(*event_callback(event), bad_signature=True)[0] == 401
        stale = int(time.time()) - 600
        assert sender.post(*event_callback(event), timestamp=stale)[0] == 401
        retried = sender.post(*event_callback(event, event_id="Ev9"), retry_num=1)
        assert retried[0] == 200
    finally:
        server.shutdown()
        server.server_close()
