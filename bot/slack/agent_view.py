"""Calls to Slack's agent surface (assistant.threads.*), through bolt's own helpers.

They decorate an answer; none may stop one. A workspace without the agent view answers them with
an error, which is logged and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.context.set_status import SetStatus
from slack_bolt.context.set_title import SetTitle
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import N_, Translator, english

log = logging.getLogger(__name__)

SEARCHING = N_("Searching the content library…")
PROMPTS_TITLE = N_("Ask about a prospect")


def set_status(client: WebClient, channel: str, thread_ts: str, status: str) -> None:
    _quietly("setStatus", lambda: SetStatus(client, channel, thread_ts)(status))


def set_title(client: WebClient, channel: str, thread_ts: str, title: str) -> None:
    _quietly("setTitle", lambda: SetTitle(client, channel, thread_ts)(title))


def set_prompts(
    client: WebClient, channel: str, prompts: list[dict[str, str]], t: Translator | None = None
) -> None:
    # No thread_ts: under agent_view the prompts sit at the top of the conversation (Slack's
    # docs: a thread_ts there makes the call fail silently). bolt's SetSuggestedPrompts always
    # sends one, so the client is called directly.
    _quietly(
        "setSuggestedPrompts",
        lambda: client.assistant_threads_setSuggestedPrompts(
            channel_id=channel, prompts=prompts, title=(t or english()).gettext(PROMPTS_TITLE)
        ),
    )


def _quietly(name: str, call: Callable[[], Any]) -> None:
    try:
        call()
    except SlackApiError as error:
        log.info("assistant.threads.%s refused: %s", name, error.response.get("error"))
