"""The Ask-marketing modal, submitted: the request is recorded, posted and the rep told."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.marketing_requests import RequestError, open_request
from bot.services import Services
from bot.slack import ids
from bot.slack.language import ReplyLanguages, modal_language
from bot.slack.requests import post_request

log = logging.getLogger(__name__)


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.view(ids.ASK_MARKETING_VIEW)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        values = view.get("state", {}).get("values", {})
        t = modal_language(view, languages, body["user"]["id"])
        _ = t.gettext
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            request = open_request(
                services,
                recommendation_id=int(meta["r"]) if meta.get("r") is not None else None,
                rep=body["user"]["id"],
                need=str(_value(values, ids.NEED_BLOCK, ids.NEED_ACTION) or ""),
                prospect=_value(values, ids.PROSPECT_BLOCK, ids.PROSPECT_ACTION),
                stage=_value(values, ids.STAGE_BLOCK, ids.STAGE_ACTION),
                deadline=str(_value(values, ids.DEADLINE_BLOCK, ids.DEADLINE_ACTION) or ""),
            )
        except RequestError as error:
            said = _("Not sent: %(error)s", error=t.error(error))
            ack(response_action="errors", errors={ids.NEED_BLOCK: said})
            return
        except (ValueError, KeyError, TypeError):
            ack(response_action="errors", errors={ids.NEED_BLOCK: _("Not sent: malformed form")})
            return
        ack()
        try:
            post_request(services, client, request, t)
        except Exception:  # the request is recorded; the rep hears it did not reach the channel
            log.exception("request %s not posted to the marketing channel", request.id)
            client.chat_postMessage(
                channel=request.rep,
                text=_(
                    "Request #%(id)s is saved but could not be posted to marketing; it has been "
                    "logged. Please tell marketing directly.",
                    id=request.id,
                ),
            )


def _value(values: dict[str, Any], block: str, action: str) -> str | None:
    state = (values.get(block) or {}).get(action) or {}
    if "selected_option" in state:
        option = state.get("selected_option") or {}
        return str(option.get("value")) if option.get("value") else None
    value = state.get("value")
    return str(value) if value else None
