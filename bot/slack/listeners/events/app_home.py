"""Opening the app: on the Home tab marketers see what sales uses and lacks, reps their history;
on the Messages tab (the agent view) a rep gets suggested prompts."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.agent import suggested_prompts
from bot.asset_stages import stage_review
from bot.crm.push import pushes_on
from bot.dashboard import marketing_dashboard, with_gaps
from bot.home import rep_home
from bot.marketing_requests import open_requests
from bot.services import Services
from bot.slack.agent_view import set_prompts
from bot.slack.blocks.dashboard import marketer_home_view
from bot.slack.blocks.home import rep_home_view
from bot.slack.blocks.requests import home_request_blocks
from bot.slack.blocks.stage_review import stage_review_blocks
from bot.slack.language import ReplyLanguages
from bot.slack.marketers import MarketerCheck


def publish_rep_home(
    services: Services, client: WebClient, user: str, languages: ReplyLanguages
) -> None:
    """The rep's Home, in their Slack locale's language."""
    pushes = pushes_on(services, user) if services.settings.crm is not None else None
    view = rep_home_view(rep_home(services, user), crm_pushes=pushes, t=languages.for_user(user))
    client.views_publish(user_id=user, view=view)


def publish_marketer_home(
    services: Services,
    client: WebClient,
    user: str,
    languages: ReplyLanguages,
    *,
    notice: str | None = None,
) -> None:
    """Publish at once; questions never embedded before are grouped next, then republished.
    `notice` (a stage just confirmed) heads the stages still to confirm."""
    t = languages.for_user(user)
    dashboard = marketing_dashboard(services, embed=False)
    asks = [
        *home_request_blocks(*open_requests(services), t=t),
        *stage_review_blocks(stage_review(services), notice=notice, t=t),
    ]
    client.views_publish(user_id=user, view=marketer_home_view(dashboard, asks, t))
    if dashboard.gaps is None:
        client.views_publish(
            user_id=user, view=marketer_home_view(with_gaps(services, dashboard), asks, t)
        )


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    marketers = MarketerCheck(services.settings, app.client)

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        user = event["user"]
        if event.get("tab", "home") == "messages":
            # The agent view opened: prompts that fit this rep, at the top of the conversation.
            if event.get("channel"):
                t = languages.for_user(user)
                set_prompts(client, event["channel"], suggested_prompts(services, user, t), t)
            return
        if event.get("tab", "home") != "home":
            return
        if not marketers.is_marketer(user):
            publish_rep_home(services, client, user, languages)
            return
        publish_marketer_home(services, client, user, languages)
