"""An asset link's unfurl: what it is, for which stage, and (for marketers) how sales uses it."""

from __future__ import annotations

from typing import Any

from bot.i18n import Translator, english
from bot.slack.mrkdwn import escape, link, truncate
from bot.unfurl import AssetCard


def unfurl_blocks(card: AssetCard, t: Translator | None = None) -> list[dict[str, Any]]:
    t = t or english()
    _ = t.gettext
    stages = ", ".join(t.stage(s) for s in card.stages) or _("no stage")
    kind = escape(card.type.replace("-", " "))
    lock = "  ·  :lock: " + _("internal") if card.internal else ""
    facts = _("_%(type)s_  ·  stage: *%(stages)s*", type=kind, stages=escape(stages))
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f":page_facing_up: {link(card.url, truncate(card.title, 500))}\n"
                f"{facts}{lock}",
            },
        }
    ]
    if card.reach is not None:
        rate = card.reach.useful_rate
        rated = _("no ratings yet") if rate is None else f"{t.percent(rate)} :+1:"
        reach = _(
            "surfaced %(times)s× in %(days)s days, %(rated)s",
            times=card.reach.surfaced,
            days=card.reach_days,
            rated=rated,
        )
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"{reach}  ·  funnelbot"}],
            }
        )
    return blocks
