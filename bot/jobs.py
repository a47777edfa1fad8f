"""The cron jobs a running bot schedules, from the settings."""

from __future__ import annotations

import logging

from bot.reindex import ReindexBusy, reindex
from bot.schedule import CronJob
from bot.services import Services

log = logging.getLogger(__name__)


def scheduled_jobs(services: Services) -> list[CronJob]:
    settings = services.settings
    jobs: list[CronJob] = []
    content_dir = settings.content_dir
    if settings.reindex_cron and content_dir is not None:

        def nightly_reindex() -> None:
            try:
                report = reindex(services, content_dir, started_by="cron", trigger="cron")
                log.info("scheduled reindex: %s", report.summary())
            except ReindexBusy as busy:
                log.info("scheduled reindex skipped: %s", busy)

        jobs.append(CronJob("reindex", settings.reindex_cron, nightly_reindex))
    return jobs
