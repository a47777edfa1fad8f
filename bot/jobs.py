"""The cron jobs a running bot schedules, from the settings."""

from __future__ import annotations

import logging

from bot.reindex import ReindexBusy, reindex
from bot.schedule import CronJob
from bot.services import Services

log = logging.getLogger(__name__)

REMINDER_CRON = "*/15 * * * *"


def scheduled_jobs(services: Services) -> list[CronJob]:
    settings = services.settings
    jobs: list[CronJob] = []
    content_dir = list(settings.sources)
    if settings.reindex_cron and content_dir:

        def nightly_reindex() -> None:
            try:
                report = reindex(services, content_dir, started_by="cron", trigger="cron")
                log.info("scheduled reindex: %s", report.summary())
                for reason in report.blocked:
                    log.warning("scheduled reindex stopped: %s", reason)
                for source in report.failed_sources:
                    log.warning("source %s failed, kept as it was: %s", source.key, source.error)
            except ReindexBusy as busy:
                log.info("scheduled reindex skipped: %s", busy)

        jobs.append(CronJob("reindex", settings.reindex_cron, nightly_reindex))
    channel = settings.marketing_channel
    if settings.digest_cron and channel is None:
        log.warning("FUNNELBOT_DIGEST_CRON is set without FUNNELBOT_MARKETING_CHANNEL: no digest")
    elif settings.digest_cron and channel is not None:

        def weekly_digest() -> None:
            from bot.slack.client import make_web_client
            from bot.slack.digest import post_digest

            post_digest(services, make_web_client(settings), channel)
            log.info("posted the weekly digest to %s", channel)

        jobs.append(CronJob("digest", settings.digest_cron, weekly_digest))
    if channel is not None:

        def request_reminders() -> None:
            from bot.slack.client import make_web_client
            from bot.slack.requests import remind_requests

            remind_requests(services, make_web_client(settings))

        # Each quarter hour; the scheduler's claim makes one process of several run each slot.
        jobs.append(CronJob("request-reminders", REMINDER_CRON, request_reminders))
    return jobs
