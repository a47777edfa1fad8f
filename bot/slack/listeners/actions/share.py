""" "Share in channel": post the asker's private answer for everyone in the channel; where
people outside the company read the channel, without its internal items."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.feedback import FeedbackError, check_shown, give_feedback
from bot.i18n import N_, Translator
from bot.logged_answer import load_answer
from bot.services import Services
from bot.slack import ids
from bot.slack.audience import answer_for, flagged_external
from bot.slack.blocks.answer import answer_blocks, answer_text
from bot.slack.client import respond
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.actions.feedback import refuse
from bot.slack.listeners.actions.payload import click_channel, confirm, recommendation_id
from content_store.models import FeedbackKind

log = logging.getLogger(__name__)


NOTHING_TO_SHARE = N_(
    "Not shared: every item of this answer is internal, and people outside the company can "
    "read this channel."
)


def shared_note(withheld: int, t: Translator) -> str:
    if not withheld:
        return t.gettext("Shared in the channel.")
    return t.ngettext(
        "Shared without its %(count)s internal item: people outside the company can read this "
        "channel.",
        "Shared without its %(count)s internal items: people outside the company can read this "
        "channel.",
        withheld,
        count=withheld,
    )


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.action(ids.SHARE)
    def share(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        with reply_on_failure(
            lambda msg: confirm(body, msg), "sharing an answer", lambda: languages.for_user(user)
        ):
            channel = str((body.get("channel") or {}).get("id") or "")
            try:
                rec = recommendation_id(action)
                answer = load_answer(services, rec)
                if answer is None:
                    raise FeedbackError(f"there is no answer #{rec}")
                shown, withheld = answer_for(
                    client, answer, channel, flagged=flagged_external(body)
                )
                if withheld and not shown.items:
                    # Nothing may go there: say so, and record no share.
                    check_shown(services, rec, user=user, channel=click_channel(body))
                    confirm(
                        body, languages.for_text(user, answer.question).gettext(NOTHING_TO_SHARE)
                    )
                    return
                give_feedback(
                    services, rec, FeedbackKind.SHARED, user=user, channel=click_channel(body)
                )
            except FeedbackError:
                refuse(body, languages.for_user(user))
                return
            answer = shown
            # Shared in the language it was answered in: the asker's question decides.
            t = languages.for_text(user, answer.question)
            blocks = answer_blocks(
                answer,
                shared_by=user,
                ask_marketing=services.settings.marketing_channel is not None,
                t=t,
            )
            text = answer_text(answer, t)
            try:
                client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            except SlackApiError as error:
                # The bot is not in that channel: Slack still lets the rep post it there.
                log.info("chat.postMessage refused (%s); sharing via response_url", error)
                respond(
                    body["response_url"],
                    response_type="in_channel",
                    replace_original=False,
                    text=text,
                    blocks=blocks,
                )
            confirm(body, shared_note(withheld, t))
