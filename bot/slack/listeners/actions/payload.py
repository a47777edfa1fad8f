"""Reading button values; a malformed value is treated like a tampered one."""

from __future__ import annotations

import json
from typing import Any

from bot.feedback import FeedbackError
from bot.i18n import Translator
from bot.logged_answer import logged_question
from bot.services import Services
from bot.slack.language import ReplyLanguages
from content_store.db import UNAVAILABLE


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


def answer_language(
    services: Services, languages: ReplyLanguages, body: dict[str, Any], recommendation_id: int
) -> Translator:
    """The language of the answer a button sits on: its question's, else the clicker's locale."""
    try:
        question = logged_question(services, recommendation_id)
    except UNAVAILABLE:  # the click is refused or retried elsewhere; the words need no database
        question = None
    return languages.for_text(body["user"]["id"], question)
