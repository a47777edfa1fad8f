"""The outbox queues with its transaction, keeps threads in order, gives a message one worker."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from content_store.db import make_engine, make_session_factory, transaction, upgrade
from content_store.models import (
    MarketingThread,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Recommendation,
)
from content_store.outbox import claim_next, enqueue, mark_failed, mark_retry, mark_sent

CHANNEL = "CMKT"
TTL = timedelta(seconds=60)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield make_session_factory(engine)
    engine.dispose()


def answer(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as session:
        row = Recommendation(question="q", source="slash", stage_source="unknown")
        session.add(row)
        session.flush()
        return row.id


def queue(
    sessions: sessionmaker[Session], rec: int | None, kind: OutboxKind, n: int = 0, **kw: str
) -> int:
    with transaction(sessions) as session:
        channel = kw.get("channel", CHANNEL)
        payload = {"note": "test", "n": n}
        return enqueue(
            session, channel=channel, kind=kind, payload=payload, recommendation_id=rec
        ).id


def statuses(sessions: sessionmaker[Session]) -> dict[int, str]:
    with sessions() as session:
        return {m.id: m.status for m in session.scalars(select(OutboxMessage))}


def test_a_message_is_queued_only_if_its_transaction_commits(
    sessions: sessionmaker[Session],
) -> None:
    rec = answer(sessions)
    with pytest.raises(RuntimeError), transaction(sessions) as session:
        enqueue(session, channel=CHANNEL, kind=OutboxKind.POST, payload={}, recommendation_id=rec)
        raise RuntimeError("the log write failed")

    assert statuses(sessions) == {}
    assert claim_next(sessions, "w", ttl=TTL) is None


def test_replies_wait_for_their_post_and_go_out_in_order(sessions: sessionmaker[Session]) -> None:
    a, b = answer(sessions), answer(sessions)
    post_a = queue(sessions, a, OutboxKind.POST)
    reply_a1 = queue(sessions, a, OutboxKind.REPLY, 1)
    reply_a2 = queue(sessions, a, OutboxKind.REPLY, 2)
    post_b = queue(sessions, b, OutboxKind.POST)

    first = claim_next(sessions, "w", ttl=TTL)
    assert first is not None and first.id == post_a
    # A's replies wait for A's post; B's post does not.
    second = claim_next(sessions, "w", ttl=TTL)
    assert second is not None and second.id == post_b
    assert claim_next(sessions, "w", ttl=TTL) is None

    assert mark_sent(sessions, first, "w", "100.1")
    reply = claim_next(sessions, "w", ttl=TTL)
    assert reply is not None and (reply.id, reply.thread_ts) == (reply_a1, "100.1")
    assert claim_next(sessions, "w", ttl=TTL) is None  # a2 waits for a1

    # A retried reply keeps its place: a2 still waits.
    assert mark_retry(sessions, reply, "w", delay=timedelta(0), error="429")
    again = claim_next(sessions, "w", ttl=TTL)
    assert again is not None and (again.id, again.attempts) == (reply_a1, 2)
    assert mark_sent(sessions, again, "w", "100.2")
    last = claim_next(sessions, "w", ttl=TTL)
    assert last is not None and (last.id, last.thread_ts) == (reply_a2, "100.1")
    with sessions() as session:
        thread = session.get_one(MarketingThread, a)
        assert (thread.channel, thread.ts) == (CHANNEL, "100.1")


def test_a_retry_is_not_due_before_its_back_off(sessions: sessionmaker[Session]) -> None:
    message_id = queue(sessions, answer(sessions), OutboxKind.POST)
    claimed = claim_next(sessions, "w", ttl=TTL)
    assert claimed is not None
    mark_retry(sessions, claimed, "w", delay=timedelta(seconds=30), error="ratelimited")

    with sessions() as session:
        row = session.get_one(OutboxMessage, message_id)
        assert (row.status, row.last_error) == (OutboxStatus.PENDING, "ratelimited")
    assert claim_next(sessions, "w", ttl=TTL) is None
    later = datetime.now(UTC) + timedelta(seconds=31)
    retried = claim_next(sessions, "w", ttl=TTL, now=later)
    assert retried is not None and retried.id == message_id


def test_a_claim_left_by_a_dead_worker_is_taken_over_once_it_expires(
    sessions: sessionmaker[Session],
) -> None:
    message_id = queue(sessions, answer(sessions), OutboxKind.POST)
    dead = claim_next(sessions, "dead", ttl=timedelta(seconds=5))
    assert dead is not None

    assert claim_next(sessions, "alive", ttl=TTL) is None  # still held
    later = datetime.now(UTC) + timedelta(seconds=6)
    taken = claim_next(sessions, "alive", ttl=TTL, now=later)
    assert taken is not None and (taken.id, taken.attempts) == (message_id, 2)

    # The dead worker's late report does not count; the live one's does.
    assert not mark_sent(sessions, dead, "dead", "1.1")
    assert mark_sent(sessions, taken, "alive", "1.2")
    assert statuses(sessions) == {message_id: OutboxStatus.SENT}


def test_a_failed_post_fails_its_waiting_replies(sessions: sessionmaker[Session]) -> None:
    rec = answer(sessions)
    queue(sessions, rec, OutboxKind.POST)
    queue(sessions, rec, OutboxKind.REPLY)
    other = queue(sessions, answer(sessions), OutboxKind.POST)
    post = claim_next(sessions, "w", ttl=TTL)
    assert post is not None

    assert mark_failed(sessions, post, "w", error="channel_not_found")

    assert list(statuses(sessions).values()).count(OutboxStatus.FAILED) == 2
    nxt = claim_next(sessions, "w", ttl=TTL)
    assert nxt is not None and nxt.id == other


def test_a_paused_channel_is_skipped(sessions: sessionmaker[Session]) -> None:
    queue(sessions, answer(sessions), OutboxKind.POST)
    direct = queue(sessions, answer(sessions), OutboxKind.DIRECT, channel="U1")

    claimed = claim_next(sessions, "w", ttl=TTL, skip_channels={CHANNEL})

    assert claimed is not None and (claimed.id, claimed.channel) == (direct, "U1")


def test_two_workers_never_hold_the_same_message(database_url: str) -> None:
    setup = make_engine(database_url)
    upgrade(setup)
    sessions = make_session_factory(setup)
    queued = {queue(sessions, answer(sessions), OutboxKind.POST) for _ in range(30)}
    # Two engines: two processes' connection pools on one database.
    engines = [make_engine(database_url) for _ in range(2)]
    delivered: dict[str, list[int]] = {"w0": [], "w1": []}
    problems: list[str] = []

    def work(name: str, factory: sessionmaker[Session]) -> None:
        try:
            while (message := claim_next(factory, name, ttl=TTL)) is not None:
                delivered[name].append(message.id)
                if not mark_sent(factory, message, name, f"{message.id}.0"):
                    problems.append(f"{name} lost message {message.id}")
        except Exception as error:  # surfaced below: a thread's exception would be swallowed
            problems.append(f"{name}: {error!r}")

    threads = [
        threading.Thread(target=work, args=(f"w{i}", make_session_factory(engine)))
        for i, engine in enumerate(engines)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for engine in [*engines, setup]:
        engine.dispose()

    assert problems == []
    assert sorted(delivered["w0"] + delivered["w1"]) == sorted(queued)
    assert not set(delivered["w0"]) & set(delivered["w1"])


def test_only_a_reply_goes_into_the_thread(sessions: sessionmaker[Session]) -> None:
    rec = answer(sessions)
    queue(sessions, rec, OutboxKind.POST)
    post = claim_next(sessions, "w", ttl=TTL)
    assert post is not None and post.thread_ts is None
    mark_sent(sessions, post, "w", "5.5")
    direct = queue(sessions, rec, OutboxKind.DIRECT, channel="U1")

    claimed = claim_next(sessions, "w", ttl=TTL)

    assert claimed is not None and (claimed.id, claimed.thread_ts) == (direct, None)
