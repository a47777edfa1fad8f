"""Running the bot: Socket Mode, or HTTP behind gunicorn (not bolt's development server)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def start_background(services: Services) -> None:
    """What a serving process runs beside the listeners: start-up checks, cron jobs, the outbox
    and the spool replay."""
    from bot.jobs import scheduled_jobs
    from bot.reembed import start_model_switch
    from bot.reindex import mark_abandoned_runs
    from bot.schedule import Scheduler
    from bot.slack.client import make_web_client
    from bot.slack.outbox_worker import OutboxWorker
    from bot.spool import SpoolFlusher

    # First, so answers spooled before a restart reach the log while the rest starts.
    SpoolFlusher(services).start()
    mark_abandoned_runs(services)
    # A changed FUNNELBOT_EMBEDDING_MODEL: re-embed the library while the old model answers.
    start_model_switch(services)
    Scheduler(services, scheduled_jobs(services)).start()
    if services.settings.marketing_channel:
        client = make_web_client(services.settings, retries=False)
        from bot.slack.language import ReplyLanguages

        languages = ReplyLanguages(services.settings, client)
        OutboxWorker(services.sessions, client, languages=languages).start()
    if services.settings.crm is not None:
        from bot.crm.background import start_crm_background

        start_crm_background(services)


def build_http_app(settings: Settings) -> Any:
    """The WSGI callable: the model and the index load in the background; /healthz tells when."""
    from bot.slack.app import create_app
    from bot.slack.wsgi import FunnelbotWSGI
    from bot.startup import describe_failure, open_services

    services = open_services(settings)
    app = create_app(settings, services)
    start_background(services)
    return FunnelbotWSGI(
        app,
        signing_secret=settings.slack_signing_secret or "",
        warm_up=services.warm_up,
        describe=lambda error: describe_failure(settings, error),
    )


def check_before_serving(settings: Settings, *, socket_mode: bool) -> None:
    """Each fault a server would otherwise die of in a traceback, as one StartupError line."""
    from bot.startup import check_database, check_home, check_slack

    settings.require_slack(socket_mode=socket_mode)
    check_home(settings)
    check_database(settings)
    check_slack(settings)


def serve_http(settings: Settings, *, host: str, port: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    # In this process, before gunicorn forks: a worker that fails to boot says far less.
    check_before_serving(settings, socket_mode=False)

    class Server(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                # One process holds one copy of the model; threads serve concurrent requests.
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": 60,
                "graceful_timeout": 30,
                "accesslog": None,
                "loglevel": "warning",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return build_http_app(settings)

    Server().run()


def serve_socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import create_app
    from bot.startup import open_services

    check_before_serving(settings, socket_mode=True)
    services = open_services(settings)
    services.warm_up()
    app = create_app(settings, services, socket_mode=True)
    start_background(services)
    log.info("connecting to Slack over Socket Mode")
    SocketModeHandler(app, settings.slack_app_token).start()
