"""Taking the database away in tests: a writer holding its lock, and waiting for the replay."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator

import psycopg
from sqlalchemy.engine import make_url

from bot.services import Services
from bot.spool import SpoolFlusher


def wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def replayed(services: Services) -> None:
    flusher = SpoolFlusher(services, interval_s=0.2)
    flusher.start()
    try:
        assert wait_until(lambda: not services.spool.has_pending())
    finally:
        flusher.stop()


@contextlib.contextmanager
def writer_holding_the_database(database_url: str) -> Iterator[None]:
    """Another connection holds the write lock (a long reindex): readers go on, writers wait."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with psycopg.connect(database_url) as holder:
        holder.execute("LOCK TABLE recommendations, slack_event_claims IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            holder.rollback()
