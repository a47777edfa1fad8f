"""Ask marketing: a rep's request reaches a marketer while it is fresh; each step reaches the rep.

A request is opened from an answer (the "Ask marketing" button), posted as its own thread in the
marketing channel, taken by a marketer, answered with an asset (logged as an answer with source
`marketing`) or with words, and marked done. Times to first response and to done are kept.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.answer import Answer, AnswerItem, StageDecision, StageSource
from bot.feedback import shown_to
from bot.i18n import N_, LocalizedError, Phrase
from bot.marketing import suggested_asset
from bot.services import Services
from content_store.db import transaction
from content_store.log import (
    LoggedItem,
    NewRecommendation,
    get_recommendation,
    record_recommendation,
)
from content_store.models import (
    ContentItem,
    MarketingRequest,
    RequestDeadline,
    RequestStatus,
    SlackEventClaim,
)
from content_store.prospects import clean_prospect_name
from content_store.requests import RequestSummary, request_summary
from content_store.requests import aware as _aware
from content_store.stage import Stage
from content_store.text import clean_text

log = logging.getLogger(__name__)

NEED_CHARS = 3000
REPLY_CHARS = 3000
OPTION_LIMIT = 20  # Slack shows at most 100 options; a type-ahead needs far fewer
# Working hours for the reminder clock, in UTC: a request opened Friday evening is not "late"
# on Saturday morning.
WORK_START_HOUR = 9
WORK_END_HOUR = 17
SOURCE = "marketing"


class RequestError(LocalizedError):
    """The request cannot be made or changed as asked; the message says why, in one line."""


@dataclass(frozen=True)
class Draft:
    """What the "Ask marketing" modal starts from: the answer's question, prospect and stage."""

    recommendation_id: int
    question: str
    prospect: str | None
    stage: str | None


@dataclass(frozen=True)
class RequestFacts:
    id: int
    rep: str
    need: str
    prospect: str | None
    stage: str | None
    deadline: str
    status: RequestStatus
    taker: str | None
    done_by: str | None
    channel: str | None
    ts: str | None
    rep_channel: str
    rep_thread_ts: str | None
    asset: dict[str, Any] | None  # the asset last picked: id, title, url, type (, internal)


@dataclass(frozen=True)
class Step:
    """What a marketer's action changed: the request after it, and, for a step that answers,
    the answer the rep gets (an asset) or the words a marketer wrote."""

    request: RequestFacts
    marketer: str
    answer: Answer | None = None
    text: str | None = None
    first_response: bool = False


def request_draft(
    services: Services, recommendation_id: int, *, user: str, channel: str | None
) -> Draft:
    with services.sessions() as session:
        answer = get_recommendation(session, recommendation_id)
        if answer is None or not shown_to(answer, user=user, channel=channel):
            raise RequestError(N_("that button no longer matches an answer I gave you"))
        return Draft(answer.id, answer.question, answer.prospect, answer.stage)


def open_request(
    services: Services,
    *,
    recommendation_id: int | None,
    rep: str,
    need: str,
    prospect: str | None,
    stage: str | None,
    deadline: str,
) -> RequestFacts:
    """Record the request; the Slack layer posts it and then calls `record_post`."""
    need = clean_text(need or "").strip()
    if not need:
        raise RequestError(N_("say what you need: the request is empty"))
    if deadline not in {str(d) for d in RequestDeadline}:
        raise RequestError(N_("unknown deadline %(deadline)r"), deadline=deadline)
    if stage and stage not in {str(s) for s in Stage}:
        raise RequestError(N_("unknown stage %(stage)r"), stage=stage)
    with transaction(services.sessions) as session:
        rep_channel, rep_thread = rep, None  # a DM with the bot, unless the answer was in one
        if recommendation_id is not None:
            # The id comes from the modal's private_metadata, which only the app writes (the
            # button's click was checked with `request_draft`).
            answer = get_recommendation(session, recommendation_id)
            if answer is None:
                raise RequestError(N_("there is no answer #%(id)s"), id=recommendation_id)
            recommendation_id = answer.id
            if answer.asker == rep and answer.source in ("mention", "dm") and answer.channel_id:
                rep_channel, rep_thread = answer.channel_id, answer.thread_ts
        row = MarketingRequest(
            recommendation_id=recommendation_id,
            rep=rep,
            need=need[:NEED_CHARS],
            prospect=clean_prospect_name(prospect) if prospect and prospect.strip() else None,
            stage=stage or None,
            deadline=deadline,
            rep_channel=rep_channel,
            rep_thread_ts=rep_thread,
            status=str(RequestStatus.OPEN),
            created_at=datetime.now(UTC),
            closes_gap=False,
        )
        session.add(row)
        session.flush()
        return _facts(session, row)


def record_post(services: Services, request_id: int, *, channel: str, ts: str) -> None:
    with transaction(services.sessions) as session:
        row = _get(session, request_id)
        row.channel, row.ts = channel, ts


def request_facts(services: Services, request_id: int) -> RequestFacts:
    with services.sessions() as session:
        return _facts(session, _get(session, request_id))


def take_request(services: Services, request_id: int, *, marketer: str) -> Step:
    """ "I'll take it": the first marketer to click owns the request."""
    with transaction(services.sessions) as session:
        row = _get(session, request_id, for_update=True)
        if row.status == RequestStatus.DONE:
            raise RequestError(N_("request #%(id)s is already done"), id=row.id)
        if row.taker and row.taker != marketer:
            raise RequestError(
                N_("<@%(taker)s> already took request #%(id)s"), taker=row.taker, id=row.id
            )
        first = _respond(row)
        now = datetime.now(UTC)
        row.taker, row.taken_at = marketer, row.taken_at or now
        row.status = str(RequestStatus.TAKEN)
        return Step(_facts(session, row), marketer, first_response=first)


def answer_with_asset(
    services: Services, request_id: int, *, marketer: str, asset_id: str, comment: str | None = None
) -> Step:
    """A marketer picked an asset: it reaches the rep as an answer logged with source
    `marketing`, so its clicks count like any other answer's."""
    with transaction(services.sessions) as session:
        row = _get(session, request_id, for_update=True)
        if row.status == RequestStatus.DONE:
            raise RequestError(N_("request #%(id)s is already done"), id=row.id)
        asset = session.get(ContentItem, asset_id)
        if asset is None or not asset.active:
            raise RequestError(N_("there is no asset %(asset)r in the library"), asset=asset_id)
        return _answer_with(session, row, asset, marketer, comment)


def finish_request(services: Services, request_id: int, *, marketer: str) -> Step:
    with transaction(services.sessions) as session:
        row = _get(session, request_id, for_update=True)
        if row.status == RequestStatus.DONE:
            raise RequestError(N_("request #%(id)s is already done"), id=row.id)
        first = _respond(row)
        row.status = str(RequestStatus.DONE)
        row.done_at, row.done_by = datetime.now(UTC), marketer
        row.taker = row.taker or marketer
        row.taken_at = row.taken_at or row.done_at
        return Step(_facts(session, row), marketer, first_response=first)


def reply_in_request_thread(
    services: Services,
    *,
    channel: str,
    thread_ts: str,
    marketer: str,
    text: str,
    event_id: str | None = None,
) -> Step | None:
    """A marketer's reply in a request's thread: an asset's link or id answers with that asset,
    other words are passed on as they are. None when the thread is no request's (or the event
    was already taken up)."""
    try:
        with transaction(services.sessions) as session:
            row = session.scalar(
                select(MarketingRequest).where(
                    MarketingRequest.channel == channel, MarketingRequest.ts == thread_ts
                )
            )
            if row is None or marketer == row.rep:
                return None
            if event_id:
                session.add(SlackEventClaim(event_id=event_id))
            found = suggested_asset(session, text)
            if found is not None and found[0].active:
                asset, comment = found
                return _answer_with(session, row, asset, marketer, comment)
            words = clean_text(_unescape(text)).strip()[:REPLY_CHARS]
            if not words:
                return None
            first = _respond(row)
            return Step(_facts(session, row), marketer, text=words, first_response=first)
    except IntegrityError:
        log.info("request reply %s already taken up; redelivery ignored", event_id)
        return None


def is_request_thread(services: Services, channel: str, thread_ts: str) -> bool:
    with services.sessions() as session:
        found = session.scalar(
            select(MarketingRequest.id).where(
                MarketingRequest.channel == channel, MarketingRequest.ts == thread_ts
            )
        )
        return found is not None


def due_reminders(
    services: Services, *, after_hours: float, now: datetime | None = None
) -> list[RequestFacts]:
    """Open requests nobody answered within `after_hours` working hours, each marked as
    reminded (so it is re-announced once)."""
    now = now or datetime.now(UTC)
    due: list[RequestFacts] = []
    with transaction(services.sessions) as session:
        rows = session.scalars(
            select(MarketingRequest).where(
                MarketingRequest.status == str(RequestStatus.OPEN),
                MarketingRequest.first_response_at.is_(None),
                MarketingRequest.reminded_at.is_(None),
                MarketingRequest.ts.is_not(None),
            )
        )
        for row in rows:
            if working_hours_between(_aware(row.created_at), now) >= after_hours:
                row.reminded_at = now
                due.append(_facts(session, row))
    return due


def open_requests(
    services: Services, *, limit: int = 15, days: int = 30
) -> tuple[list[RequestFacts], RequestSummary]:
    """The requests not yet done (oldest first), and the last `days` days' summary."""
    with services.sessions() as session:
        rows = session.scalars(
            select(MarketingRequest)
            .where(MarketingRequest.status != str(RequestStatus.DONE))
            .order_by(MarketingRequest.created_at, MarketingRequest.id)
            .limit(limit)
        )
        found = [_facts(session, row) for row in rows]
        since = datetime.now(UTC) - timedelta(days=days)
        return found, request_summary(session, since=since)


def asset_options(
    services: Services, query: str, *, limit: int = OPTION_LIMIT
) -> list[tuple[str, str]]:
    """(asset id, title) for a type-ahead: titles containing the words typed, starts first, then
    what the index finds for them. Reads the loaded index's asset table, not the database."""
    searcher = services.searcher()
    words = query.casefold().split()
    if not words:
        return []
    found: list[tuple[int, str, str]] = []
    for asset_id, meta in searcher.assets.items():
        title = meta.title.casefold()
        haystack = f"{title} {asset_id.casefold()}"
        if all(word in haystack for word in words):
            found.append((0 if title.startswith(words[0]) else 1, meta.title, asset_id))
    found.sort()
    options = [(asset_id, title) for _, title, asset_id in found[:limit]]
    if len(options) < limit and len(query.strip()) >= 3:
        seen = {asset_id for asset_id, _ in options}
        for ranked in searcher.search(query, stage=None, k=limit):
            if ranked.asset_id not in seen:
                options.append((ranked.asset_id, searcher.assets[ranked.asset_id].title))
                seen.add(ranked.asset_id)
    return options[:limit]


def working_hours_between(start: datetime, end: datetime) -> float:
    """Hours between `start` and `end` that fall on a weekday between WORK_START_HOUR and
    WORK_END_HOUR (UTC)."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        if day.weekday() < 5:
            opens = day + timedelta(hours=WORK_START_HOUR)
            closes = day + timedelta(hours=WORK_END_HOUR)
            overlap = min(closes, end) - max(opens, start)
            total += max(0.0, overlap.total_seconds() / 3600)
        day += timedelta(days=1)
    return total


def _answer_with(
    session: Session, row: MarketingRequest, asset: ContentItem, marketer: str, comment: str | None
) -> Step:
    first = _respond(row)
    stages = tuple(Stage(s) for s in asset.stages if s in {str(x) for x in Stage})
    stage = Stage(row.stage) if row.stage else None
    reason = Phrase(N_("picked by marketing for “%(need)s”"), {"need": row.need[:120]})
    answer_row = record_recommendation(
        session,
        NewRecommendation(
            question=row.need,
            source=SOURCE,
            asker=row.rep,
            channel_id=row.rep_channel,
            thread_ts=row.rep_thread_ts,
            prospect=row.prospect,
            stage=row.stage,
            stage_source=str(StageSource.STATED if stage else StageSource.UNKNOWN),
            stage_confidence=1.0 if stage else 0.0,
            top_score=1.0,
            weak=False,
            latency_ms=0.0,
            items=[LoggedItem(asset.id, 1, 1.0, str(reason))],
        ),
    )
    row.asset_id, row.answer_id = asset.id, answer_row.id
    row.taker = row.taker or marketer
    row.taken_at = row.taken_at or datetime.now(UTC)
    if row.status == RequestStatus.OPEN:
        row.status = str(RequestStatus.TAKEN)
    if _aware(asset.first_seen_at) > _aware(row.created_at):
        row.closes_gap = True  # made for this request: the question is no longer a gap
    decision = (
        StageDecision(stage, StageSource.STATED, 1.0)
        if stage
        else StageDecision(None, StageSource.UNKNOWN, 0.0)
    )
    answer = Answer(
        recommendation_id=answer_row.id,
        question=row.need,
        prospect=row.prospect,
        stage=decision,
        items=(
            AnswerItem(
                asset_id=asset.id,
                title=asset.title,
                url=asset.url,
                type=asset.type,
                stages=stages,
                score=1.0,
                reason=comment or reason,
                rank=1,
                internal=asset.internal,
            ),
        ),
        weak=False,
        latency_ms=0.0,
    )
    return Step(_facts(session, row), marketer, answer=answer, text=comment, first_response=first)


def _respond(row: MarketingRequest) -> bool:
    """Stamp the first response; whether this was it."""
    if row.first_response_at is not None:
        return False
    row.first_response_at = datetime.now(UTC)
    return True


def _get(session: Session, request_id: int, *, for_update: bool = False) -> MarketingRequest:
    query = select(MarketingRequest).where(MarketingRequest.id == request_id)
    if for_update:
        query = query.with_for_update()  # two marketers clicking at once: one waits
    row = session.scalar(query)
    if row is None:
        raise RequestError(N_("there is no request #%(id)s"), id=request_id)
    return row


def _facts(session: Session, row: MarketingRequest) -> RequestFacts:
    asset = session.get(ContentItem, row.asset_id) if row.asset_id else None
    return RequestFacts(
        id=row.id,
        rep=row.rep,
        need=row.need,
        prospect=row.prospect,
        stage=row.stage,
        deadline=row.deadline,
        status=RequestStatus(row.status),
        taker=row.taker,
        done_by=row.done_by,
        channel=row.channel,
        ts=row.ts,
        rep_channel=row.rep_channel,
        rep_thread_ts=row.rep_thread_ts,
        asset=(
            {"id": asset.id, "title": asset.title, "url": asset.url, "type": asset.type}
            | ({"internal": True} if asset.internal else {})
            if asset
            else None
        ),
    )


def _unescape(text: str) -> str:
    text = re.sub(r"<(https?://[^|>]+)\|([^>]*)>", r"\2 (\1)", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
