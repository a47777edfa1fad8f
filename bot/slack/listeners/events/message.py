"""`message` events: a DM to the bot is a question; a reply in a marketing thread may suggest an
asset to the rep, and one in a request's thread answers the request."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.marketing import relay_suggestion
from bot.marketing_requests import is_request_thread, reply_in_request_thread
from bot.services import Services
from bot.slack.conversation import answer_event
from bot.slack.language import ReplyLanguages
from bot.slack.requests import after_step

# A reply also sent to the channel is still a reply; other subtypes are edits, joins, bot posts.
PERSON_SUBTYPES = (None, "thread_broadcast")


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    @app.event("message")
    def message(
        body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        user = event.get("user")
        if event.get("bot_id") or not user or user == context.bot_user_id:
            return
        if event.get("channel_type") == "im":
            if not event.get("subtype"):
                answer_event(services, client, body, event, source="dm", languages=languages)
            return
        thread_ts = event.get("thread_ts")
        if (
            event.get("subtype") in PERSON_SUBTYPES
            and event.get("channel") == services.settings.marketing_channel
            and thread_ts
            and thread_ts != event.get("ts")
        ):
            step = reply_in_request_thread(
                services,
                channel=event["channel"],
                thread_ts=thread_ts,
                marketer=user,
                text=event.get("text") or "",
                event_id=body.get("event_id"),
            )
            if step is not None:
                after_step(services, client, step, "picked" if step.answer else "reply", languages)
                return
            if is_request_thread(services, event["channel"], thread_ts):
                return  # the rep's own words, or a redelivery: nothing to relay
            relay_suggestion(
                services,
                channel=event["channel"],
                thread_ts=thread_ts,
                marketer=user,
                text=event.get("text") or "",
                event_id=body.get("event_id"),
            )
