"""The Home tab's switch for deal-move pushes."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.crm.push import set_pushes
from bot.services import Services
from bot.slack import ids
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.events.app_home import publish_rep_home


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.action(ids.CRM_PUSHES)
    def switch(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        set_pushes(services, user, on=action.get("value") == "on")
        publish_rep_home(services, client, user, languages)
