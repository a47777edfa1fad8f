"""Reading button values; a malformed value is treated like a tampered one."""

from __future__ import annotations

import json
from typing import Any

from bot.feedback import FeedbackError


def recommendation_id(action: dict[str, Any]) -> int:
    try:
        return int(action.get("value", ""))
    except ValueError:
        raise FeedbackError("the button carries no answer id") from None


def recommendation_and_asset(action: dict[str, Any]) -> tuple[int, str]:
    try:
        value = json.loads(action.get("value", ""))
        return int(value["r"]), str(value["a"])
    except (ValueError, KeyError, TypeError):
        raise FeedbackError("the button carries no answer and asset") from None


def click_channel(body: dict[str, Any]) -> str | None:
    """The channel the button was clicked in; None on surfaces without one (the Home tab)."""
    channel = body.get("channel")
    found = channel.get("id") if isinstance(channel, dict) else None
    return str(found) if found else None


def confirm(body: dict[str, Any], text: str) -> None:
    """A short ephemeral note to the person who clicked, where Slack gave us a way to send it."""
    from bot.slack.client import respond

    url = body.get("response_url")
    if url:
        respond(url, text=text, replace_original=False)
