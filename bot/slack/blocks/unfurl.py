"""An asset link's unfurl: what it is, for which stage, and (for marketers) how sales uses it."""

from __future__ import annotations

from typing import Any

from bot.slack.mrkdwn import escape, link, truncate
from bot.unfurl import AssetCard


def unfurl_blocks(card: AssetCard) -> list[dict[str, Any]]:
    stages = ", ".join(card.stages) or "no stage"
    kind = escape(card.type.replace("-", " "))
    lock = "  ·  :lock: internal" if card.internal else ""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f":page_facing_up: {link(card.url, truncate(card.title, 500))}\n"
                f"_{kind}_  ·  stage: *{escape(stages)}*{lock}",
            },
        }
    ]
    if card.reach is not None:
        rate = card.reach.useful_rate
        rated = "no ratings yet" if rate is None else f"{rate:.0%} :+1:"
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"surfaced {card.reach.surfaced}× in {card.reach_days} days, "
                        f"{rated}  ·  funnelbot",
                    }
                ],
            }
        )
    return blocks
