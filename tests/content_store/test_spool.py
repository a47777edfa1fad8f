"""The spool keeps answers the log could not take, and replays each into the log once, in order."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from content_store.db import make_engine, make_session_factory, transaction, upgrade
from content_store.log import LoggedItem, NewRecommendation, record_recommendation
from content_store.models import ContentItem, Recommendation
from content_store.spool import REJECTED_FILE, SPOOL_FILE, Spool, new_provisional_id

ASSET = "soc2-report"


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        session.add(
            ContentItem(
                id=ASSET, title="SOC 2 report", type="report", source="x.md", content_hash="h"
            )
        )
    yield factory
    engine.dispose()


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "spool")


def entry(question: str, *, request_key: str | None = None, item: str = ASSET) -> NewRecommendation:
    return NewRecommendation(
        question=question,
        source="slash",
        asker="U1",
        stage="decision",
        stage_source="inferred",
        stage_confidence=0.7,
        top_score=0.61,
        weak=False,
        latency_ms=42.0,
        request_key=request_key,
        items=[LoggedItem(item, 1, 0.61, "matches “SOC 2”")],
        provisional_id=new_provisional_id(),
        created_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
    )


def logged(sessions: sessionmaker[Session]) -> list[Recommendation]:
    with sessions() as session:
        return list(session.scalars(select(Recommendation).order_by(Recommendation.id)))


def test_spooled_answers_are_written_in_order_with_their_items_ids_and_times(
    spool: Spool, sessions: sessionmaker[Session]
) -> None:
    first = entry("SOC 2 report for Acme?")
    spooled = [
        first,
        replace(entry("pricing sheet?"), created_at=first.created_at + timedelta(seconds=1)),
        replace(entry("a case study?"), created_at=first.created_at + timedelta(seconds=2)),
    ]
    for e in spooled:
        spool.append(e)
    assert spool.has_pending()
    assert [e.question for e in spool.pending()] == [e.question for e in spooled]

    report = spool.replay(sessions)

    assert (report.written, report.duplicates, report.torn, report.stopped) == (3, 0, 0, False)
    rows = logged(sessions)
    assert [r.question for r in rows] == [e.question for e in spooled]
    assert [r.provisional_id for r in rows] == [e.provisional_id for e in spooled]
    assert [r.created_at.replace(tzinfo=UTC) for r in rows] == [e.created_at for e in spooled]
    with sessions() as session:
        row = session.get_one(Recommendation, rows[0].id)
        assert [(i.item_id, i.rank, i.reason) for i in row.items] == [(ASSET, 1, "matches “SOC 2”")]
    assert not spool.has_pending()
    assert spool.pending() == []


def test_replaying_again_after_a_cut_short_replay_writes_nothing_twice(
    spool: Spool, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    for n in range(4):
        spool.append(entry(f"question {n}"))
    kept = tmp_path / "copy.jsonl"
    shutil.copy(spool.directory / SPOOL_FILE, kept)
    spool.replay(sessions)
    # As if the process died after writing the rows but before removing the file.
    shutil.copy(kept, spool.directory / "replaying-00000000000000000001.jsonl")

    report = spool.replay(sessions)

    assert (report.written, report.duplicates) == (0, 4)
    assert [r.question for r in logged(sessions)] == [f"question {n}" for n in range(4)]
    assert not spool.has_pending()


def test_an_answer_whose_write_reached_the_database_is_not_written_again(
    spool: Spool, sessions: sessionmaker[Session]
) -> None:
    # The commit landed but its reply was lost: the answer path spooled it as well.
    answer = entry("SOC 2 report?")
    with transaction(sessions) as session:
        record_recommendation(session, answer)
    spool.append(answer)

    report = spool.replay(sessions)

    assert (report.written, report.duplicates) == (0, 1)
    assert len(logged(sessions)) == 1


def test_a_slack_event_already_logged_is_not_logged_twice(
    spool: Spool, sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as session:
        record_recommendation(session, entry("SOC 2 report?", request_key="Ev1"))
    spool.append(entry("SOC 2 report?", request_key="Ev1"))
    spool.append(entry("pricing?", request_key="Ev2"))

    report = spool.replay(sessions)

    assert (report.written, report.duplicates) == (1, 1)
    assert sorted(r.request_key or "" for r in logged(sessions)) == ["Ev1", "Ev2"]


def test_a_torn_last_line_is_skipped_and_the_next_answer_starts_a_fresh_line(
    spool: Spool, sessions: sessionmaker[Session]
) -> None:
    spool.append(entry("one"))
    spool.append(entry("two"))
    spool.append(entry("three"))
    path = spool.directory / SPOOL_FILE
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 25])  # the process died while writing "three"
    assert [e.question for e in spool.pending()] == ["one", "two"]

    spool.append(entry("four"))
    report = spool.replay(sessions)

    assert (report.written, report.torn) == (3, 1)
    assert [r.question for r in logged(sessions)] == ["one", "two", "four"]


def test_a_replay_stops_while_the_database_is_away_and_resumes_where_it_left_off(
    spool: Spool, sessions: sessionmaker[Session]
) -> None:
    for n in range(3):
        spool.append(entry(f"question {n}"))
    nowhere = make_engine("postgresql://nobody@127.0.0.1:9/none")  # nothing listens on port 9

    away = spool.replay(make_session_factory(nowhere))
    nowhere.dispose()
    spool.append(entry("question 3"))
    back = spool.replay(sessions)

    assert (away.written, away.stopped) == (0, True)
    assert (back.written, back.duplicates, back.stopped) == (4, 0, False)
    assert [r.question for r in logged(sessions)] == [f"question {n}" for n in range(4)]


def test_a_record_the_database_refuses_is_set_aside_and_the_rest_written(
    spool: Spool, sessions: sessionmaker[Session]
) -> None:
    spool.append(entry("before"))
    spool.append(entry("names an asset the library never had", item="no-such-asset"))
    spool.append(entry("after"))

    report = spool.replay(sessions)

    assert (report.written, report.rejected) == (2, 1)
    assert [r.question for r in logged(sessions)] == ["before", "after"]
    assert b"no-such-asset" in (spool.directory / REJECTED_FILE).read_bytes()
    assert not spool.has_pending()


def test_answers_spooled_during_replays_are_all_written_once(
    spool: Spool, sessions: sessionmaker[Session]
) -> None:
    writers, per_writer = 4, 15

    def write(w: int) -> None:
        for n in range(per_writer):
            spool.append(entry(f"writer {w} question {n}"))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        spool.replay(sessions, wait_seconds=1.0)
    spool.replay(sessions, wait_seconds=1.0)

    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(Recommendation))
        distinct = session.scalar(select(func.count(func.distinct(Recommendation.question))))
    assert (total, distinct) == (writers * per_writer, writers * per_writer)
    for w in range(writers):  # each writer's answers in the order it spooled them
        mine = [r.question for r in logged(sessions) if r.question.startswith(f"writer {w} ")]
        assert mine == [f"writer {w} question {n}" for n in range(per_writer)]
    assert not spool.has_pending()


def test_an_answer_without_a_provisional_id_cannot_be_spooled(spool: Spool) -> None:
    with pytest.raises(ValueError, match="provisional id"):
        spool.append(replace(entry("q"), provisional_id=None))
