"""The outbox: messages for Slack, queued in the writer's transaction and claimed by workers.

Delivery is at least once. A worker claims a message (a conditional UPDATE, so two workers on
one database never hold the same message), posts it, and records the post's ts. A worker that
dies between Slack accepting a post and `mark_sent` committing leaves the message "sending"; once
its claim expires another worker posts it again. That window is one HTTP response plus one small
commit; everything else is exactly once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from content_store.models import MarketingThread, OutboxKind, OutboxMessage, OutboxStatus

CLAIM_BATCH = 20
# What the Slack worker delivers; other kinds (CRM notes) have workers of their own.
SLACK_KINDS = (OutboxKind.POST, OutboxKind.REPLY, OutboxKind.DIRECT)
ERROR_CHARS = 500


@dataclass(frozen=True)
class ClaimedMessage:
    id: int
    channel: str
    kind: OutboxKind
    recommendation_id: int | None
    payload: dict[str, Any]
    thread_ts: str | None  # for a reply: the ts of its recommendation's post
    attempts: int  # including this one


def enqueue(
    session: Session,
    *,
    channel: str,
    kind: OutboxKind,
    payload: dict[str, Any],
    recommendation_id: int | None = None,
) -> OutboxMessage:
    """Add a message to the caller's transaction: it is queued if, and only if, that commits."""
    row = OutboxMessage(
        channel=channel,
        kind=str(kind),
        payload=payload,
        recommendation_id=recommendation_id,
        status=str(OutboxStatus.PENDING),
        attempts=0,
        next_attempt_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def thread_post(session: Session, recommendation_id: int) -> OutboxMessage | None:
    """The queued (or sent) top-level post of a recommendation, if one was ever queued."""
    return session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.recommendation_id == recommendation_id,
            OutboxMessage.kind == str(OutboxKind.POST),
        )
        .order_by(OutboxMessage.id)
        .limit(1)
    )


def thread_at(session: Session, channel: str, ts: str) -> MarketingThread | None:
    """The answer whose post is the message `ts` in `channel`."""
    return session.scalar(
        select(MarketingThread).where(MarketingThread.channel == channel, MarketingThread.ts == ts)
    )


def claim_next(
    sessions: sessionmaker[Session],
    worker: str,
    *,
    ttl: timedelta,
    skip_channels: Collection[str] = (),
    now: datetime | None = None,
    kinds: Collection[OutboxKind] = SLACK_KINDS,
) -> ClaimedMessage | None:
    """Claim the oldest deliverable message for `worker`, or None if nothing is deliverable.

    Deliverable: due (or its claim expired), no earlier message of the same recommendation and
    channel still waiting, and, for a reply, its thread's post already has a ts.
    """
    now = now or datetime.now(UTC)
    earlier = aliased(OutboxMessage)
    pending, sending = str(OutboxStatus.PENDING), str(OutboxStatus.SENDING)
    due = or_(
        and_(OutboxMessage.status == pending, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == sending, OutboxMessage.claimed_until < now),
    )
    blocked = exists().where(
        earlier.recommendation_id == OutboxMessage.recommendation_id,
        earlier.channel == OutboxMessage.channel,
        earlier.id < OutboxMessage.id,
        earlier.status.in_((pending, sending)),
    )
    query = (
        select(OutboxMessage.id, MarketingThread.ts)
        .outerjoin(
            MarketingThread,
            and_(
                MarketingThread.recommendation_id == OutboxMessage.recommendation_id,
                MarketingThread.channel == OutboxMessage.channel,
            ),
        )
        .where(
            due,
            ~blocked,
            OutboxMessage.kind.in_([str(kind) for kind in kinds]),
            or_(OutboxMessage.kind != str(OutboxKind.REPLY), MarketingThread.ts.is_not(None)),
        )
        .order_by(OutboxMessage.id)
        .limit(CLAIM_BATCH)
    )
    if skip_channels:
        query = query.where(OutboxMessage.channel.not_in(list(skip_channels)))
    with sessions() as session:
        candidates = list(session.execute(query).tuples())
    for message_id, thread_ts in candidates:
        with sessions() as session, session.begin():
            # Only one worker's UPDATE can match: the loser sees the new status and moves on.
            taken = _rowcount(
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, due)
                    .values(
                        status=str(OutboxStatus.SENDING),
                        claimed_by=worker,
                        claimed_until=now + ttl,
                        attempts=OutboxMessage.attempts + 1,
                    )
                )
            )
            if not taken:
                continue
            row = session.get_one(OutboxMessage, message_id)
            return ClaimedMessage(
                id=row.id,
                channel=row.channel,
                kind=OutboxKind(row.kind),
                recommendation_id=row.recommendation_id,
                payload=dict(row.payload),
                thread_ts=thread_ts if row.kind == OutboxKind.REPLY else None,
                attempts=row.attempts,
            )
    return None


def mark_sent(
    sessions: sessionmaker[Session], message: ClaimedMessage, worker: str, ts: str
) -> bool:
    """Record that Slack took the message (and, for a post, where its thread is).

    False if this worker no longer held the claim: another worker took it over after it expired.
    """
    with sessions() as session, session.begin():
        held = _update_held(
            session,
            message,
            worker,
            status=str(OutboxStatus.SENT),
            sent_ts=ts,
            sent_at=datetime.now(UTC),
            claimed_until=None,
            last_error=None,
        )
        if (
            held
            and message.kind is OutboxKind.POST
            and message.recommendation_id is not None
            and session.get(MarketingThread, message.recommendation_id) is None
        ):
            session.add(
                MarketingThread(
                    recommendation_id=message.recommendation_id, channel=message.channel, ts=ts
                )
            )
        return bool(held)


def mark_retry(
    sessions: sessionmaker[Session],
    message: ClaimedMessage,
    worker: str,
    *,
    delay: timedelta,
    error: str,
) -> bool:
    """Put the message back in the queue, due again after `delay`."""
    with sessions() as session, session.begin():
        return _update_held(
            session,
            message,
            worker,
            status=str(OutboxStatus.PENDING),
            next_attempt_at=datetime.now(UTC) + delay,
            claimed_until=None,
            last_error=error[:ERROR_CHARS],
        )


def mark_failed(
    sessions: sessionmaker[Session], message: ClaimedMessage, worker: str, *, error: str
) -> bool:
    """Give up on the message; a failed post takes its waiting replies along (no thread)."""
    with sessions() as session, session.begin():
        held = _update_held(
            session,
            message,
            worker,
            status=str(OutboxStatus.FAILED),
            claimed_until=None,
            last_error=error[:ERROR_CHARS],
        )
        if held and message.kind is OutboxKind.POST and message.recommendation_id is not None:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.recommendation_id == message.recommendation_id,
                    OutboxMessage.channel == message.channel,
                    OutboxMessage.kind == str(OutboxKind.REPLY),
                    OutboxMessage.status == str(OutboxStatus.PENDING),
                )
                .values(status=str(OutboxStatus.FAILED), last_error="its thread's post failed")
            )
        return bool(held)


def _update_held(session: Session, message: ClaimedMessage, worker: str, **values: Any) -> bool:
    """Update the message only while this worker still holds its claim; whether it did."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == str(OutboxStatus.SENDING),
            OutboxMessage.claimed_by == worker,
        )
        .values(**values)
    )
    return bool(_rowcount(result))


def _rowcount(result: Any) -> int:
    # An UPDATE's result is a CursorResult; the generic Result type does not say so.
    return int(cast("CursorResult[Any]", result).rowcount)
