"""Build request bodies shaped like the ones Slack sends to an app, and send them signed.

Body builders return ``(body_bytes, content_type)``, ready for ``SlackSender.post(*built)``.
Event helpers (``app_mention``, ``dm_message``, ``app_home_opened``) return the inner event
dict; wrap it with ``event_callback(...)``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qsl, urlencode

from .fake_slack import BOT_USER_ID, TEAM_ID
from .signing import sign

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
VERIFICATION_TOKEN = "legacy-verification-token"
TEAM_DOMAIN = "funnelbot-test"

Body = tuple[bytes, str]


def _form(fields: dict[str, str]) -> Body:
    return urlencode(fields).encode("utf-8"), FORM


def _interactive(payload: dict[str, Any]) -> Body:
    return _form({"payload": json.dumps(payload)})


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def slash_command(
    command: str,
    text: str,
    *,
    user_id: str = "U1",
    channel_id: str = "C1",
    team_id: str = TEAM_ID,
    response_url: str,
    trigger_id: str = "tr1",
) -> Body:
    """A slash command invocation, form-encoded like Slack sends it."""
    return _form(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel_id,
            "channel_name": "directmessage" if channel_id.startswith("D") else "general",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )


def event_callback(
    event: dict[str, Any],
    *,
    event_id: str = "Ev1",
    team_id: str = TEAM_ID,
    api_app_id: str = "A1",
    event_time: int | None = None,
) -> Body:
    """An Events API ``event_callback`` envelope around ``event`` (JSON)."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }
    return json.dumps(envelope).encode("utf-8"), JSON


def app_mention(
    text: str, *, user: str, channel: str, ts: str, thread_ts: str | None = None
) -> dict[str, Any]:
    """An ``app_mention`` event; ``text`` should contain ``<@UBOT>`` as Slack's does."""
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def dm_message(text: str, *, user: str, channel: str = "D1", ts: str) -> dict[str, Any]:
    """A ``message`` event in a DM with the bot (``channel_type: im``)."""
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
    }


def app_home_opened(user: str) -> dict[str, Any]:
    """An ``app_home_opened`` event for the Home tab."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user,
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }


def block_actions(
    action_id: str,
    value: str,
    *,
    user_id: str = "U1",
    channel_id: str | None = "C1",
    message_ts: str | None = None,
    response_url: str | None = None,
    container: dict[str, Any] | None = None,
    trigger_id: str = "tr1",
) -> Body:
    """A button click (``block_actions``), form-encoded as ``payload=<json>`` like Slack.

    With ``message_ts`` the container is that message; otherwise pass ``container`` (e.g. a
    Home tab view) or get a ``{"type": "view"}`` container.
    """
    if container is None:
        if message_ts is not None:
            container = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
        else:
            container = {"type": "view", "view_id": "V1"}
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, TEAM_ID),
        "api_app_id": "A1",
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": action_id, "emoji": True},
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if channel_id is not None:
        payload["channel"] = {"id": channel_id, "name": "general"}
    if message_ts is not None:
        payload["message"] = {
            "type": "message",
            "user": BOT_USER_ID,
            "ts": message_ts,
            "text": "",
        }
    if container.get("type") == "view":
        payload["view"] = {
            "id": container.get("view_id", "V1"),
            "type": "home",
            "team_id": TEAM_ID,
            "callback_id": "",
            "private_metadata": "",
            "state": {"values": {}},
            "blocks": [],
        }
    if response_url is not None:
        payload["response_url"] = response_url
    return _interactive(payload)


def view_submission(
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str = "",
    *,
    user_id: str = "U1",
) -> Body:
    """A modal submission. ``values`` is Slack's ``view.state.values`` shape:
    ``{block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}``.
    """
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user(user_id, TEAM_ID),
        "api_app_id": "A1",
        "token": VERIFICATION_TOKEN,
        "trigger_id": "tr-submit",
        "view": {
            "id": "V1",
            "team_id": TEAM_ID,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values},
            "hash": "h1",
            "title": {"type": "plain_text", "text": "Funnelbot"},
            "blocks": [],
            "app_id": "A1",
            "bot_id": "B0001",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _interactive(payload)


class SlackSender:
    """POSTs Slack-signed requests to the app under test."""

    def __init__(self, app_url: str, secret: str, *, timeout: float = 10.0) -> None:
        self.app_url = app_url
        self.secret = secret
        self.timeout = timeout

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        retry_num: int | None = None,
        bad_signature: bool = False,
    ) -> tuple[int, dict[str, Any] | str, float]:
        """Send ``body``; return (HTTP status, parsed JSON or text body, elapsed seconds)."""
        secret = self.secret + "-wrong" if bad_signature else self.secret
        all_headers = {"Content-Type": content_type, **sign(body, secret, timestamp)}
        if retry_num is not None:
            all_headers["X-Slack-Retry-Num"] = str(retry_num)
            all_headers["X-Slack-Retry-Reason"] = "http_timeout"
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.app_url, data=body, headers=all_headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw, ctype = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, raw, ctype = error.code, error.read(), error.headers
        elapsed = time.perf_counter() - started
        text = raw.decode("utf-8", "replace")
        if "json" in (ctype.get("Content-Type") or "") or text.lstrip()[:1] in ("{", "["):
            try:
                parsed = json.loads(text)
            except ValueError:
                return status, text, elapsed
            return status, parsed if isinstance(parsed, dict) else {"_json": parsed}, elapsed
        return status, text, elapsed


def select_action(
    action_id: str,
    value: str,
    *,
    block_id: str,
    user_id: str = "U1",
    channel_id: str = "C1",
    message_ts: str = "1.0",
    response_url: str | None = None,
) -> Body:
    """A choice in an external_select on a message (``block_actions`` with ``selected_option``)."""
    body, _kind = block_actions(
        action_id,
        value,
        user_id=user_id,
        channel_id=channel_id,
        message_ts=message_ts,
        response_url=response_url,
    )
    payload = json.loads(dict(parse_qsl(body.decode("utf-8")))["payload"])
    payload["actions"] = [
        {
            "type": "external_select",
            "action_id": action_id,
            "block_id": block_id,
            "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
            "action_ts": f"{time.time():.6f}",
        }
    ]
    return _interactive(payload)


def block_suggestion(
    action_id: str, value: str, *, block_id: str, user_id: str = "U1", channel_id: str = "C1"
) -> Body:
    """What Slack sends when someone types into an external_select: the app answers options."""
    payload = {
        "type": "block_suggestion",
        "user": _user(user_id, TEAM_ID),
        "container": {"type": "message", "message_ts": "1.0", "channel_id": channel_id},
        "api_app_id": "A1",
        "token": VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "channel": {"id": channel_id, "name": "marketing"},
        "message": {"type": "message", "ts": "1.0", "text": ""},
    }
    return _interactive(payload)


def home_tab_action(
    element: dict[str, Any],
    *,
    block_id: str,
    user_id: str = "U1",
    selected: str | None = None,
) -> Body:
    """A click on a Home tab element (a button, or a static_select with `selected` picked), as
    Slack sends it: the view as container, no channel and no response_url."""
    body, _kind = block_actions(str(element["action_id"]), "", user_id=user_id, channel_id=None)
    payload = json.loads(dict(parse_qsl(body.decode("utf-8")))["payload"])
    action: dict[str, Any] = {
        "type": element["type"],
        "action_id": element["action_id"],
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "button":
        action["text"] = element["text"]
        action["value"] = element.get("value", "")
    else:
        option = next(o for o in element["options"] if o["value"] == selected)
        action["selected_option"] = option
        action["placeholder"] = element.get("placeholder")
    payload["actions"] = [action]
    return _interactive(payload)
