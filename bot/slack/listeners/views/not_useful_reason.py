"""The reason a rep gives for a 👎, added to the feedback row the click created."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.feedback import FeedbackError, add_reason
from bot.services import Services
from bot.slack import ids
from bot.slack.language import ReplyLanguages, modal_language


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.view(ids.NOT_USEFUL_REASON_VIEW)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view.get("state", {}).get("values", {})
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            feedback_id = int(meta["f"])
            selected = values[ids.REASON_BLOCK][ids.REASON_ACTION]["selected_option"]
            reason = str(selected["value"])
            comment = (values.get(ids.COMMENT_BLOCK, {}).get(ids.COMMENT_ACTION) or {}).get("value")
            add_reason(
                services, feedback_id, user=body["user"]["id"], reason=reason, comment=comment
            )
        except (FeedbackError, ValueError, KeyError, TypeError) as error:
            t = modal_language(view, languages, body["user"]["id"])
            said = t.gettext("Not recorded: %(error)s", error=t.error(error))
            ack(response_action="errors", errors={ids.REASON_BLOCK: said})
            return
        ack()
