"""A vague question's stage buttons: answer the question again at the stage the rep picked."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.feedback import FeedbackError
from bot.logged_answer import load_answer
from bot.recommend import Question, recommend
from bot.services import Services
from bot.slack import ids
from bot.slack.audience import answer_for
from bot.slack.blocks.answer import answer_blocks, answer_text
from bot.slack.blocks.internal import withheld_block
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.actions.feedback import refuse
from bot.slack.listeners.actions.payload import click_channel, confirm
from content_store.stage import parse_stage


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    def clarify(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        channel = click_channel(body)
        message = body.get("message") or {}
        thread = message.get("thread_ts") or message.get("ts")
        with reply_on_failure(
            lambda msg: confirm(body, msg), "answering at a stage", lambda: languages.for_user(user)
        ):
            try:
                value = json.loads(action.get("value", ""))
                original = load_answer(services, int(value["r"]))
                stage = parse_stage(str(value["s"]))
                if original is None or channel is None:
                    raise FeedbackError("no such answer")
            except (ValueError, KeyError, TypeError, FeedbackError):
                refuse(body, languages.for_user(user))
                return
            answer = recommend(
                services,
                Question(
                    text=original.question,
                    source="clarify",
                    asker=user,
                    prospect=original.prospect,
                    stage=stage,
                    team_id=(body.get("team") or {}).get("id"),
                    channel_id=channel,
                    thread_ts=thread,
                ),
            )
            t = languages.for_text(user, original.question)
            answer, withheld = answer_for(client, answer, channel, by_bot=True)
            blocks = answer_blocks(
                answer, ask_marketing=services.settings.marketing_channel is not None, t=t
            )
            if withheld:
                blocks.insert(-1, withheld_block(withheld, t))
            client.chat_postMessage(
                channel=channel, thread_ts=thread, text=answer_text(answer, t), blocks=blocks
            )

    for action_id in ids.CLARIFY_STAGES:
        app.action(action_id)(clarify)
