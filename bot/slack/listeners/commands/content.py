"""`/content QUESTION`: an answer only the asker sees, with a button to share it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.recommend import AmbiguousProspect, Question, QuestionError, recommend
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.answer import answer_blocks, answer_text
from bot.slack.blocks.crm import pick_prospect_blocks, pick_prospect_text
from bot.slack.blocks.messages import USAGE, notice_blocks, usage_blocks
from bot.slack.client import respond
from bot.slack.failures import reply_on_failure

HELP_WORDS = {"", "help", "?", "-h", "--help"}


def register(app: App, services: Services) -> None:
    @app.command(ids.CONTENT_COMMAND)
    def content(ack: Ack, command: dict[str, Any]) -> None:
        text = (command.get("text") or "").strip()
        if text.lower() in HELP_WORDS:
            ack(text=USAGE, blocks=usage_blocks(), response_type="ephemeral")
            return
        ack()  # within Slack's 3 seconds; the answer follows through response_url
        url = command["response_url"]
        with reply_on_failure(lambda msg: respond(url, text=msg), "answering /content"):
            try:
                answer = recommend(
                    services,
                    Question(
                        text=text,
                        source="slash",
                        asker=command.get("user_id"),
                        team_id=command.get("team_id"),
                        channel_id=command.get("channel_id"),
                    ),
                )
            except AmbiguousProspect as ambiguous:
                names = ambiguous.names
                blocks = pick_prospect_blocks(text, names, source="slash")
                respond(url, text=pick_prospect_text(names), blocks=blocks)
                return
            except QuestionError as error:
                respond(url, text=str(error), blocks=notice_blocks(str(error), emoji=":warning:"))
                return
            respond(
                url,
                text=answer_text(answer),
                blocks=answer_blocks(
                    answer,
                    shareable=True,
                    ask_marketing=services.settings.marketing_channel is not None,
                ),
            )
