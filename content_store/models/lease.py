"""A named lease with an expiry: one holder at a time across processes and machines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from content_store.models.base import Base, utcnow


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))  # host:pid:random of the holding process
    started_by: Mapped[str | None] = mapped_column(String(64))  # the Slack user, or "cli"
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A holder that dies stops renewing; once this passes, anyone may take the lease.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_id: Mapped[int | None] = mapped_column(Integer)
