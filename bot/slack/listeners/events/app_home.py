"""Opening the app's Home tab: publish the person's view."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.home import rep_home
from bot.services import Services
from bot.slack.blocks.home import rep_home_view


def register(app: App, services: Services) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab is a DM, handled elsewhere
        user = event["user"]
        client.views_publish(user_id=user, view=rep_home_view(rep_home(services, user)))
