"""Answers given while the log is away: spooled, replayed once with their marketing posts, and
clickable all along through their provisional ids."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.answer import StageSource
from bot.answer_database import AnswerDatabase, DatabaseUnavailable
from bot.cli import app
from bot.feedback import give_feedback
from bot.logged_answer import load_answer
from bot.recommend import Question, recommend
from bot.services import Services
from bot.settings import Settings
from bot.spool import SpoolFlusher, flush_spool
from content_store.db import transaction
from content_store.log import get_recommendation
from content_store.models import FeedbackKind, OutboxKind, OutboxMessage, Recommendation
from content_store.prospects import set_prospect_stage
from content_store.stage import Stage
from index.embedder import Embedder
from tests.conftest import SampleTemplate, start_ingested

CHANNEL = "CMKT"


@pytest.fixture
def bot(
    tmp_path: Path, database_url: str, embedder: Embedder, sample_template: SampleTemplate
) -> Iterator[Services]:
    """The sample library, with a marketing channel that hears of every Slack answer."""
    settings = Settings(
        home=tmp_path / "home", database_url=database_url, marketing_channel=CHANNEL
    )
    services = start_ingested(settings, embedder, sample_template)
    yield services
    services.close()


def database_goes_away(services: Services) -> None:
    # What the answer path does after a call failed: leave the database alone for a while.
    services.answer_db.failed("test", "the database went away")


def ask(services: Services, text: str) -> int:
    answer = recommend(services, Question(text=text, source="slash", asker="U1"))
    return answer.recommendation_id


def test_an_answer_the_log_cannot_take_goes_out_with_a_provisional_id_and_is_spooled(
    bot: Services,
) -> None:
    database_goes_away(bot)

    answer = recommend(bot, Question(text="prospect asked for our SOC 2 report", asker="U1"))

    assert answer.recommendation_id < 0
    assert answer.items and answer.items[0].asset_id == "sec-security-whitepaper"
    [spooled] = bot.spool.pending()
    assert spooled.provisional_id == answer.recommendation_id
    assert [i.item_id for i in spooled.items] == [i.asset_id for i in answer.items]
    with bot.sessions() as session:
        assert session.scalars(select(Recommendation)).first() is None


def test_replay_logs_each_spooled_answer_once_with_its_marketing_post(bot: Services) -> None:
    database_goes_away(bot)
    ids = [ask(bot, q) for q in ("SOC 2 report", "pricing for 40 stores", "why not Excel?")]

    first = flush_spool(bot)
    again = flush_spool(bot)

    assert (first.written, again.written, again.duplicates) == (3, 0, 0)
    with bot.sessions() as session:
        rows = list(session.scalars(select(Recommendation).order_by(Recommendation.id)))
        posts = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.kind == str(OutboxKind.POST)))
        )
    assert [r.provisional_id for r in rows] == ids
    assert [r.question for r in rows] == ["SOC 2 report", "pricing for 40 stores", "why not Excel?"]
    assert sorted(p.recommendation_id or 0 for p in posts) == [r.id for r in rows]
    assert all(p.payload["recommendation_id"] == p.recommendation_id for p in posts)


def test_clicks_on_a_spooled_answer_land_on_its_row_even_before_the_flusher_ran(
    bot: Services,
) -> None:
    database_goes_away(bot)
    answer = recommend(bot, Question(text="prospect asked for our SOC 2 report", asker="U1"))
    bot.answer_db.recovered()  # the database is back; no flusher has run yet

    useful = give_feedback(bot, answer.recommendation_id, FeedbackKind.USEFUL, user="U1")
    sent = give_feedback(
        bot,
        answer.recommendation_id,
        FeedbackKind.SENT,
        user="U1",
        asset_id=answer.items[0].asset_id,
    )
    shown_again = load_answer(bot, answer.recommendation_id)

    with bot.sessions() as session:
        row = get_recommendation(session, answer.recommendation_id)
        assert row is not None and row.id > 0
        assert [(f.kind, f.item_id) for f in row.feedback] == [
            ("useful", None),
            ("sent", answer.items[0].asset_id),
        ]
    assert useful.recommendation_id == sent.recommendation_id == row.id
    assert shown_again is not None and shown_again.recommendation_id == row.id


def test_while_the_database_is_away_a_stored_prospect_stage_gives_way_to_the_wording(
    bot: Services,
) -> None:
    with transaction(bot.sessions) as session:
        set_prospect_stage(session, "Acme Foods", Stage.AWARENESS)
    database_goes_away(bot)

    answer = recommend(bot, Question(text="acme foods is comparing us with Forecastly"))

    assert (answer.stage.stage, answer.stage.source) == (Stage.CONSIDERATION, StageSource.INFERRED)


def test_the_flusher_replays_once_the_database_is_back(bot: Services) -> None:
    database_goes_away(bot)
    provisional = ask(bot, "SOC 2 report")
    flusher = SpoolFlusher(bot, interval_s=0.1)
    flusher.start()
    try:
        deadline = time.monotonic() + 10
        while bot.spool.has_pending() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        flusher.stop()

    with bot.sessions() as session:
        assert get_recommendation(session, provisional) is not None
    assert not bot.answer_db.paused()  # answers write straight to the log again


def test_the_cli_replays_what_an_earlier_run_spooled(bot: Services) -> None:
    database_goes_away(bot)
    ask(bot, "SOC 2 report")
    env = {
        "FUNNELBOT_HOME": str(bot.settings.home),
        "FUNNELBOT_DATABASE_URL": bot.settings.database_url,
    }

    result = CliRunner().invoke(app, ["log", "--json"], env=env)

    assert result.exit_code == 0, result.output
    assert [r["question"] for r in json.loads(result.stdout)] == ["SOC 2 report"]
    assert not bot.spool.has_pending()


def test_a_database_call_past_its_deadline_is_abandoned_and_the_next_ones_skip_it(
    database_url: str,
) -> None:
    # On its own thread, as for PostgreSQL (SQLite runs calls inline: see the next test).
    db = AnswerDatabase(database_url, timeout_s=0.3, hold_s=60, inline=False)

    def stuck(_sessions: sessionmaker[Session]) -> None:
        time.sleep(3)  # a server that stopped replying without closing the connection

    try:
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match=r"no reply within 0\.3 s"):
            db.run("a stuck call", stuck)
        with pytest.raises(DatabaseUnavailable, match="skipped"):
            db.run("the next call", lambda sessions: 1)
        assert time.monotonic() - started < 1.0
        db.recovered()
        assert db.run("after recovery", lambda sessions: 42) == 42
    finally:
        db.close()


def test_sqlite_calls_run_on_the_callers_thread_and_postgres_calls_on_their_own(
    database_url: str,
) -> None:
    db = AnswerDatabase(database_url, timeout_s=1.0)
    try:
        ran_on = db.run("which thread", lambda sessions: threading.current_thread())
        sqlite = database_url.startswith("sqlite")
        assert db.inline is sqlite
        assert (ran_on is threading.current_thread()) is sqlite
    finally:
        db.close()


def test_sqlite_writers_of_one_process_take_turns(database_url: str) -> None:
    """Queued on a lock, not on SQLite's busy handler (which sleeps 1, 2, 5... ms per retry)."""
    db = AnswerDatabase(database_url, timeout_s=5.0)
    inside = 0
    most_inside = 0
    guard = threading.Lock()

    def write(_sessions: sessionmaker[Session]) -> None:
        nonlocal inside, most_inside
        with guard:
            inside += 1
            most_inside = max(most_inside, inside)
        time.sleep(0.05)
        with guard:
            inside -= 1

    try:
        threads = [
            threading.Thread(target=db.run, args=("a write", write), kwargs={"writes": True})
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # PostgreSQL takes concurrent writers itself; SQLite's are lined up by the process.
        assert most_inside == 1 if db.inline else most_inside > 1
    finally:
        db.close()
