"""`link_shared`: links to library assets unfurl with what they are; for marketers, their use."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.services import Services
from bot.slack.audience import flagged_external, reaches_outside
from bot.slack.blocks.unfurl import unfurl_blocks
from bot.slack.language import ReplyLanguages
from bot.slack.marketers import MarketerCheck
from bot.unfurl import asset_cards


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    marketers = MarketerCheck(services.settings, app.client)

    @app.event("link_shared")
    def link_shared(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        urls = [str(link.get("url")) for link in event.get("links") or [] if link.get("url")]
        channel = str(event.get("channel") or "")
        if not urls or not services.settings.unfurl_domains:
            return
        # chat.unfurl is the bot's own post: a DM here is one with the bot.
        external = reaches_outside(client, channel, flagged=flagged_external(body), by_bot=True)
        user = str(event.get("user") or "")
        cards = asset_cards(
            services,
            urls,
            external_channel=external,
            with_reach=not external and bool(user) and marketers.is_marketer(user),
        )
        if not cards:
            return
        # A channel's readers, not the poster: FUNNELBOT_LANGUAGE.
        t = languages.default()
        unfurls = {card.url: {"blocks": unfurl_blocks(card, t)} for card in cards}
        if event.get("unfurl_id"):  # a link typed in the message composer, not yet posted
            client.chat_unfurl(
                unfurl_id=event["unfurl_id"],
                source=event.get("source", "composer"),
                unfurls=unfurls,
            )
        else:
            client.chat_unfurl(channel=channel, ts=event["message_ts"], unfurls=unfurls)
