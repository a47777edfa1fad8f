"""Who can read a conversation: whether people outside the company are in it (a Slack Connect
channel, shared or being shared with another organisation), so internal assets stay out of it.

Asked of Slack each time (conversations.info), only when something internal would be posted: a
channel shared a minute ago is seen as shared. When Slack cannot tell (the bot is not in the
conversation, the call fails), the answer is yes.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answer import Answer

log = logging.getLogger(__name__)


def flagged_external(payload: dict[str, object]) -> bool:
    """Slack's own flag on an event envelope or a slash command (a form field, so "true")."""
    value = payload.get("is_ext_shared_channel")
    return value is True or str(value).lower() == "true"


def reaches_outside(
    client: WebClient, channel: str | None, *, flagged: bool = False, by_bot: bool = False
) -> bool:
    """`by_bot`: the bot posts there itself (chat.postMessage), so a DM is its own DM with the
    person it answers, which Slack would not let it post in otherwise."""
    if flagged or not channel:
        return True
    if by_bot and channel.startswith(("D", "U", "W")):  # a user id: the bot's DM with them
        return False
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as error:
        log.info(
            "conversations.info %s: %s; treated as external", channel, error.response.get("error")
        )
        return True
    return bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))


def answer_for(
    client: WebClient,
    answer: Answer,
    channel: str | None,
    *,
    flagged: bool = False,
    by_bot: bool = False,
) -> tuple[Answer, int]:
    """The answer to post where `channel`'s readers see it, and how many internal items were
    left out of it (0 where only the company reads the channel)."""
    internal = answer.internal_items
    if not internal or not reaches_outside(client, channel, flagged=flagged, by_bot=by_bot):
        return answer, 0
    return answer.without_internal(), internal
