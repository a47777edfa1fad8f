"""The database as the answer path sees it: every call bounded by a deadline, and left alone for
a few seconds after one failed, so a rep's answer never waits long on a database that is away."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from content_store.checkpoints import WalCheckpointer
from content_store.db import UNAVAILABLE, brief_error, make_engine, make_session_factory
from content_store.errors import UnavailableError

log = logging.getLogger(__name__)

T = TypeVar("T")

# After a failure, answers skip the database this long: one slow answer per outage, not one per
# question. The spool flusher ends the pause early when the database is back.
OUTAGE_HOLD_SECONDS = 5.0


class DatabaseUnavailable(UnavailableError):
    """The database did not do the work in time (down, refused, locked, slow, or paused)."""


class AnswerDatabase:
    def __init__(
        self,
        url: str,
        *,
        timeout_s: float,
        hold_s: float = OUTAGE_HOLD_SECONDS,
        inline: bool | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        # Its own engine: the server and the driver also give up after timeout_s.
        self.engine = make_engine(url, timeout=timeout_s, checkpoints=False)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        # A local SQLite file has no silent peer: its own lock and pool timeouts bound every
        # call, so calls run on the caller's thread. Handing one to a thread and back costs
        # ~0.25 ms of GIL handover, a sixth of a question's forward pass.
        sqlite = self.engine.url.get_backend_name() == "sqlite"
        self.inline = sqlite if inline is None else inline
        # Its commits leave SQLite's WAL checkpoints (an fsync each) to this thread.
        self._checkpointer = WalCheckpointer(self.engine) if sqlite else None
        if self._checkpointer is not None:
            self._checkpointer.start()
        self._hold_s = hold_s
        self._pause_until = 0.0
        self._down = False
        self._state = threading.Lock()
        self._write_lock = threading.Lock()

    def run(
        self, what: str, work: Callable[[sessionmaker[Session]], T], *, writes: bool = False
    ) -> T:
        """`work(sessions)`, or DatabaseUnavailable if it did not finish within the deadline.

        `writes`: the work writes (see `start`).
        """
        return self.start(what, work, writes=writes).result()

    def start(
        self, what: str, work: Callable[[sessionmaker[Session]], T], *, writes: bool = False
    ) -> PendingCall[T]:
        """Begin `work(sessions)` on its own thread; `.result()` waits for it, up to the deadline.

        The caller can do its own work meanwhile (an answer encodes its question while the
        prospect is looked up). The engine's own limits normally end a slow call first; the
        deadline also covers a server that stopped replying without closing the connection,
        where no server-side limit fires (SQLite: see `inline`). A call past its deadline
        finishes or fails on its own thread: an answer's log write carries a provisional id, so
        a late one is not written twice when the spool replays.
        """
        if self.paused():
            raise DatabaseUnavailable(f"{what}: skipped, the database failed moments ago")
        future: Future[T] = Future()

        def call() -> None:
            try:
                future.set_result(work(self.sessions))
            except BaseException as error:
                future.set_exception(error)

        deadline = time.monotonic() + self.timeout_s
        if self.inline and writes:
            # SQLite has one writer at a time, and a connection that finds the lock taken polls
            # for it, sleeping 1, 2, 5, 10... ms between tries: writers of this process queue
            # here instead, each woken the moment the one before commits.
            if not self._write_lock.acquire(timeout=self.timeout_s):
                future.set_exception(TimeoutError())
                return PendingCall(self, what, future, deadline)
            try:
                call()
            finally:
                self._write_lock.release()
            return PendingCall(self, what, future, deadline)
        if self.inline:
            call()
            return PendingCall(self, what, future, deadline)
        # A daemon thread per call: one stuck on a silent server never holds up process exit,
        # and never queues the next answer behind it (as a pool's busy workers would).
        threading.Thread(target=call, name="answer-db", daemon=True).start()
        return PendingCall(self, what, future, deadline)

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
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()


class PendingCall(Generic[T]):
    """A database call under way on its own thread (see AnswerDatabase.start)."""

    def __init__(self, db: AnswerDatabase, what: str, future: Future[T], deadline: float) -> None:
        self._db = db
        self._what = what
        self._future = future
        self._deadline = deadline

    def result(self) -> T:
        """The call's result; DatabaseUnavailable if it failed, or is not done by the deadline."""
        db, what = self._db, self._what
        try:
            result = self._future.result(timeout=max(0.0, self._deadline - time.monotonic()))
        except TimeoutError:
            db.failed(what, f"no reply within {db.timeout_s:g} s")
            raise DatabaseUnavailable(f"{what}: no reply within {db.timeout_s:g} s") from None
        except UNAVAILABLE as error:
            db.failed(what, brief_error(error))
            raise DatabaseUnavailable(f"{what}: {brief_error(error)}") from error
        db.recovered()
        return result
