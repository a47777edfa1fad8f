"""The App Home tab."""

from __future__ import annotations

from typing import Any

from bot.home import RepHome
from bot.i18n import Translator, english
from bot.slack import ids
from bot.slack.blocks.messages import usage_text
from bot.slack.mrkdwn import escape, truncate


def rep_home_view(
    home: RepHome, *, crm_pushes: bool | None = None, t: Translator | None = None
) -> dict[str, Any]:
    """The rep's Home in t's language; `crm_pushes`: whether deal-move DMs are on (None: no CRM
    configured)."""
    t = t or english()
    _ = t.gettext
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "funnelbot"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": usage_text(t)}},
        {"type": "divider"},
        {"type": "section", "text": {"type": "mrkdwn", "text": _("*Your recent questions*")}},
    ]
    if not home.recent:
        blocks.append(
            _context(_("Nothing yet. Try `/content` with your next prospect's question."))
        )
    for q in home.recent:
        stage = t.stage(q.stage) if q.stage else _("stage unknown")
        assets = t.ngettext("%(count)s asset", "%(count)s assets", q.items, count=q.items)
        blocks.append(
            _context(
                f"{q.asked_at:%Y-%m-%d}  ·  {escape(truncate(q.question, 200))}  ·  {stage}"
                f"  ·  {assets}  ·  #{q.recommendation_id}"
            )
        )
    if home.prospects:
        blocks.append({"type": "divider"})
        lines = "\n".join(
            f"• *{escape(name)}*: {escape(t.stage(stage))}" for name, stage in home.prospects
        )
        heading = _("*Your prospects*")
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{heading}\n{lines}"}}
        )
    if crm_pushes is not None:
        blocks.extend(_crm_pushes(crm_pushes, t))
    return {"type": "home", "blocks": blocks[:100]}


def _crm_pushes(on: bool, t: Translator) -> list[dict[str, Any]]:
    _ = t.gettext
    text = (
        _(
            "*Content when your deals move*: on. When a deal of yours moves to another stage in "
            "the CRM, I DM you what usually helps next."
        )
        if on
        else _(
            "*Content when your deals move*: off. When a deal of yours moves to another stage in "
            "the CRM, I DM you what usually helps next."
        )
    )
    return [
        {"type": "divider"},
        {
            "type": "section",
            "block_id": "crm_pushes",
            "text": {"type": "mrkdwn", "text": text},
            "accessory": {
                "type": "button",
                "text": {"type": "plain_text", "text": _("Turn off") if on else _("Turn on")},
                "action_id": ids.CRM_PUSHES,
                "value": "off" if on else "on",
            },
        },
    ]


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 3000)}]}
