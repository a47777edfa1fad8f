"""Messages waiting to go to Slack (the outbox), and which marketing post tells which answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from content_store.models.base import Base, utcnow


class OutboxKind(StrEnum):
    POST = "post"  # a top-level message in a channel (the marketing post of an answer)
    REPLY = "reply"  # a message in the thread of its recommendation's post
    DIRECT = "direct"  # a message to a person: the channel is their user id
    CRM_NOTE = "crm_note"  # a note on a CRM deal ("Sent it"): the channel is "crm:<system>"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until claimed_until
    SENT = "sent"
    FAILED = "failed"  # given up; last_error says why


class OutboxMessage(Base):
    """One message to post, written in the transaction that logged what it reports.

    Messages of one recommendation in one channel go out in id order: the post before its replies.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(64))
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    # What to say, as facts (rendered to Block Kit by the Slack layer when it is sent).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A worker that dies mid-send stops holding the message once this passes.
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MarketingThread(Base):
    """The marketing-channel post of an answer: its replies go under `ts`, marketers reply there."""

    __tablename__ = "marketing_threads"
    __table_args__ = (UniqueConstraint("channel", "ts"),)

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
