"""Requests to marketing: a rep asks a person when the library has no answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from content_store.models.base import Base, utcnow


class RequestStatus(StrEnum):
    OPEN = "open"  # posted, nobody has taken it
    TAKEN = "taken"  # a marketer said "I'll take it"
    DONE = "done"


class RequestDeadline(StrEnum):
    TODAY = "today"
    THIS_WEEK = "this_week"
    NO_RUSH = "no_rush"


class MarketingRequest(Base):
    """One "Ask marketing": what the rep needs, where to tell them, and how fast it went."""

    __tablename__ = "marketing_requests"
    __table_args__ = (
        Index("ix_marketing_requests_status_created_at", "status", "created_at"),
        Index("ix_marketing_requests_channel_ts", "channel", "ts", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The answer the rep clicked "Ask marketing" on.
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="SET NULL"), index=True
    )
    rep: Mapped[str] = mapped_column(String(64))
    need: Mapped[str] = mapped_column(Text)
    prospect: Mapped[str | None] = mapped_column(String(200))
    stage: Mapped[str | None] = mapped_column(String(32))
    deadline: Mapped[str] = mapped_column(String(16), default=RequestDeadline.THIS_WEEK)
    # Where the rep hears of each step: the answer's thread, or their DM with the bot.
    rep_channel: Mapped[str] = mapped_column(String(64))
    rep_thread_ts: Mapped[str | None] = mapped_column(String(32))
    # The request's own thread in the marketing channel (set once posted).
    channel: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN)
    taker: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first thing a marketer did: took it, picked an asset or replied.
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(String(64))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last asset a marketer picked, and the answer (source "marketing") that logged it.
    asset_id: Mapped[str | None] = mapped_column(ForeignKey("content_items.id"))
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="SET NULL")
    )
    # Answered with an asset that entered the library after the request: its gap is filled.
    closes_gap: Mapped[bool] = mapped_column(Boolean, default=False)


class AnswerVote(Base):
    """A person's current 👍/👎 on an answer through Slack's native feedback buttons.

    One row per answer and user: the latest vote replaces the earlier one, so toggling never
    counts twice.
    """

    __tablename__ = "answer_votes"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    user: Mapped[str] = mapped_column(String(64), primary_key=True)
    vote: Mapped[str] = mapped_column(String(16))  # useful / not_useful
    # The feedback row standing for this vote (replaced when the vote changes), so stats count
    # each person's current vote once.
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProspectChannel(Base):
    """A channel mapped to a prospect with `/prospect Acme #channel`."""

    __tablename__ = "prospect_channels"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    prospect: Mapped[str] = mapped_column(String(200))
    mapped_by: Mapped[str | None] = mapped_column(String(64))
    mapped_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ViewedContext(Base):
    """The channel a rep last looked at while the agent view was open (app_context_changed)."""

    __tablename__ = "viewed_contexts"

    user: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel_id: Mapped[str | None] = mapped_column(String(64))
    channel_name: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
