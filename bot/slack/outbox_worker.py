"""The outbox worker: a daemon thread that posts queued messages to Slack, in order, paced.

Its WebClient has no retry handlers: a retry sleeping inside the SDK would hold the message past
its claim and keep a 429 on one channel from letting other channels go. Instead each failure puts
the message back in the database with its next attempt time, so back-off survives a restart.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import Translator, english
from bot.polling import PollingThread, worker_id
from bot.slack.audience import reaches_outside
from bot.slack.blocks.internal import mask_internal, names_internal
from bot.slack.blocks.marketing import TO_REP, render_outbox_message
from bot.slack.language import ReplyLanguages
from content_store.outbox import ClaimedMessage, claim_next, mark_failed, mark_retry, mark_sent

log = logging.getLogger(__name__)

PACE_SECONDS = 1.0  # Slack allows about one message per second per channel
POLL_SECONDS = 0.5
# Far above one attempt (10 s HTTP timeout, no SDK retries): a live worker never loses its claim.
CLAIM_TTL = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 300.0
# Errors a person may fix (invite the bot, restore the channel) are retried for about an hour.
MAX_ATTEMPTS = 15
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
# The message itself is wrong: sending it again cannot help.
BAD_MESSAGE_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_arguments",
        "invalid_attachments",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
    }
)


class OutboxWorker(PollingThread):
    """Posts queued messages to Slack, one at a time, paced per channel."""

    thread_name = "outbox-worker"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: WebClient,
        *,
        pace_s: float = PACE_SECONDS,
        poll_s: float = POLL_SECONDS,
        claim_ttl: timedelta = CLAIM_TTL,
        languages: ReplyLanguages | None = None,
    ) -> None:
        super().__init__()
        self.worker_id = worker_id()
        self._sessions = sessions
        self._client = client
        self._pace_s = pace_s
        self._poll_s = poll_s
        self._claim_ttl = claim_ttl
        # The channel's messages in FUNNELBOT_LANGUAGE, a DM to a rep in the rep's (None: English).
        self._languages = languages
        self._resume_at: dict[str, float] = {}  # channel -> monotonic time it may be posted to

    def run_once(self) -> bool:
        """Claim and deliver one message; False if none was deliverable now."""
        now = time.monotonic()
        self._resume_at = {c: t for c, t in self._resume_at.items() if t > now}
        message = claim_next(
            self._sessions, self.worker_id, ttl=self._claim_ttl, skip_channels=self._resume_at
        )
        if message is None:
            return False
        self._deliver(message)
        return True

    def idle_seconds(self) -> float:
        now = time.monotonic()
        return min([self._poll_s, *(t - now for t in self._resume_at.values() if t > now)])

    def _deliver(self, message: ClaimedMessage) -> None:
        payload, language = message.payload, self._language(message)
        if names_internal(payload) and reaches_outside(self._client, message.channel, by_bot=True):
            payload = mask_internal(payload, language or english())
        try:
            text, blocks = render_outbox_message(payload, language)
        except ValueError as error:
            log.error("outbox message %s cannot be rendered: %s", message.id, error)
            mark_failed(self._sessions, message, self.worker_id, error=str(error))
            return
        try:
            response = self._client.chat_postMessage(
                channel=message.channel,
                thread_ts=message.thread_ts,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            self._after_slack_error(message, error)
            return
        except (OSError, HTTPException) as error:  # dropped connection, timeout, DNS
            self._retry(message, self._backoff(message), f"connection: {error!r}")
            return
        # Slack has the message: record it at once, this is the window for a duplicate.
        if not mark_sent(self._sessions, message, self.worker_id, str(response["ts"])):
            log.warning("outbox message %s was sent after its claim expired", message.id)
        self._resume_at[message.channel] = time.monotonic() + self._pace_s

    def _language(self, message: ClaimedMessage) -> Translator | None:
        if self._languages is None:
            return None
        payload = message.payload
        if payload.get("note") in TO_REP:
            return self._languages.for_text(message.channel, str(payload.get("question") or ""))
        return self._languages.default()

    def _after_slack_error(self, message: ClaimedMessage, error: SlackApiError) -> None:
        status = error.response.status_code
        code = str(error.response.get("error") or f"http_{status}")
        if status == 429:
            delay = _retry_after(error.response.headers, default=self._pace_s)
            # The whole channel waits, not just this message.
            self._resume_at[message.channel] = time.monotonic() + delay
            self._retry(message, delay, f"rate limited for {delay:g}s")
        elif status >= 500 or code in TRANSIENT_ERRORS:
            self._retry(message, self._backoff(message), code)
        elif code in BAD_MESSAGE_ERRORS or message.attempts >= MAX_ATTEMPTS:
            log.error("outbox message %s to %s failed: %s", message.id, message.channel, code)
            mark_failed(self._sessions, message, self.worker_id, error=code)
        else:
            log.warning(
                "outbox message %s to %s: %s; will retry", message.id, message.channel, code
            )
            self._retry(message, self._backoff(message), code)

    def _retry(self, message: ClaimedMessage, delay: float, error: str) -> None:
        mark_retry(
            self._sessions, message, self.worker_id, delay=timedelta(seconds=delay), error=error
        )

    def _backoff(self, message: ClaimedMessage) -> float:
        # 1, 2, 4, ... seconds up to five minutes, jittered so several workers do not retry in step.
        base = min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, message.attempts - 1))
        return base * random.uniform(0.8, 1.2)


def _retry_after(headers: dict[str, object], *, default: float) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(default, float(str(raw)))
            except ValueError:
                break
    return default
