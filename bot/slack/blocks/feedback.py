"""The "why was it not useful?" modal."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import N_, Translator, english
from bot.slack import ids

REASONS: dict[str, str] = {
    "wrong_stage": N_("Wrong stage for this prospect"),
    "outdated": N_("Outdated"),
    "not_relevant": N_("Not relevant to the question"),
    "topic_missing": N_("We have nothing on this topic"),
    "other": N_("Other"),
}


def not_useful_modal(
    recommendation_id: int, feedback_id: int, t: Translator | None = None
) -> dict[str, Any]:
    """The modal in t's language, which rides along in its metadata for the submission's reply."""
    t = t or english()
    _ = t.gettext
    options = [
        {"text": {"type": "plain_text", "text": _(label)}, "value": key}
        for key, label in REASONS.items()
    ]
    return {
        "type": "modal",
        "callback_id": ids.NOT_USEFUL_REASON_VIEW,
        "private_metadata": json.dumps({"r": recommendation_id, "f": feedback_id, "l": t.language}),
        "title": {"type": "plain_text", "text": _("Not useful")},
        "submit": {"type": "plain_text", "text": _("Send")},
        "close": {"type": "plain_text", "text": _("Skip")},
        "blocks": [
            {
                "type": "input",
                "block_id": ids.REASON_BLOCK,
                "label": {"type": "plain_text", "text": _("What was wrong?")},
                "element": {
                    "type": "static_select",
                    "action_id": ids.REASON_ACTION,
                    "options": options,
                },
            },
            {
                "type": "input",
                "block_id": ids.COMMENT_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": _("What would have helped?")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.COMMENT_ACTION,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }
