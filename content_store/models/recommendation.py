"""The recommendation log: every answer, the assets it surfaced and what reps thought of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content_store.models.base import Base, utcnow


class FeedbackKind(StrEnum):
    USEFUL = "useful"
    NOT_USEFUL = "not_useful"
    SENT = "sent"
    SHARED = "shared"
    MARKETING_SUGGESTION = "marketing_suggestion"  # a marketer's reply relayed to the rep


class Recommendation(Base):
    __tablename__ = "recommendations"
    # Gap queries read the weak answers of a time window without touching the others.
    __table_args__ = (Index("ix_recommendations_weak_created_at", "weak", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    question: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # cli, slash, mention, dm, share
    asker: Mapped[str | None] = mapped_column(String(64), index=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # Slack's event id (or another request key): a redelivered event finds its answer here.
    request_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # The negative id an answer was given before its row existed: a spooled answer's buttons
    # carry it, and a replay that finds it here knows the row is already written.
    provisional_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, index=True)
    prospect: Mapped[str | None] = mapped_column(String(200), index=True)
    stage: Mapped[str | None] = mapped_column(String(32))
    stage_source: Mapped[str] = mapped_column(String(16))
    stage_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    top_score: Mapped[float] = mapped_column(Float, default=0.0)
    weak: Mapped[bool] = mapped_column(Boolean, default=False)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    index_version: Mapped[int | None] = mapped_column(Integer)
    # Where a stage read from the CRM came from (stage_source "crm"): the deal and its raw stage.
    crm_system: Mapped[str | None] = mapped_column(String(16))
    crm_object_id: Mapped[str | None] = mapped_column(String(64))
    crm_raw_stage: Mapped[str | None] = mapped_column(String(200))

    items: Mapped[list[RecommendationItem]] = relationship(
        back_populates="recommendation",
        cascade="all, delete-orphan",
        order_by="RecommendationItem.rank",
    )
    feedback: Mapped[list[Feedback]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", order_by="Feedback.id"
    )


class RecommendationItem(Base):
    __tablename__ = "recommendation_items"
    __table_args__ = (
        UniqueConstraint("recommendation_id", "rank"),
        # Covering indexes for stats: a window's answers -> their assets, and an asset -> the
        # answers that offered it (never-surfaced checks start at the window's first answer).
        Index("ix_recommendation_items_recommendation_id_item_id", "recommendation_id", "item_id"),
        Index("ix_recommendation_items_item_id_recommendation_id", "item_id", "recommendation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(ForeignKey("content_items.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The reason in parts (index.ranking.Reason.to_json), to say it again in another language.
    reason_parts: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    recommendation: Mapped[Recommendation] = relationship(back_populates="items")


class Feedback(Base):
    __tablename__ = "feedback"
    # Stats read a window's clicks of a kind, and its 👎 "topic missing", as one index range
    # each, without walking the clicks on older answers.
    __table_args__ = (
        Index("ix_feedback_kind_recommendation_id", "kind", "recommendation_id"),
        Index("ix_feedback_reason_recommendation_id", "reason", "recommendation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str | None] = mapped_column(ForeignKey("content_items.id"), index=True)
    user: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(back_populates="feedback")
