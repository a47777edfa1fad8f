"""The one place that makes engines and sessions, and brings a database's schema up to date."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# libpq's smallest connect timeout: a database that cannot be reached fails within it.
CONNECT_TIMEOUT_SECONDS = 2
# Writers without a deadline (ingest, reindex, feedback) wait this long for SQLite's write lock.
PATIENT_LOCK_SECONDS = 30.0

# The database is down, unreachable or too slow right now (refused, dropped, locked, timed out,
# no pooled connection free): worth waiting out, unlike a bug in a query.
UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError, PoolTimeoutError)


def brief_error(error: Exception) -> str:
    """The driver's first line, for a log: the rest may quote a statement and its parameters."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def make_engine(
    url: str, *, timeout: float | None = None, checkpoints: bool = True, **kwargs: Any
) -> Engine:
    """An engine for the bot: SQLite in WAL mode with foreign keys, or PostgreSQL via psycopg 3.

    `timeout` bounds every wait (a connection, a statement, a lock) for callers that must not
    wait long, such as an answer; without it statements wait as long as they take.
    `checkpoints=False` keeps SQLite's WAL checkpoints (and their fsyncs) out of this engine's
    commits: whoever asks for that runs them elsewhere (see content_store/checkpoints.py).
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # Plain postgresql:// would pick psycopg2, which we do not ship.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        lock_seconds = PATIENT_LOCK_SECONDS if timeout is None else timeout
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": lock_seconds})
        if timeout is not None:
            kwargs.setdefault("pool_timeout", timeout)
        engine = create_engine(url, **kwargs)
        pragmas = partial(
            _sqlite_pragmas, busy_ms=int(lock_seconds * 1000), checkpoints=checkpoints
        )
        event.listen(engine, "connect", pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    connect_args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    if timeout is not None:
        connect_args["connect_timeout"] = max(CONNECT_TIMEOUT_SECONDS, math.ceil(timeout))
        ms = max(1, int(timeout * 1000))
        # The server cancels a statement (or a lock wait) past the deadline; tcp_user_timeout
        # drops a connection whose server stopped acknowledging, which no server limit can.
        connect_args["options"] = f"-c statement_timeout={ms}"
        connect_args["tcp_user_timeout"] = ms
        kwargs.setdefault("pool_timeout", timeout)
    kwargs.setdefault("connect_args", connect_args)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(
    dbapi_connection: Any, _record: Any, *, busy_ms: int, checkpoints: bool = True
) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (answers) run while a reindex writes; NORMAL sync is durable at checkpoints
    # and keeps a log write off the fsync path of every answer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    if not checkpoints:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all."""
    with factory() as session, session.begin():
        yield session


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to the newest Alembic revision (or to `revision`)."""
    _migrate(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` ("base": nothing). Drops what later revisions added."""
    _migrate(engine, "downgrade", revision)


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table by dropping it: with foreign keys on, SQLite
            # would delete its rows first and cascade that to every table referring to it.
            # The pragma is ignored inside a transaction, so it is set before one begins.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(
                            f"migration to {revision} left {len(broken)} rows with dangling "
                            f"references, first in table {broken[0][0]}; rolled back"
                        )
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
