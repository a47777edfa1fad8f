"""👍 / 👎 on an answer and "Sent it" on an asset: one feedback row per click; Slack's native
feedback buttons: one current vote per person. Replies are in the answer's language."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.feedback import FeedbackError, give_feedback, vote
from bot.i18n import N_, Translator
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.feedback import not_useful_modal
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.actions.payload import (
    answer_language,
    click_channel,
    confirm,
    recommendation_and_asset,
    recommendation_id,
)
from content_store.models import FeedbackKind

REFUSED = N_("That button no longer matches an answer I gave, so nothing was recorded.")


def refuse(body: dict[str, Any], t: Translator) -> None:
    confirm(body, t.gettext(REFUSED))


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    def clicker(body: dict[str, Any]) -> Translator:
        return languages.for_user(body["user"]["id"])

    @app.action(ids.USEFUL)
    def useful(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        with reply_on_failure(
            lambda msg: confirm(body, msg), "recording useful", lambda: clicker(body)
        ):
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
                refuse(body, clicker(body))
                return
            t = answer_language(services, languages, body, rec)
            confirm(body, t.gettext("Thanks! Marked as useful; marketing sees it."))

    @app.action(ids.NOT_USEFUL)
    def not_useful(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        with reply_on_failure(
            lambda msg: confirm(body, msg), "recording not useful", lambda: clicker(body)
        ):
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
                refuse(body, clicker(body))
                return
            # The 👎 is already recorded; the modal only adds the reason if the rep gives one.
            t = answer_language(services, languages, body, rec)
            client.views_open(
                trigger_id=body["trigger_id"],
                view=not_useful_modal(rec, recorded.feedback_id, t),
            )

    @app.action(ids.NATIVE_FEEDBACK)
    def native(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        with reply_on_failure(
            lambda msg: confirm(body, msg), "recording a vote", lambda: clicker(body)
        ):
            try:
                kind, _sep, rec = str(action.get("value", "")).partition(":")
                recorded = vote(
                    services,
                    int(rec),
                    FeedbackKind(kind),
                    user=body["user"]["id"],
                    channel=click_channel(body),
                )
            except (FeedbackError, ValueError):
                refuse(body, clicker(body))
                return
            _ = answer_language(services, languages, body, int(rec)).gettext
            confirm(
                body,
                _("Thanks! Marketing sees your vote.")
                if recorded.changed
                else _("Already counted: one vote per answer."),
            )

    @app.action(ids.SENT)
    def sent(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        with reply_on_failure(
            lambda msg: confirm(body, msg), "recording sent", lambda: clicker(body)
        ):
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
                refuse(body, clicker(body))
                return
            t = answer_language(services, languages, body, rec)
            confirm(body, t.gettext("Noted: you sent “%(title)s”.", title=recorded.asset_title))
