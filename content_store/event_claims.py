"""Claiming a Slack event id: the first claimant answers it, every redelivery is skipped."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from content_store.models import SlackEventClaim


def claim_event(sessions: sessionmaker[Session], event_id: str) -> bool:
    """True if this caller is the first to claim event_id (across processes sharing the DB)."""
    try:
        with sessions() as session, session.begin():
            session.add(SlackEventClaim(event_id=event_id))
        return True
    except IntegrityError:
        return False
