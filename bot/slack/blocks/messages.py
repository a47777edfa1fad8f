"""Short messages: usage help, errors and acknowledgements."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, Translator, english
from bot.slack.mrkdwn import escape

USAGE = N_(
    "*Ask me for content to send a prospect.* I pick the few assets that fit your question and "
    "the buyer's stage (awareness → consideration → decision), and say why.\n"
    "• `/content Acme is comparing us with Forecastly, what do I send?`\n"
    "• `/content prospect asked for our SOC 2 report`\n"
    "• `/content they're in evaluation, need a logistics case study`\n"
    "• `/prospect Acme decision` stores Acme's stage; `/prospect Acme` shows it\n"
    "You can also mention me in a channel or send me a DM. In a thread, follow up with "
    "“more like 2” or “anything for decision stage?”."
)


def usage_text(t: Translator | None = None) -> str:
    return (t or english()).gettext(USAGE)


def usage_blocks(t: Translator | None = None) -> list[dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": usage_text(t)}}]


def notice_blocks(message: str, *, emoji: str = ":information_source:") -> list[dict[str, Any]]:
    """A one-line message whose text came from us but may quote the user: escaped."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": f"{emoji} {escape(message)}"}}]
