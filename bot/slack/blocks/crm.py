"""CRM messages: "which prospect?" buttons when several CRM companies match a question."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import Translator, english
from bot.slack import ids
from bot.slack.mrkdwn import escape, truncate

MAX_CHOICES = 5
# A button value holds at most 2,000 characters: the question rides along, cut to fit.
QUESTION_CHARS = 1_500


def pick_prospect_text(names: list[str], t: Translator | None = None) -> str:
    shown = ", ".join(names[:MAX_CHOICES])
    return escape(
        (t or english()).gettext("Several prospects match: %(names)s. Which one?", names=shown)
    )


def pick_prospect_blocks(
    question: str, names: list[str], *, source: str, t: Translator | None = None
) -> list[dict[str, Any]]:
    _ = (t or english()).gettext
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": truncate(name, 75)},
            "action_id": f"{ids.PICK_PROSPECT}:{n}",
            "value": json.dumps(
                {"p": name, "q": question[:QUESTION_CHARS], "s": source}, ensure_ascii=False
            ),
        }
        for n, name in enumerate(names[:MAX_CHOICES])
    ]
    asked = escape(truncate(question, 300))
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _("*You asked:* %(question)s", question=asked)
                + "\n"
                + _("Several prospects in the CRM match. Which one?"),
            },
        },
        {"type": "actions", "block_id": "pick_prospect", "elements": buttons},
    ]
