"""Marketing threads: each answer told to the marketing channel, each reaction as a reply in its
thread, and a marketer's reply naming an asset relayed to the rep.

Everything here is queued in the outbox inside the caller's transaction (the one that logs the
answer or the feedback), so the channel hears of exactly what the log holds; a worker in the Slack
layer renders and posts it later, off the rep's path.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.services import Services
from bot.settings import Settings
from content_store.db import transaction
from content_store.log import NewRecommendation, record_feedback
from content_store.models import (
    ContentItem,
    Feedback,
    FeedbackKind,
    OutboxKind,
    OutboxStatus,
    Recommendation,
    SlackEventClaim,
)
from content_store.outbox import enqueue, thread_at, thread_post

log = logging.getLogger(__name__)

COMMENT_CHARS = 2000
# Slack writes a link in message text as <URL> or <URL|label>, escaping & < > as entities.
_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>")
_BARE_LINK = re.compile(r"https?://\S+")
_LEADING_JUNK = re.compile(r"^[\s:,;.\-–—]+")  # the dash or colon people put after a link


@dataclass(frozen=True)
class RelayedSuggestion:
    recommendation_id: int
    feedback_id: int
    rep: str
    asset_id: str


def queue_answer_post(
    db: Session | Connection, settings: Settings, recommendation_id: int, answer: NewRecommendation
) -> None:
    """Queue the marketing post of a logged answer (a rep's question from Slack, not the CLI).

    On a bare connection (the answer path's), a session joins its transaction for this alone.
    """
    channel = settings.marketing_channel
    if not channel or answer.asker is None:
        return
    if isinstance(db, Session):
        _queue_answer_post(db, channel, recommendation_id, answer)
    else:
        with Session(bind=db) as session:
            _queue_answer_post(session, channel, recommendation_id, answer)


def _queue_answer_post(
    session: Session, channel: str, recommendation_id: int, answer: NewRecommendation
) -> None:
    assets = _assets(session, [item.item_id for item in answer.items])
    payload: dict[str, Any] = {
        "note": "answer",
        "recommendation_id": recommendation_id,
        "asker": answer.asker,
        "source": answer.source,
        "question": answer.question,
        "prospect": answer.prospect,
        "stage": answer.stage,
        "stage_source": answer.stage_source,
        "stage_confidence": answer.stage_confidence,
        "weak": answer.weak,
        "top_score": answer.top_score,
        "items": [
            {**_asset_facts(assets.get(item.item_id), item.item_id), "rank": item.rank}
            for item in sorted(answer.items, key=lambda i: i.rank)
        ],
    }
    enqueue(
        session,
        channel=channel,
        kind=OutboxKind.POST,
        payload=payload,
        recommendation_id=recommendation_id,
    )


def queue_feedback_reply(session: Session, settings: Settings, feedback: Feedback) -> None:
    """Queue a 👍, 👎, "Sent it" or share as a reply in its answer's marketing thread."""
    asset = session.get(ContentItem, feedback.item_id) if feedback.item_id else None
    payload = {
        "note": "feedback",
        "kind": feedback.kind,
        "user": feedback.user,
        "asset": _asset_facts(asset, feedback.item_id) if feedback.item_id else None,
    }
    _queue_reply(session, settings, feedback.recommendation_id, payload)


def queue_reason_reply(session: Session, settings: Settings, feedback: Feedback) -> None:
    """Queue the reason a rep gave for a 👎 as its own reply, after the 👎 itself."""
    payload = {
        "note": "reason",
        "user": feedback.user,
        "reason": feedback.reason,
        "comment": feedback.comment,
    }
    _queue_reply(session, settings, feedback.recommendation_id, payload)


def relay_suggestion(
    services: Services,
    *,
    channel: str,
    thread_ts: str,
    marketer: str,
    text: str,
    event_id: str | None = None,
) -> RelayedSuggestion | None:
    """A reply in an answer's marketing thread that starts with an asset: log it, tell the rep.

    Returns None (and records nothing) when the reply does not start with a known asset's link
    or id, is not in a marketing thread, or was already relayed (a redelivered Slack event).
    """
    if not services.settings.marketing_channel or channel != services.settings.marketing_channel:
        return None
    try:
        with transaction(services.sessions) as session:
            thread = thread_at(session, channel, thread_ts)
            if thread is None:
                return None
            answer = session.get(Recommendation, thread.recommendation_id)
            found = suggested_asset(session, text)
            if answer is None or answer.asker is None or found is None:
                return None
            asset, comment = found
            if event_id:
                # Claimed in this transaction: a redelivery is skipped, a failed relay is retried.
                session.add(SlackEventClaim(event_id=event_id))
            row = record_feedback(
                session,
                answer.id,
                FeedbackKind.MARKETING_SUGGESTION,
                user=marketer,
                item_id=asset.id,
                comment=comment,
            )
            facts = _asset_facts(asset, asset.id)
            enqueue(
                session,
                channel=answer.asker,  # a user id as channel: the bot's DM with the rep
                kind=OutboxKind.DIRECT,
                recommendation_id=answer.id,
                payload={
                    "note": "suggestion",
                    "recommendation_id": answer.id,
                    "marketer": marketer,
                    "asset": facts,
                    "comment": comment,
                    "question": answer.question,
                },
            )
            enqueue(
                session,
                channel=thread.channel,
                kind=OutboxKind.REPLY,
                recommendation_id=answer.id,
                payload={
                    "note": "relayed",
                    "marketer": marketer,
                    "rep": answer.asker,
                    "asset": facts,
                },
            )
            return RelayedSuggestion(answer.id, row.id, answer.asker, asset.id)
    except IntegrityError:
        log.info("marketing reply %s already relayed; redelivery ignored", event_id)
        return None


def suggested_asset(session: Session, text: str) -> tuple[ContentItem, str | None] | None:
    """The asset a reply starts with (its URL, or its id), and the words after it."""
    text = text.strip()
    match = _SLACK_LINK.match(text) or _BARE_LINK.match(text)
    if match is not None:
        url = _unescape(match.group(1) if match.re is _SLACK_LINK else match.group(0))
        asset = asset_by_url(session, url)
    else:
        first, _, _ = text.partition(" ")
        token = first.split("\n", 1)[0]
        match = re.match(r"`?([^\s`]+)`?", token)
        if match is None:
            return None
        asset = session.get(ContentItem, match.group(1).rstrip(":,;."))
    if asset is None:
        return None
    rest = _LEADING_JUNK.sub("", _unescape(text[match.end() :]))
    return asset, rest[:COMMENT_CHARS] or None


def _queue_reply(
    session: Session, settings: Settings, recommendation_id: int, payload: dict[str, Any]
) -> None:
    if not settings.marketing_channel:
        return
    post = thread_post(session, recommendation_id)
    if post is None or post.status == OutboxStatus.FAILED:
        return  # no thread to reply in: answered before the channel was set, or from the CLI
    enqueue(
        session,
        channel=post.channel,
        kind=OutboxKind.REPLY,
        payload=payload,
        recommendation_id=recommendation_id,
    )


def asset_by_url(session: Session, url: str) -> ContentItem | None:
    """The library asset a link points at (trailing slash or not), a live one first."""
    bare = url.rstrip("/")
    candidates = list(
        session.scalars(select(ContentItem).where(ContentItem.url.in_({url, bare, bare + "/"})))
    )
    # An exact match first, then a live asset before a removed one.
    candidates.sort(key=lambda item: (item.url != url, not item.active, item.id))
    return candidates[0] if candidates else None


def _assets(session: Session, ids: list[str]) -> dict[str, ContentItem]:
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(ContentItem).where(ContentItem.id.in_(ids)))}


def _asset_facts(asset: ContentItem | None, asset_id: str | None) -> dict[str, Any]:
    if asset is None:
        return {"id": asset_id, "title": asset_id, "url": None, "type": None}
    facts = {"id": asset.id, "title": asset.title, "url": asset.url, "type": asset.type}
    # Only when set: the worker leaves such an asset unnamed in a channel outsiders read.
    return facts | {"internal": True} if asset.internal else facts


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
