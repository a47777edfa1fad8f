"""The App Home tab."""

from __future__ import annotations

from typing import Any

from bot.home import RepHome
from bot.slack.blocks.messages import USAGE
from bot.slack.mrkdwn import escape, truncate


def rep_home_view(home: RepHome) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "funnelbot"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": USAGE}},
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Your recent questions*"}},
    ]
    if not home.recent:
        blocks.append(_context("Nothing yet. Try `/content` with your next prospect's question."))
    for q in home.recent:
        stage = q.stage or "stage unknown"
        blocks.append(
            _context(
                f"{q.asked_at:%Y-%m-%d}  ·  {escape(truncate(q.question, 200))}  ·  {stage}"
                f"  ·  {q.items} assets  ·  #{q.recommendation_id}"
            )
        )
    if home.prospects:
        blocks.append({"type": "divider"})
        lines = "\n".join(f"• *{escape(name)}*: {escape(stage)}" for name, stage in home.prospects)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*Your prospects*\n{lines}"}}
        )
    return {"type": "home", "blocks": blocks[:100]}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}
