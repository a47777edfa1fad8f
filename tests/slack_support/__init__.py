"""Slack test harness: a recording fake Web API, Slack-signed request builders, Block Kit checks."""

from __future__ import annotations

from .blocks import assert_valid_blocks
from .fake_slack import BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_ID, FakeSlack, SlackCall
from .payloads import (
    SlackSender,
    app_home_opened,
    app_mention,
    block_actions,
    block_suggestion,
    dm_message,
    event_callback,
    home_tab_action,
    select_action,
    slash_command,
    view_submission,
)
from .signing import sign

__all__ = [
    "BOT_ID",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "TEAM_ID",
    "FakeSlack",
    "SlackCall",
    "SlackSender",
    "app_home_opened",
    "app_mention",
    "assert_valid_blocks",
    "block_actions",
    "block_suggestion",
    "dm_message",
    "event_callback",
    "home_tab_action",
    "select_action",
    "sign",
    "slash_command",
    "view_submission",
]
