"""The real server under concurrent load, and stopped with SIGTERM while answers are in flight."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.load import run_load
from benchmarks.serving import SECRET, serve_http
from bot.settings import Settings
from content_store.models import Recommendation
from index.embedder import Embedder
from tests.conftest import SampleTemplate, start_ingested
from tests.slack_support import FakeSlack, SlackSender, slash_command


def _ingested_home(
    tmp_path: Path, database_url: str, embedder: Embedder, template: SampleTemplate
) -> Path:
    home = tmp_path / "home"
    start_ingested(Settings(home=home, database_url=database_url), embedder, template).close()
    return home


def test_concurrent_clients_are_all_acknowledged_answered_and_logged_once(
    tmp_path: Path, database_url: str, embedder: Embedder, sample_template: SampleTemplate
) -> None:
    home = _ingested_home(tmp_path, database_url, embedder, sample_template)

    result = run_load(home=home, database_url=database_url, requests=60, seconds=4.0, clients=12)

    assert result.acked == 60
    assert result.ack_max_ms < 3000
    assert result.answered == 60
    assert (result.rows, result.distinct_questions_logged) == (60, 60)


def test_sigterm_finishes_the_answers_already_acknowledged(
    tmp_path: Path, database_url: str, embedder: Embedder, sample_template: SampleTemplate
) -> None:
    home = _ingested_home(tmp_path, database_url, embedder, sample_template)
    with (
        FakeSlack() as fake,
        serve_http(home=home, slack_api_url=fake.base_url, database_url=database_url) as server,
    ):
        sender = SlackSender(server.url + "/slack/events", SECRET)
        statuses: list[int] = []

        def ask(n: int) -> None:
            body = slash_command(
                "/content", f"SOC 2 report #{n}", response_url=fake.response_url(str(n))
            )
            statuses.append(sender.post(*body)[0])

        askers = [threading.Thread(target=ask, args=(n,)) for n in range(12)]
        for t in askers:
            t.start()
        for t in askers:
            t.join()
        server.process.send_signal(signal.SIGTERM)  # right after the acks, answers in flight
        assert server.process.wait(timeout=60) == 0

        assert statuses == [200] * 12
        assert len(fake.calls_to("response_url")) == 12
    settings = Settings(home=home, database_url=database_url)
    from bot.services import Services

    services = Services(settings)
    with services.sessions() as session:
        assert session.scalar(select(func.count(Recommendation.id))) == 12
    services.close()


def test_sigkill_mid_answer_leaves_nothing_half_written(
    tmp_path: Path, database_url: str, embedder: Embedder, sample_template: SampleTemplate
) -> None:
    from sqlalchemy.orm import selectinload

    from bot.services import Services

    home = _ingested_home(tmp_path, database_url, embedder, sample_template)
    with (
        FakeSlack() as fake,
        serve_http(home=home, slack_api_url=fake.base_url, database_url=database_url) as server,
    ):
        sender = SlackSender(server.url + "/slack/events", SECRET)
        askers = [
            threading.Thread(
                target=sender.post,
                args=slash_command(
                    "/content", f"pricing sheet #{n}", response_url=fake.response_url(str(n))
                ),
            )
            for n in range(10)
        ]
        for t in askers:
            t.start()
        for t in askers:
            t.join()
        server.kill_hard()

    # A restart on the same database: every logged answer is whole, with all its items.
    services = Services(Settings(home=home, database_url=database_url))
    with services.sessions() as session:
        rows = session.scalars(
            select(Recommendation).options(selectinload(Recommendation.items))
        ).all()
        assert all(len(r.items) == 5 for r in rows)
        assert len(rows) <= 10
    services.close()
