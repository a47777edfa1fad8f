"""👍 / 👎 on an answer and "Sent it" on an asset: one feedback row per click; Slack's native
feedback buttons: one current vote per person."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.feedback import FeedbackError, give_feedback, vote
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.feedback import not_useful_modal
from bot.slack.failures import reply_on_failure
from bot.slack.listeners.actions.payload import (
    click_channel,
    confirm,
    recommendation_and_asset,
    recommendation_id,
)
from content_store.models import FeedbackKind

REFUSED = "That button no longer matches an answer I gave, so nothing was recorded."


def register(app: App, services: Services) -> None:
    @app.action(ids.USEFUL)
    def useful(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        with reply_on_failure(lambda msg: confirm(body, msg), "recording useful"):
            try:
                rec = recommendation_id(action)
                give_feedback(
                    services,
                    rec,
                    FeedbackKind.USEFUL,
                    user=body["user"]["id"],
                    channel=click_channel(body),
                )
            except FeedbackError:
                confirm(body, REFUSED)
                return
            confirm(body, "Thanks! Marked as useful; marketing sees it.")

    @app.action(ids.NOT_USEFUL)
    def not_useful(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        with reply_on_failure(lambda msg: confirm(body, msg), "recording not useful"):
            try:
                rec = recommendation_id(action)
                recorded = give_feedback(
                    services,
                    rec,
                    FeedbackKind.NOT_USEFUL,
                    user=body["user"]["id"],
                    channel=click_channel(body),
                )
            except FeedbackError:
                confirm(body, REFUSED)
                return
            # The 👎 is already recorded; the modal only adds the reason if the rep gives one.
            client.views_open(
                trigger_id=body["trigger_id"], view=not_useful_modal(rec, recorded.feedback_id)
            )

    @app.action(ids.NATIVE_FEEDBACK)
    def native(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        with reply_on_failure(lambda msg: confirm(body, msg), "recording a vote"):
            try:
                kind, _, rec = str(action.get("value", "")).partition(":")
                recorded = vote(
                    services,
                    int(rec),
                    FeedbackKind(kind),
                    user=body["user"]["id"],
                    channel=click_channel(body),
                )
            except (FeedbackError, ValueError):
                confirm(body, REFUSED)
                return
            confirm(
                body,
                "Thanks! Marketing sees your vote."
                if recorded.changed
                else "Already counted: one vote per answer.",
            )

    @app.action(ids.SENT)
    def sent(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        with reply_on_failure(lambda msg: confirm(body, msg), "recording sent"):
            try:
                rec, asset = recommendation_and_asset(action)
                recorded = give_feedback(
                    services,
                    rec,
                    FeedbackKind.SENT,
                    user=body["user"]["id"],
                    asset_id=asset,
                    channel=click_channel(body),
                )
            except FeedbackError:
                confirm(body, REFUSED)
                return
            confirm(body, f"Noted: you sent “{recorded.asset_title}”.")
