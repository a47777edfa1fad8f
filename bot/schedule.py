"""Cron-scheduled jobs inside the bot process (the weekly digest, a nightly reindex).

Each slot runs once across all replicas: the first process to claim the slot in the database
runs it, the others skip it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from croniter import croniter

from bot.services import Services
from content_store.event_claims import claim_event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CronJob:
    name: str
    expression: str  # a cron expression, in UTC
    run: Callable[[], object]


class Scheduler:
    def __init__(self, services: Services, jobs: list[CronJob]) -> None:
        self._services = services
        self._jobs = jobs
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for job in self._jobs:
            thread = threading.Thread(
                target=self._loop, args=(job,), name=f"cron-{job.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
            log.info("scheduled %s: %s (UTC)", job.name, job.expression)

    def stop(self) -> None:
        self._stop.set()

    def _loop(self, job: CronJob) -> None:
        schedule = croniter(job.expression, datetime.now(UTC))
        while not self._stop.is_set():
            slot: datetime = schedule.get_next(datetime)
            if self._stop.wait(max(0.0, (slot - datetime.now(UTC)).total_seconds())):
                return
            self.run_slot(job, slot)

    def run_slot(self, job: CronJob, slot: datetime) -> bool:
        """Run job for slot unless another process already has; True if it ran here."""
        if not claim_event(self._services.sessions, f"cron:{job.name}:{slot.isoformat()}"):
            return False
        try:
            job.run()
        except Exception:  # a failed run must not stop later slots
            log.exception("scheduled %s failed", job.name)
        return True
