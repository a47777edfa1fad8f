"""Reindex runs are atomic, one at a time, survive being killed, and reach every replica."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from benchmarks.synthetic import write_library
from bot.cli import app as cli_app
from bot.recommend import Question, recommend
from bot.reindex import LEASE_NAME, ReindexBusy, mark_abandoned_runs, reindex, running
from bot.services import Services
from bot.settings import Settings
from content_store.leases import acquire
from content_store.models import IndexRun
from index.embedder import Embedder
from tests.conftest import SampleTemplate, start_ingested


def _runs(services: Services) -> list[IndexRun]:
    with services.sessions() as session:
        return list(session.scalars(select(IndexRun).order_by(IndexRun.id)))


def test_questions_during_a_reindex_are_answered_from_one_complete_version(
    ingested: Services, library: Path
) -> None:
    write_library(library / "synthetic", 120)
    old_assets = set(ingested.searcher().assets)
    old_version = ingested.searcher().version
    answers = []
    errors: list[BaseException] = []
    done = threading.Event()

    def ask_until_done() -> None:
        while not done.is_set():
            try:
                answers.append(recommend(ingested, Question(text="demand forecasting for retail")))
            except BaseException as error:
                errors.append(error)

    asker = threading.Thread(target=ask_until_done)
    asker.start()
    try:
        report = reindex(ingested, library, started_by="test", trigger="test")
    finally:
        done.set()
        asker.join()
    for _ in range(3):  # and a few after the swap
        answers.append(recommend(ingested, Question(text="demand forecasting for retail")))

    assert errors == []
    assert report.counts["added"] == 120
    with ingested.sessions() as session:
        from content_store.models import Recommendation

        versions = {r.id: r.index_version for r in session.scalars(select(Recommendation))}
    before = [a for a in answers if versions[a.recommendation_id] == old_version]
    after = [a for a in answers if versions[a.recommendation_id] == report.index_version]
    assert before and after
    assert len(before) + len(after) == len(answers)
    assert all({i.asset_id for i in a.items} <= old_assets for a in before)
    assert any(i.asset_id.startswith("syn-") for a in after for i in a.items)


def test_a_second_run_is_refused_while_the_lease_is_held(ingested: Services, library: Path) -> None:
    from datetime import timedelta

    acquire(
        ingested.sessions, LEASE_NAME, "elsewhere:1:x", ttl=timedelta(minutes=1), started_by="U7"
    )

    with pytest.raises(ReindexBusy, match="started by U7"):
        reindex(ingested, library, started_by="U1", trigger="test")
    assert len(_runs(ingested)) == 1


def test_a_killed_run_leaves_the_old_index_serving_and_is_marked_failed(
    settings: Settings, embedder: Embedder, sample_template: SampleTemplate, tmp_path: Path
) -> None:
    services = start_ingested(settings, embedder, sample_template)
    old_assets = set(services.searcher().assets)
    library = tmp_path / "big"
    write_library(library, 400)
    env = {
        **os.environ,
        "FUNNELBOT_HOME": str(settings.home),
        "FUNNELBOT_DATABASE_URL": settings.database_url,
        "FUNNELBOT_CONTENT_DIR": str(library),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "reindex"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not any(r.status == "running" for r in _runs(services)):
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(1.0)  # well into embedding
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    assert _runs(services)[-1].status == "running"
    assert running(services) is None  # its holder's pid is gone: the lease is dead
    assert mark_abandoned_runs(services) == 1
    last = _runs(services)[-1]
    assert last.status == "failed"
    assert "stopped before it finished" in (last.error or "")
    assert set(services.reload().assets) == old_assets
    assert recommend(services, Question(text="SOC 2 report")).items
    services.close()


def test_a_reindex_in_one_process_is_served_by_another(
    settings: Settings, embedder: Embedder, sample_template: SampleTemplate, library: Path
) -> None:
    first = start_ingested(settings, embedder, sample_template)
    second = Services(
        Settings(home=settings.home.parent / "replica", database_url=settings.database_url),
        embedder=embedder,
    )
    assert "cs-mercy" not in second.searcher().assets
    (library / "mercy.md").write_text(
        "---\nid: cs-mercy\ntitle: Mercy Health ROI\nstage: decision\n---\nHospital ROI.\n",
        encoding="utf-8",
    )

    reindex(first, library, started_by="test", trigger="test")

    deadline = time.monotonic() + 10
    while "cs-mercy" not in second.searcher().assets:
        assert time.monotonic() < deadline, "the replica never picked up the new version"
        time.sleep(0.2)
    assert second.searcher().version == first.searcher().version
    first.close()
    second.close()


def test_cli_reindex_needs_a_content_dir_and_respects_the_lease(
    tmp_path: Path, database_url: str, library: Path
) -> None:
    runner = CliRunner()
    env = {"FUNNELBOT_HOME": str(tmp_path / "home"), "FUNNELBOT_DATABASE_URL": database_url}

    missing = runner.invoke(cli_app, ["reindex"], env={**env, "FUNNELBOT_CONTENT_DIR": ""})
    assert missing.exit_code == 2
    assert "FUNNELBOT_CONTENT_DIR" in missing.output

    dry = runner.invoke(
        cli_app, ["reindex", "--dry-run"], env={**env, "FUNNELBOT_CONTENT_DIR": str(library)}
    )
    assert dry.exit_code == 0, dry.output
    assert "Would change: 32 added" in dry.output


def test_a_run_that_fails_part_way_is_recorded_and_the_old_index_keeps_serving(
    ingested: Services, library: Path
) -> None:
    from bot.ingest import IngestProgress

    write_library(library / "synthetic", 20)
    old_assets = set(ingested.searcher().assets)

    def disk_full(_done: int) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        reindex(
            ingested,
            library,
            started_by="U1",
            trigger="test",
            progress=IngestProgress(on_embedded=disk_full),
        )

    last = _runs(ingested)[-1]
    assert last.status == "failed"
    assert "No space left on device" in (last.error or "")
    assert set(ingested.searcher().assets) == old_assets
    assert set(ingested.reload().assets) == old_assets  # nothing half-written in the database
    assert running(ingested) is None  # the lease was given back


def test_a_scheduled_slot_runs_once_across_replicas(ingested: Services) -> None:
    from datetime import UTC, datetime

    from bot.schedule import CronJob, Scheduler

    ran: list[str] = []
    slot = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
    first = Scheduler(ingested, [])
    second = Scheduler(ingested, [])

    results = [
        first.run_slot(CronJob("digest", "0 9 * * MON", lambda: ran.append("first")), slot),
        second.run_slot(CronJob("digest", "0 9 * * MON", lambda: ran.append("second")), slot),
    ]

    assert results == [True, False]
    assert ran == ["first"]
