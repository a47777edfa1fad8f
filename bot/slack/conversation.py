"""Answering a question asked in a conversation (a mention or a DM), once per Slack event."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.agent import ViewedProspect, default_prospect, thread_title
from bot.answer_database import DatabaseUnavailable
from bot.follow_up import read_follow_up
from bot.recommend import AmbiguousProspect, Question, QuestionError, recommend
from bot.services import Services
from bot.slack.agent_view import SEARCHING, set_status, set_title
from bot.slack.audience import answer_for, flagged_external
from bot.slack.blocks.answer import answer_blocks, answer_text
from bot.slack.blocks.crm import pick_prospect_blocks, pick_prospect_text
from bot.slack.blocks.internal import withheld_block
from bot.slack.blocks.messages import notice_blocks, usage_blocks, usage_text
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages
from bot.slack.mrkdwn import strip_mentions
from content_store.event_claims import claim_event

log = logging.getLogger(__name__)


def answer_event(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    event: dict[str, Any],
    *,
    source: str,
    languages: ReplyLanguages,
) -> None:
    """Reply with exactly one message, in the language asked in: in the thread for a mention, in
    place for a DM."""
    event_id = body.get("event_id")
    if event_id and not _first_delivery(services, event_id):
        log.info("event %s already taken up; redelivery ignored", event_id)
        return
    channel = event["channel"]
    ts = event["ts"]
    in_thread = event.get("thread_ts")
    # Mentions are answered in a thread under the question; DMs in place unless in a thread.
    reply_thread = in_thread or (ts if source == "mention" else None)
    text = strip_mentions(event.get("text") or "")

    def post(message: str, blocks: list[dict[str, Any]] | None = None) -> None:
        client.chat_postMessage(
            channel=channel, thread_ts=reply_thread, text=message, blocks=blocks
        )

    user = event.get("user")
    if text.lower() in {"", "help", "?"}:
        t = languages.for_user(user)
        post(usage_text(t), usage_blocks(t))
        return
    # A DM is the agent view's conversation: each message is a thread for its status and title.
    agent_thread = (in_thread or ts) if source == "dm" else None
    with reply_on_failure(post, f"answering a {source}", lambda: languages.for_user(user)):
        follow_up = (
            read_follow_up(services, channel_id=channel, thread_ts=in_thread, text=text)
            if in_thread
            else None
        )
        # A follow-up ("more like 2") says little: the thread's first question decides then.
        t = languages.for_text(user, text, follow_up.context if follow_up else None)
        viewed = None
        if agent_thread is not None:
            set_status(client, channel, agent_thread, t.gettext(SEARCHING))
            if not (follow_up and follow_up.prospect):
                viewed = _viewed(services, user, text)
        prospect = follow_up.prospect if follow_up else None
        try:
            answer = recommend(
                services,
                Question(
                    text=text,
                    source=source,
                    asker=user,
                    team_id=body.get("team_id"),
                    channel_id=channel,
                    thread_ts=in_thread or ts,
                    message_ts=ts,
                    request_key=event_id,
                    context=follow_up.context if follow_up else None,
                    prospect=prospect or (viewed.prospect if viewed else None),
                ),
            )
        except AmbiguousProspect as ambiguous:
            names = ambiguous.names
            post(
                pick_prospect_text(names, t), pick_prospect_blocks(text, names, source=source, t=t)
            )
            return
        except QuestionError as error:
            said = t.error(error)
            post(said, notice_blocks(said, emoji=":warning:"))
            if agent_thread is not None:
                set_status(client, channel, agent_thread, "")
            return
        withheld = 0
        if source == "mention":  # a channel: its readers may include people outside
            answer, withheld = answer_for(
                client, answer, channel, flagged=flagged_external(body), by_bot=True
            )
        blocks = answer_blocks(
            answer,
            ask_marketing=services.settings.marketing_channel is not None,
            native_feedback=agent_thread is not None,
            prospect_from=viewed.channel if viewed and answer.prospect == viewed.prospect else None,
            t=t,
        )
        if withheld:
            blocks.insert(-1, withheld_block(withheld, t))
        post(answer_text(answer, t), blocks)
        if agent_thread is not None:
            set_status(client, channel, agent_thread, "")  # the answer is in: clear it
            set_title(client, channel, agent_thread, thread_title(answer))


def _viewed(services: Services, user: str | None, text: str) -> ViewedProspect | None:
    """The prospect of the channel the rep is viewing; none while the database is away."""
    try:
        return services.answer_db.run(
            "reading the viewed channel", lambda sessions: default_prospect(sessions, user, text)
        )
    except DatabaseUnavailable:
        return None


def _first_delivery(services: Services, event_id: str) -> bool:
    """False for a redelivered event. While the database is away the question is answered
    anyway: a rare second reply beats none, and the log still keeps one row per event id."""
    try:
        return services.answer_db.run(
            "claiming a Slack event", lambda sessions: claim_event(sessions, event_id)
        )
    except DatabaseUnavailable:
        return True
