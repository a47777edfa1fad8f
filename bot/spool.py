"""Replaying spooled answers into the log: when a process starts, every few seconds while it
serves, and before a click on a spooled answer needs its row."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session

from bot.marketing import queue_answer_post
from bot.services import Services
from content_store.log import NewRecommendation
from content_store.spool import ReplayReport

log = logging.getLogger(__name__)

FLUSH_SECONDS = 2.0
# A click waits this long for a replay already running to finish writing its answer.
CLICK_WAIT_SECONDS = 5.0


def flush_spool(services: Services, *, wait_seconds: float = 0.0) -> ReplayReport:
    """Write the spooled answers (and their marketing posts) into the log, each once, in order."""
    settings = services.settings

    def also_queue_post(session: Session, recommendation_id: int, entry: NewRecommendation) -> None:
        # As when answered live: the post is queued if, and only if, the row is written.
        queue_answer_post(session, settings, recommendation_id, entry)

    report = services.spool.replay(
        services.sessions, on_written=also_queue_post, wait_seconds=wait_seconds
    )
    if report.written or report.duplicates or report.rejected:
        log.warning(
            "spool replayed: %d written, %d already logged, %d rejected%s",
            report.written,
            report.duplicates,
            report.rejected,
            "; the rest waits for the database" if report.stopped else "",
        )
    if report.written and not report.stopped:
        services.answer_db.recovered()
    return report


def flush_before_click(services: Services, recommendation_id: int) -> None:
    """A click on a spooled answer (negative id): make sure its row is in the log first."""
    if recommendation_id < 0 and services.spool.has_pending():
        flush_spool(services, wait_seconds=CLICK_WAIT_SECONDS)


class SpoolFlusher:
    """A daemon thread that replays the spool whenever it holds answers and the database is up."""

    def __init__(self, services: Services, *, interval_s: float = FLUSH_SECONDS) -> None:
        self._services = services
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="spool-flusher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while True:
            try:
                if self._services.spool.has_pending():
                    flush_spool(self._services)
            except Exception:
                log.exception("spool replay failed; retrying in %.0f s", self._interval_s)
            if self._stop.wait(self._interval_s):
                return
