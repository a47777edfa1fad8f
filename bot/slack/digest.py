"""Posting the weekly digest to the marketing channel (from the scheduler or the CLI)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.digest import digest_text, weekly_digest
from bot.i18n import DEFAULT_LANGUAGE, translator
from bot.services import Services
from bot.slack.audience import reaches_outside
from bot.slack.blocks.digest import digest_blocks
from bot.slack.mrkdwn import truncate


def post_digest(services: Services, client: WebClient, channel: str) -> str:
    """Post this week's digest to `channel`; returns the message's ts."""
    outside = reaches_outside(client, channel, by_bot=True)
    digest = weekly_digest(services, without_internal=outside)
    t = translator(services.settings.language)  # the channel's readers: FUNNELBOT_LANGUAGE
    # The fallback text shows in notifications; the blocks carry the whole digest. The plain
    # digest is English (the CLI's too), so another language gets its title instead.
    fallback = (
        digest_text(digest, list_limit=5)
        if t.language == DEFAULT_LANGUAGE
        else t.gettext(
            "Weekly content digest, %(date)s", date=digest.generated_at.strftime("%Y-%m-%d")
        )
    )
    posted = client.chat_postMessage(
        channel=channel,
        text=truncate(fallback, 3000),
        blocks=digest_blocks(digest, t),
        unfurl_links=False,
    )
    return str(posted["ts"])
