"""What funnelbot keeps of the CRM: the deal poll's mark, the pushes it sent, who opted out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from content_store.models.base import Base, utcnow


class CrmPollState(Base):
    """The deal poll's high-water mark: changes up to `modified_through` have been handled."""

    __tablename__ = "crm_poll_state"

    system: Mapped[str] = mapped_column(String(16), primary_key=True)
    modified_through: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CrmDealStage(Base):
    """The buyer stage each deal was last seen at, so a poll tells a move from a touch."""

    __tablename__ = "crm_deal_stages"
    __table_args__ = (UniqueConstraint("system", "deal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(String(16))
    deal_id: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    raw_stage: Mapped[str] = mapped_column(String(200))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CrmPush(Base):
    """One DM sent because a deal moved: at most one per deal and buyer stage."""

    __tablename__ = "crm_pushes"
    __table_args__ = (
        UniqueConstraint("system", "deal_id", "stage"),
        Index("ix_crm_pushes_user_pushed_at", "user", "pushed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(String(16))
    deal_id: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(64))
    recommendation_id: Mapped[int | None] = mapped_column(Integer)
    pushed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CrmPushOptOut(Base):
    """A rep who switched deal-move pushes off on their Home tab."""

    __tablename__ = "crm_push_opt_outs"

    user: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
