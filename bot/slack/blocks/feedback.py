"""The "why was it not useful?" modal."""

from __future__ import annotations

import json
from typing import Any

from bot.slack import ids

REASONS: dict[str, str] = {
    "wrong_stage": "Wrong stage for this prospect",
    "outdated": "Outdated",
    "not_relevant": "Not relevant to the question",
    "topic_missing": "We have nothing on this topic",
    "other": "Other",
}


def not_useful_modal(recommendation_id: int, feedback_id: int) -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": key}
        for key, label in REASONS.items()
    ]
    return {
        "type": "modal",
        "callback_id": ids.NOT_USEFUL_REASON_VIEW,
        "private_metadata": json.dumps({"r": recommendation_id, "f": feedback_id}),
        "title": {"type": "plain_text", "text": "Not useful"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Skip"},
        "blocks": [
            {
                "type": "input",
                "block_id": ids.REASON_BLOCK,
                "label": {"type": "plain_text", "text": "What was wrong?"},
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
                "label": {"type": "plain_text", "text": "What would have helped?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.COMMENT_ACTION,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
    }
