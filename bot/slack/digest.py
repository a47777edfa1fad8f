"""Posting the weekly digest to the marketing channel (from the scheduler or the CLI)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.digest import digest_text, weekly_digest
from bot.i18n import translator
from bot.services import Services
from bot.slack.audience import reaches_outside
from bot.slack.blocks.digest import digest_blocks
from bot.slack.mrkdwn import truncate


def post_digest(services: Services, client: WebClient, channel: str) -> str:
    """Post this week's digest to `channel`; returns the message's ts."""
    outside = reaches_outside(client, channel, by_bot=True)
    digest = weekly_digest(services, without_internal=outside)
    t = translator(services.settings.language)  # the channel's readers: FUNNELBOT_LANGUAGE
    # The fallback text shows in notifications; the blocks carry the whole digest.
    posted = client.chat_postMessage(
        channel=channel,
        text=truncate(digest_text(digest, t, list_limit=5), 3000),
        blocks=digest_blocks(digest, t),
        unfurl_links=False,
    )
    return str(posted["ts"])
