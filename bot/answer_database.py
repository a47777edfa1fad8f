"""The database as the answer path sees it: every call bounded by a deadline, and left alone for
a few seconds after one failed, so a rep's answer never waits long on a database that is away."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from content_store.db import UNAVAILABLE, brief_error, make_engine, make_session_factory

log = logging.getLogger(__name__)

T = TypeVar("T")

# After a failure, answers skip the database this long: one slow answer per outage, not one per
# question. The spool flusher ends the pause early when the database is back.
OUTAGE_HOLD_SECONDS = 5.0


class DatabaseUnavailable(Exception):
    """The database did not do the work in time (down, refused, locked, slow, or paused)."""


class AnswerDatabase:
    def __init__(self, url: str, *, timeout_s: float, hold_s: float = OUTAGE_HOLD_SECONDS) -> None:
        self.timeout_s = timeout_s
        # Its own engine: the server and the driver also give up after timeout_s.
        self.engine = make_engine(url, timeout=timeout_s)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self._hold_s = hold_s
        self._pause_until = 0.0
        self._down = False
        self._state = threading.Lock()

    def run(self, what: str, work: Callable[[sessionmaker[Session]], T]) -> T:
        """`work(sessions)`, or DatabaseUnavailable if it did not finish within the deadline.

        The engine's own limits normally end a slow call first; the deadline also covers a server
        that stopped replying without closing the connection, where no server-side limit fires.
        A call past its deadline finishes or fails on its own thread: an answer's log write
        carries a provisional id, so a late one is not written twice when the spool replays.
        """
        if self.paused():
            raise DatabaseUnavailable(f"{what}: skipped, the database failed moments ago")
        future: Future[T] = Future()

        def call() -> None:
            try:
                future.set_result(work(self.sessions))
            except BaseException as error:
                future.set_exception(error)

        # A daemon thread per call: one stuck on a silent server never holds up process exit,
        # and never queues the next answer behind it (as a pool's busy workers would).
        threading.Thread(target=call, name="answer-db", daemon=True).start()
        try:
            result = future.result(timeout=self.timeout_s)
        except TimeoutError:
            self.failed(what, f"no reply within {self.timeout_s:g} s")
            raise DatabaseUnavailable(f"{what}: no reply within {self.timeout_s:g} s") from None
        except UNAVAILABLE as error:
            self.failed(what, brief_error(error))
            raise DatabaseUnavailable(f"{what}: {brief_error(error)}") from error
        self.recovered()
        return result

    def paused(self) -> bool:
        return time.monotonic() < self._pause_until

    def failed(self, what: str, reason: str) -> None:
        with self._state:
            if not self._down:
                log.warning("database unavailable (%s: %s): answering without it", what, reason)
            self._down = True
            self._pause_until = time.monotonic() + self._hold_s

    def recovered(self) -> None:
        with self._state:
            if self._down:
                log.warning("database available again")
            self._down = False
            self._pause_until = 0.0

    def close(self) -> None:
        self.engine.dispose()
