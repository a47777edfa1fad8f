"""Telling Slack about an Ask-marketing step: the request's post, its thread and the rep.

The marketing channel reads FUNNELBOT_LANGUAGE; the rep reads the language of their request.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import Translator, translator
from bot.marketing_requests import RequestFacts, Step, due_reminders, record_post
from bot.services import Services
from bot.slack.audience import reaches_outside
from bot.slack.blocks.internal import MASKED_TITLE
from bot.slack.blocks.requests import (
    opened_note,
    picked_note,
    reminder_message,
    rep_answer,
    rep_note,
    request_message,
)
from bot.slack.language import ReplyLanguages

log = logging.getLogger(__name__)


def post_request(
    services: Services, client: WebClient, request: RequestFacts, rep_language: Translator
) -> None:
    """Post the request as its own thread in the marketing channel; tell the rep it went."""
    channel = services.settings.marketing_channel
    if channel is None:
        raise RuntimeError("FUNNELBOT_MARKETING_CHANNEL is not set")
    team = translator(services.settings.language)
    text, blocks = request_message(request, group=services.settings.marketing_group, t=team)
    response = client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    record_post(services, request.id, channel=channel, ts=str(response["ts"]))
    tell_rep(client, request, *opened_note(request, rep_language))


def after_step(
    services: Services, client: WebClient, step: Step, kind: str, languages: ReplyLanguages
) -> None:
    """Refresh the request's post and tell the rep (in the answer's thread or DM). An internal
    asset goes to the rep's DM where outsiders read their thread, and stays unnamed in a
    marketing channel outsiders read."""
    team = languages.default()
    rep_step = step
    step = _for_marketing_channel(client, step, team)
    request = step.request
    rep = languages.for_text(request.rep, request.need)
    if request.channel and request.ts:
        text, blocks = request_message(request, group=services.settings.marketing_group, t=team)
        try:
            client.chat_update(channel=request.channel, ts=request.ts, text=text, blocks=blocks)
        except SlackApiError as error:  # the post was deleted: the rep still hears of the step
            log.warning("request %s post not updated: %s", request.id, error.response.get("error"))
    if kind == "picked" and step.answer is not None:
        assert rep_step.answer is not None
        if rep_step.answer.internal_items and reaches_outside(
            client, request.rep_channel, by_bot=True
        ):
            request = replace(request, rep_channel=request.rep, rep_thread_ts=None)
        tell_rep(client, request, *rep_answer(rep_step, rep))
        request = step.request
        if request.channel and request.ts:
            text, blocks = picked_note(step, team)
            client.chat_postMessage(
                channel=request.channel, thread_ts=request.ts, text=text, blocks=blocks
            )
    else:
        tell_rep(client, request, *rep_note(step, kind, rep))


def remind_requests(services: Services, client: WebClient) -> int:
    """Re-announce, once, each request nobody answered within FUNNELBOT_REQUEST_REMIND_HOURS
    working hours: a reply in its thread, also sent to the channel."""
    hours = services.settings.request_remind_hours
    team = translator(services.settings.language)
    due = due_reminders(services, after_hours=hours)
    for request in due:
        text, blocks = reminder_message(
            request, group=services.settings.marketing_group, hours=hours, t=team
        )
        client.chat_postMessage(
            channel=str(request.channel),
            thread_ts=request.ts,
            reply_broadcast=True,
            text=text,
            blocks=blocks,
        )
    return len(due)


def _for_marketing_channel(client: WebClient, step: Step, t: Translator) -> Step:
    """The step with its internal asset unnamed, where outsiders read the marketing channel."""
    asset = step.request.asset
    internal = bool(asset and asset.get("internal")) or bool(
        step.answer and step.answer.internal_items
    )
    if not internal or not reaches_outside(client, step.request.channel, by_bot=True):
        return step
    title = t.gettext(MASKED_TITLE)
    masked_asset = {"id": None, "title": title, "url": None, "type": None}
    answer = step.answer
    if answer is not None:
        items = tuple(replace(i, title=title, url=None) if i.internal else i for i in answer.items)
        answer = replace(answer, items=items)
    request = replace(
        step.request, asset=masked_asset if asset and asset.get("internal") else asset
    )
    return replace(step, request=request, answer=answer)


def tell_rep(client: WebClient, request: RequestFacts, text: str, blocks: list) -> None:
    client.chat_postMessage(
        channel=request.rep_channel,
        thread_ts=request.rep_thread_ts,
        text=text,
        blocks=blocks,
        unfurl_links=False,
    )
