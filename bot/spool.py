"""Replaying spooled answers into the log: when a process starts, every few seconds while it
serves, and before a click on a spooled answer needs its row."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from bot.marketing import queue_answer_post
from bot.polling import PollingThread
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


class SpoolFlusher(PollingThread):
    """A daemon thread that replays the spool whenever it holds answers and the database is up."""

    thread_name = "spool-flusher"

    def __init__(self, services: Services, *, interval_s: float = FLUSH_SECONDS) -> None:
        super().__init__()
        self._services = services
        self._interval_s = interval_s

    def run_once(self) -> bool:
        # Always idle afterwards: a replay writes what it can, the rest waits for the next turn.
        if self._services.spool.has_pending():
            flush_spool(self._services)
        return False

    def idle_seconds(self) -> float:
        return self._interval_s
