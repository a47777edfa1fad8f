"""The App Home tab."""

from __future__ import annotations

from typing import Any

from bot.home import RepHome
from bot.slack import ids
from bot.slack.blocks.messages import USAGE
from bot.slack.mrkdwn import escape, truncate


def rep_home_view(home: RepHome, *, crm_pushes: bool | None = None) -> dict[str, Any]:
    """The rep's Home; `crm_pushes`: whether deal-move DMs are on (None: no CRM configured)."""
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
    if crm_pushes is not None:
        blocks.extend(_crm_pushes(crm_pushes))
    return {"type": "home", "blocks": blocks[:100]}


def _crm_pushes(on: bool) -> list[dict[str, Any]]:
    state = "on" if on else "off"
    return [
        {"type": "divider"},
        {
            "type": "section",
            "block_id": "crm_pushes",
            "text": {
                "type": "mrkdwn",
                "text": f"*Content when your deals move*: {state}. When a deal of yours moves to "
                "another stage in the CRM, I DM you what usually helps next.",
            },
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": "Turn off" if on else "Turn on"},
                "action_id": ids.CRM_PUSHES,
                "value": "off" if on else "on",
            },
        },
    ]


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}
