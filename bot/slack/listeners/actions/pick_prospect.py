"""A rep picks which CRM company a question meant: answer it for that prospect, in place."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.recommend import Question, QuestionError, recommend
from bot.services import Services
from bot.slack import ids
from bot.slack.audience import answer_for
from bot.slack.blocks.answer import answer_blocks, answer_text
from bot.slack.blocks.internal import withheld_block
from bot.slack.blocks.messages import notice_blocks
from bot.slack.client import respond
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages
from bot.slack.listeners.actions.payload import click_channel

SOURCES = frozenset({"slash", "mention", "dm"})


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.action(re.compile(rf"^{re.escape(ids.PICK_PROSPECT)}:\d+$"))
    def pick(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        url = body.get("response_url")
        if not url:
            return
        user = body["user"]["id"]
        with reply_on_failure(
            lambda msg: respond(url, text=msg),
            "answering for a prospect",
            lambda: languages.for_user(user),
        ):
            try:
                value = json.loads(action.get("value", ""))
                prospect, question = str(value["p"]), str(value["q"])
                source = value.get("s") if value.get("s") in SOURCES else "slash"
            except (ValueError, KeyError, TypeError):
                broken = languages.for_user(user).gettext("That button is broken; ask again.")
                respond(url, text=broken, replace_original=False)
                return
            t = languages.for_text(user, question)
            try:
                answer = recommend(
                    services,
                    Question(
                        text=question,
                        source=source,
                        asker=user,
                        team_id=(body.get("team") or {}).get("id"),
                        channel_id=click_channel(body),
                        prospect=prospect,
                    ),
                )
            except QuestionError as error:
                said = t.error(error)
                respond(url, text=said, blocks=notice_blocks(said, emoji=":warning:"))
                return
            withheld = 0
            if source == "mention":  # the picker was posted in the channel, for all to read
                answer, withheld = answer_for(client, answer, click_channel(body), by_bot=True)
            blocks = answer_blocks(answer, shareable=source == "slash", t=t)
            if withheld:
                blocks.insert(-1, withheld_block(withheld, t))
            respond(url, text=answer_text(answer, t), blocks=blocks, replace_original=True)
