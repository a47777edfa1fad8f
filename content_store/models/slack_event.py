"""Slack events already taken up, so a redelivered event is answered once, by one process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from content_store.models.base import Base, utcnow


class SlackEventClaim(Base):
    __tablename__ = "slack_event_claims"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
