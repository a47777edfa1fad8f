"""A prospect's stage and history as a message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.slack.mrkdwn import escape


def prospect_blocks(
    name: str,
    stage: str,
    history: list[tuple[str, datetime, str | None]],
    *,
    changed: bool,
    crm: str | None = None,
) -> list[dict[str, Any]]:
    verb = "is now" if changed else "is"
    lines = [f"*{escape(name)}* {verb} at the *{escape(stage)}* stage."]
    if not history and stage == "not stored":
        lines = [f"*{escape(name)}*: no stage stored."]
    if crm:
        lines.append(f"CRM: {escape(crm)}")
    if history:
        lines.append("History:")
        for past_stage, at, who in history[:10]:
            by = f" by <@{escape(who)}>" if who and who.startswith("U") else ""
            lines.append(f"• {at:%Y-%m-%d} {escape(past_stage)}{by}")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}]
