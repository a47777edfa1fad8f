"""The database goes away (or holds its lock) while questions arrive: every question is still
answered within the answer timeout, and once it is back every answer is logged exactly once.

PostgreSQL outages go through a TCP proxy on loopback, so the shared server is never restarted:
stopping the proxy refuses new connections and cuts the open ones, as a restart does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.recommend import Question, recommend
from bot.services import Services
from bot.settings import Settings
from content_store.models import OutboxKind, OutboxMessage, Recommendation
from index.embedder import Embedder
from tests.conftest import TEST_DATABASE_URL, SampleTemplate, start_ingested
from tests.reliability.db_faults import replayed, writer_holding_the_database
from tests.reliability.tcp_proxy import TcpProxy

CHANNEL = "CMKT"
TIMEOUT_S = 1.0  # FUNNELBOT_DB_TIMEOUT_SECONDS for these tests
# An answer during an outage: the database timeout, plus the search itself on a busy machine.
ANSWER_BUDGET_S = TIMEOUT_S + 1.5
QUESTIONS = [
    "prospect asked for our SOC 2 report",
    "pricing for 40 stores",
    "why not keep using spreadsheets?",
    "a case study for a grocery chain",
    "how do we compare with Forecastly?",
    "ROI calculator for the CFO",
]

needs_postgres = pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="needs PostgreSQL: set FUNNELBOT_TEST_DATABASE_URL=postgresql://…",
)


def ask_all(services: Services, questions: list[str], *, tag: str) -> list[tuple[str, int, float]]:
    """Ask from three threads at once, as concurrent reps do: (question, id, seconds) each."""
    answers: list[tuple[str, int, float]] = []
    failures: list[BaseException] = []

    def ask(n: int, text: str) -> None:
        started = time.monotonic()
        try:
            answer = recommend(
                services,
                Question(
                    text=f"{text} ({tag} {n})",
                    source="mention",
                    asker="U1",
                    request_key=f"Ev-{tag}-{n}" if n % 2 else None,
                ),
            )
        except BaseException as error:
            failures.append(error)
            return
        answers.append((answer.question, answer.recommendation_id, time.monotonic() - started))

    threads = [threading.Thread(target=ask, args=(n, q)) for n, q in enumerate(questions)]
    for start in range(0, len(threads), 3):
        batch = threads[start : start + 3]
        for t in batch:
            t.start()
        for t in batch:
            t.join()
    assert failures == []
    return answers


def logged_once_each(services: Services, questions: list[str]) -> None:
    with services.sessions() as session:
        rows = session.execute(
            select(Recommendation.question, func.count()).group_by(Recommendation.question)
        ).all()
        counts = {question: n for question, n in rows}
        posts = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == str(OutboxKind.POST))
        )
    assert {q: counts.get(q, 0) for q in questions} == dict.fromkeys(questions, 1)
    assert sum(counts.values()) == len(questions)
    assert posts == len(questions)  # marketing hears of each answer once


@pytest.fixture
def proxied(
    tmp_path: Path, database_url: str, embedder: Embedder, sample_template: SampleTemplate
) -> Iterator[tuple[Services, TcpProxy]]:
    """The bot over PostgreSQL reached through a proxy the test can stop and start."""
    real = make_url(database_url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    proxy.start()
    through_proxy = real.set(host="127.0.0.1", port=proxy.port)
    settings = Settings(
        home=tmp_path / "home",
        database_url=through_proxy.render_as_string(hide_password=False),
        marketing_channel=CHANNEL,
        db_timeout_seconds=TIMEOUT_S,
    )
    services = start_ingested(settings, embedder, sample_template)
    services.warm_up()
    try:
        yield services, proxy
    finally:
        services.close()
        proxy.stop()


@needs_postgres
def test_questions_while_postgres_is_down_are_answered_and_each_logged_once_when_it_returns(
    proxied: tuple[Services, TcpProxy],
) -> None:
    services, proxy = proxied
    before = ask_all(services, QUESTIONS[:2], tag="before")

    proxy.stop()  # PostgreSQL goes away: new connections refused, open ones cut
    during = ask_all(services, QUESTIONS, tag="during")
    proxy.start()  # ... and comes back
    replayed(services)
    after = ask_all(services, QUESTIONS[:1], tag="after")

    assert all(rec > 0 for _, rec, _ in before + after)  # logged straight away
    assert all(rec < 0 for _, rec, _ in during)  # spooled, with provisional ids
    slowest = max(seconds for _, _, seconds in during)
    print(f"\nanswer latency while PostgreSQL was down: max {slowest * 1000:.0f} ms")
    assert slowest < ANSWER_BUDGET_S
    logged_once_each(services, [q for q, _, _ in before + during + after])
    with services.sessions() as session:
        provisional = set(
            session.scalars(select(Recommendation.provisional_id).where(Recommendation.id > 0))
        )
    assert {rec for _, rec, _ in during} <= provisional


@needs_postgres
def test_answers_do_not_wait_on_a_postgres_that_stopped_replying(
    proxied: tuple[Services, TcpProxy],
) -> None:
    services, proxy = proxied

    proxy.stall()  # connections stay open, nothing comes back: no server-side limit can fire
    during = ask_all(services, QUESTIONS[:3], tag="stalled")
    proxy.stop()
    proxy.start()
    replayed(services)

    slowest = max(seconds for _, _, seconds in during)
    print(f"\nanswer latency while PostgreSQL did not reply: max {slowest * 1000:.0f} ms")
    assert slowest < ANSWER_BUDGET_S
    assert all(rec < 0 for _, rec, _ in during)
    logged_once_each(services, [q for q, _, _ in during])


@needs_postgres
def test_connections_postgres_dropped_are_replaced_without_failing_an_answer(
    proxied: tuple[Services, TcpProxy], database_url: str
) -> None:
    services, proxy = proxied
    ask_all(services, QUESTIONS[:1], tag="warm")  # the pools now hold connections
    ports = sorted(proxy.upstream_ports())
    assert ports

    with psycopg.connect(database_url, autocommit=True) as admin:
        # As a restart does to them (only this bot's backends: the server is shared).
        terminated = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE client_port = ANY(%s)",
            (ports,),
        ).fetchone()
    assert terminated is not None and terminated[0] >= 1
    after = ask_all(services, QUESTIONS[1:4], tag="after-terminate")

    assert all(rec > 0 for _, rec, _ in after)  # pre-ping found new connections: logged directly
    assert not services.spool.has_pending()
    logged_once_each(services, [q for q, _, _ in after] + [f"{QUESTIONS[0]} (warm 0)"])


def test_answers_do_not_wait_for_a_writer_holding_the_database_and_are_logged_after_it(
    tmp_path: Path, database_url: str, embedder: Embedder, sample_template: SampleTemplate
) -> None:
    settings = Settings(
        home=tmp_path / "home",
        database_url=database_url,
        marketing_channel=CHANNEL,
        db_timeout_seconds=TIMEOUT_S,
    )
    services = start_ingested(settings, embedder, sample_template)
    services.warm_up()
    try:
        with writer_holding_the_database(database_url):
            during = ask_all(services, QUESTIONS, tag="locked")
            assert services.spool.has_pending()
        replayed(services)

        slowest = max(seconds for _, _, seconds in during)
        print(f"\nanswer latency while a writer held the database: max {slowest * 1000:.0f} ms")
        assert slowest < ANSWER_BUDGET_S
        assert all(rec < 0 for _, rec, _ in during)
        logged_once_each(services, [q for q, _, _ in during])
    finally:
        services.close()
