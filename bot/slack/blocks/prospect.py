"""A prospect's stage and history as a message."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.i18n import Phrase, Translator, english
from bot.slack.mrkdwn import escape


def prospect_blocks(
    name: str,
    stage: str,
    history: list[tuple[str, datetime, str | None]],
    *,
    changed: bool,
    crm: Phrase | None = None,
    t: Translator | None = None,
) -> list[dict[str, Any]]:
    t = t or english()
    _ = t.gettext
    who = f"*{escape(name)}*"
    said = f"*{escape(t.stage(stage))}*"
    if changed:
        lines = [_("%(name)s is now at the %(stage)s stage.", name=who, stage=said)]
    else:
        lines = [_("%(name)s is at the %(stage)s stage.", name=who, stage=said)]
    if not history and stage == "not stored":
        lines = [_("%(name)s: no stage stored.", name=who)]
    if crm:
        lines.append(_("CRM: %(line)s", line=escape(t.say(crm))))
    if history:
        lines.append(_("History:"))
        for past_stage, at, by_user in history[:10]:
            if by_user and by_user.startswith("U"):
                mention = f"<@{escape(by_user)}>"
                by = " " + _("by %(user)s", user=mention)
            else:
                by = ""
            lines.append(f"• {at:%Y-%m-%d} {escape(t.stage(past_stage))}{by}")
    return [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}]
