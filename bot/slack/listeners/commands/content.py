"""`/content QUESTION`: an answer only the asker sees, with a button to share it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.recommend import AmbiguousProspect, Question, QuestionError, recommend
from bot.services import Services
from bot.slack import ids
from bot.slack.blocks.answer import answer_blocks, answer_text
from bot.slack.blocks.crm import pick_prospect_blocks, pick_prospect_text
from bot.slack.blocks.messages import notice_blocks, usage_blocks, usage_text
from bot.slack.client import respond
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages

HELP_WORDS = {"", "help", "?", "-h", "--help"}


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.command(ids.CONTENT_COMMAND)
    def content(ack: Ack, command: dict[str, Any]) -> None:
        text = (command.get("text") or "").strip()
        user = command.get("user_id")
        if text.lower() in HELP_WORDS:
            t = languages.for_user(user)
            ack(text=usage_text(t), blocks=usage_blocks(t), response_type="ephemeral")
            return
        ack()  # within Slack's 3 seconds; the answer follows through response_url
        url = command["response_url"]
        # The language the rep asked in, else their Slack locale (looked up after the ack).
        t = languages.for_text(user, text)
        with reply_on_failure(lambda msg: respond(url, text=msg), "answering /content", t):
            try:
                answer = recommend(
                    services,
                    Question(
                        text=text,
                        source="slash",
                        asker=user,
                        team_id=command.get("team_id"),
                        channel_id=command.get("channel_id"),
                    ),
                )
            except AmbiguousProspect as ambiguous:
                names = ambiguous.names
                blocks = pick_prospect_blocks(text, names, source="slash", t=t)
                respond(url, text=pick_prospect_text(names, t), blocks=blocks)
                return
            except QuestionError as error:
                said = t.error(error)
                respond(url, text=said, blocks=notice_blocks(said, emoji=":warning:"))
                return
            respond(
                url,
                text=answer_text(answer, t),
                blocks=answer_blocks(
                    answer,
                    shareable=True,
                    ask_marketing=services.settings.marketing_channel is not None,
                    t=t,
                ),
            )
