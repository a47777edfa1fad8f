"""Closing the loop (FUNNELBOT_CRM_LOG_SENT): a rep's "Sent it" becomes a note on the deal.

The note is queued in the transaction that records the click and delivered from the outbox by
its own worker: a CRM that is down, slow or rate limiting is retried later, and the rep's click
never waits on it.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.crm.base import Crm, CrmError, CrmUnavailable
from bot.polling import PollingThread, worker_id
from bot.settings import Settings
from content_store.models import ContentItem, OutboxKind, Recommendation
from content_store.outbox import (
    ClaimedMessage,
    claim_next,
    enqueue,
    mark_failed,
    mark_retry,
    mark_sent,
)

log = logging.getLogger(__name__)

CLAIM_TTL = timedelta(seconds=120)
POLL_SECONDS = 2.0
MAX_ATTEMPTS = 15
MAX_BACKOFF_SECONDS = 600.0


def queue_sent_note(
    session: Session,
    settings: Settings,
    recommendation: Recommendation,
    asset_id: str,
    *,
    user: str | None,
) -> bool:
    """Queue a note on the answer's CRM deal for an asset the rep sent; whether one was queued."""
    if not settings.crm_log_sent or not recommendation.crm_system:
        return False
    if not recommendation.crm_object_id:
        return False
    asset = session.get(ContentItem, asset_id)
    title = asset.title if asset else asset_id
    url = asset.url if asset else None
    body = f"Sent “{title}”" + (f": {url}" if url else "") + " (recorded by funnelbot)."
    enqueue(
        session,
        channel=f"crm:{recommendation.crm_system}",
        kind=OutboxKind.CRM_NOTE,
        payload={
            "deal_id": recommendation.crm_object_id,
            "subject": f"Sent “{title}”"[:255],
            "body": body,
            "user": user,
        },
        recommendation_id=recommendation.id,
    )
    return True


class CrmNoteWorker(PollingThread):
    """Delivers queued deal notes to the CRM, retrying failures with back-off."""

    thread_name = "crm-notes"

    def __init__(
        self, sessions: sessionmaker[Session], crm: Crm, *, poll_s: float = POLL_SECONDS
    ) -> None:
        super().__init__()
        self.worker_id = worker_id()
        self._sessions = sessions
        self._crm = crm
        self._poll_s = poll_s

    def idle_seconds(self) -> float:
        return self._poll_s

    def run_once(self, *, now: datetime | None = None) -> bool:
        """Deliver one due note; False if none was due."""
        message = claim_next(
            self._sessions,
            self.worker_id,
            ttl=CLAIM_TTL,
            now=now,
            kinds=(OutboxKind.CRM_NOTE,),
        )
        if message is None:
            return False
        self._deliver(message)
        return True

    def _deliver(self, message: ClaimedMessage) -> None:
        payload = message.payload
        try:
            note_id = self._crm.add_note(
                str(payload["deal_id"]), subject=str(payload["subject"]), body=str(payload["body"])
            )
        except CrmUnavailable as error:
            if message.attempts >= MAX_ATTEMPTS:
                mark_failed(self._sessions, message, self.worker_id, error=str(error))
                log.error("note on deal %s given up: %s", payload.get("deal_id"), error)
                return
            delay = error.retry_after or _backoff(message.attempts)
            mark_retry(
                self._sessions,
                message,
                self.worker_id,
                delay=timedelta(seconds=delay),
                error=str(error),
            )
            return
        except (CrmError, KeyError) as error:  # the CRM refused this note: retrying cannot help
            mark_failed(self._sessions, message, self.worker_id, error=str(error))
            log.error("note on deal %s failed: %s", payload.get("deal_id"), error)
            return
        mark_sent(self._sessions, message, self.worker_id, note_id)


def _backoff(attempts: int) -> float:
    # 2, 4, 8, ... seconds up to ten minutes, jittered so replicas do not retry in step.
    return min(MAX_BACKOFF_SECONDS, 2.0**attempts) * random.uniform(0.8, 1.2)
