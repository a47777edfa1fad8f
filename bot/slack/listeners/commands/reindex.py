"""`/reindex [status | dry-run] [--allow-removals]`: admins refresh the content index from Slack."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.i18n import N_, Translator
from bot.ingest import IngestProgress
from bot.reindex import ReindexBusy, last_run, reindex, running
from bot.services import Services
from bot.slack import ids
from bot.slack.admins import AdminCheck
from bot.slack.blocks.messages import notice_blocks
from bot.slack.blocks.reindex import (
    failure_text,
    progress_text,
    status_blocks,
    summary_blocks,
    summary_text,
)
from bot.slack.client import respond
from bot.slack.failures import reply_on_failure
from bot.slack.language import ReplyLanguages

log = logging.getLogger(__name__)

USAGE = N_(
    "Usage: `/reindex` refreshes the index, `/reindex status` shows the last run, "
    "`/reindex dry-run` shows what would change, `/reindex --allow-removals` lets a run remove "
    "more than a tenth of a source's assets."
)
DRY_RUN_WORDS = frozenset({"dry-run", "dryrun", "--dry-run"})
ALLOW_REMOVALS_WORDS = frozenset({"--allow-removals", "allow-removals"})
REFUSED = N_("Only funnelbot admins can reindex. Ask an admin, or a workspace admin, to run it.")
# chat.update at most this often: enough to see it move, far under Slack's rate limits.
PROGRESS_SECONDS = 2.0


class ProgressMessage:
    """One message in the admin's DM with the bot, edited as the run goes."""

    def __init__(self, client: WebClient, user: str, t: Translator) -> None:
        self._client = client
        self._t = t
        posted = client.chat_postMessage(channel=user, text=progress_text(0, 0, None, 0, t))
        self.channel = str(posted["channel"])
        self.ts = str(posted["ts"])
        self._started = time.monotonic()
        self._last = 0.0
        self._files = 0
        self._embedded = 0
        self._total: int | None = None
        self._lock = threading.Lock()

    def callbacks(self) -> IngestProgress:
        return IngestProgress(
            on_file=lambda _path: self._update(files=1),
            on_embed_start=lambda total: self._update(total=total, force=True),
            on_embedded=lambda done: self._update(embedded=done),
        )

    def _update(
        self, *, files: int = 0, embedded: int | None = None, total: int | None = None,
        force: bool = False,
    ) -> None:  # fmt: skip
        with self._lock:
            self._files += files
            if embedded is not None:
                self._embedded = embedded
            if total is not None:
                self._total = total
            now = time.monotonic()
            if not force and now - self._last < PROGRESS_SECONDS:
                return
            self._last = now
            text = progress_text(
                self._files, self._embedded, self._total, now - self._started, self._t
            )
        self._client.chat_update(channel=self.channel, ts=self.ts, text=text)

    def finish(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        self._client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)


def register(app: App, services: Services, languages: ReplyLanguages) -> None:
    # The admin check's users.info also tells languages the admin's locale: one call, not two.
    admins = AdminCheck(services.settings, app.client, on_user=languages.remember)

    @app.command(ids.REINDEX_COMMAND)
    def reindex_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        user = command["user_id"]
        text = (command.get("text") or "").strip().lower()
        if not admins.is_admin(user):
            log.warning("refused /reindex %r from %s: not an admin", text, user)
            refused = languages.for_user(user).gettext(REFUSED)
            ack(text=refused, blocks=notice_blocks(refused, emoji=":lock:"))
            return
        # An admin's tool, with no question to read a language from: their Slack locale.
        t = languages.for_user(user)
        _ = t.gettext
        if text == "status":
            lease = running(services)
            since = _capitalized(t.say(ReindexBusy(lease).phrase)) if lease else None
            ack(text=_("Reindex status"), blocks=status_blocks(last_run(services), since, t))
            return
        # A Mac's smart punctuation turns a typed "--" into a dash.
        words = set(text.replace("\u2014", "--").replace("\u2013", "--").split())
        if words - DRY_RUN_WORDS - ALLOW_REMOVALS_WORDS:
            usage = _(USAGE)
            ack(text=usage, blocks=notice_blocks(usage))
            return
        allow_removals = bool(words & ALLOW_REMOVALS_WORDS)
        content_dir = list(services.settings.sources)
        if not content_dir:
            message = _(
                "Neither FUNNELBOT_CONTENT_SOURCES nor FUNNELBOT_CONTENT_DIR is set, "
                "so there is no library to reindex."
            )
            ack(text=message, blocks=notice_blocks(message, emoji=":warning:"))
            return
        dry_run = bool(words & DRY_RUN_WORDS)
        lease = running(services)
        if lease is not None and not dry_run:
            message = _(
                "Not started: %(reason)s. `/reindex status` shows the last run.",
                reason=t.say(ReindexBusy(lease).phrase),
            )
            ack(text=message, blocks=notice_blocks(message))
            return
        if dry_run:
            checking = _("Checking what would change…")
            ack(text=checking, blocks=notice_blocks(checking))
            url = command["response_url"]
            with reply_on_failure(lambda msg: respond(url, text=msg), "a reindex dry run", t):
                report = reindex(
                    services,
                    content_dir,
                    started_by=user,
                    trigger="slack",
                    dry_run=True,
                    allow_removals=allow_removals,
                )
                respond(url, text=summary_text(report, t), blocks=summary_blocks(report, t))
            return
        started = _("Reindex started: I'm keeping a progress message up to date in our DM.")
        ack(text=started, blocks=notice_blocks(started, emoji=":arrows_counterclockwise:"))
        progress = ProgressMessage(client, user, t)
        with reply_on_failure(progress.finish, "a reindex", t):
            try:
                report = reindex(
                    services,
                    content_dir,
                    started_by=user,
                    trigger="slack",
                    progress=progress.callbacks(),
                    allow_removals=allow_removals,
                )
            except ReindexBusy as busy:
                progress.finish(_("Not started: %(reason)s.", reason=t.say(busy.phrase)))
                return
            except Exception as error:
                log.exception("reindex failed")
                progress.finish(failure_text(f"{type(error).__name__}: {t.error(error)}", t))
                return
            progress.finish(summary_text(report, t), summary_blocks(report, t))


def _capitalized(text: str) -> str:
    """The first letter up, the rest as written (a user id or "UTC" stays as it is)."""
    return text[:1].upper() + text[1:]
