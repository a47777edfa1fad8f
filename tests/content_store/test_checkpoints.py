"""SQLite WAL checkpoints move from answers' commits to a background thread."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from content_store.checkpoints import WalCheckpointer
from content_store.db import make_engine, upgrade


def autocheckpoint(url: str, **kwargs: object) -> int:
    engine = make_engine(url, **kwargs)  # type: ignore[arg-type]
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())
    finally:
        engine.dispose()


def test_an_engine_without_checkpoints_leaves_the_wal_to_grow(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    assert autocheckpoint(url) == 1000  # SQLite's default: the committing connection checkpoints
    assert autocheckpoint(url, checkpoints=False) == 0


def test_the_checkpointer_copies_the_wal_into_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url, checkpoints=False)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
        for n in range(300):
            connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": "x" * 1000 + str(n)})
    database, wal = tmp_path / "bot.db", tmp_path / "bot.db-wal"
    before = database.stat().st_size
    assert wal.stat().st_size > 300_000  # the rows are in the WAL, not yet in the database file

    checkpointer = WalCheckpointer(engine, interval_s=0.05)
    checkpointer.start()
    try:
        deadline = time.monotonic() + 5
        while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        checkpointer.stop()
    assert checkpointer.checkpoints >= 1
    assert database.stat().st_size >= before + 300_000  # copied into the database file
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 300
    engine.dispose()


def test_the_checkpointer_is_for_sqlite_only() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")  # never connected
    with pytest.raises(ValueError, match="not SQLite"):
        WalCheckpointer(engine)
