"""The content library: assets and their embedded chunks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content_store.models.base import Base, utcnow


class ContentItem(Base):
    """One marketing asset. Never deleted: a removed file is deactivated, the log keeps it."""

    __tablename__ = "content_items"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(2000))
    type: Mapped[str] = mapped_column(String(64))
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The stage model proposed `stages` (the source gave none); cleared when a marketer confirms.
    stage_inferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    competitors: Mapped[list[str]] = mapped_column(JSON, default=list)
    owner: Mapped[str | None] = mapped_column(String(320))
    review_by: Mapped[date | None] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(1000))  # where in its source: a file, a URL
    # The content source it belongs to (a resolved folder path, a site URL, gdrive:ID): a run
    # of one source only ever removes that source's items.
    source_key: Mapped[str | None] = mapped_column(String(1000), index=True)
    # What the source says this version is (an mtime, an ETag, Drive's modifiedTime).
    version: Mapped[str | None] = mapped_column(String(500))
    # What the source says besides the fields: a page's description, canonical URL, dates.
    details: Mapped[dict[str, str] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="published", server_default="published")
    superseded_by: Mapped[str | None] = mapped_column(String(200))
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    expires: Mapped[date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    chunks: Mapped[list[Chunk]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Chunk.ordinal"
    )


class Chunk(Base):
    """A passage of an asset with its embedding. Its id is the id in the vector index."""

    __tablename__ = "chunks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # float32 bytes: the database is the source of truth, index files are a rebuildable cache.
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    embedding_model: Mapped[str] = mapped_column(String(500))
    # The rule the text was cut by (index.chunking.CHUNKING); None: before rules were recorded.
    chunking: Mapped[str | None] = mapped_column(String(32), nullable=True)

    item: Mapped[ContentItem] = relationship(back_populates="chunks")


class ContentSource(Base):
    """A place content is read from, and how its last run went."""

    __tablename__ = "content_sources"

    key: Mapped[str] = mapped_column(String(1000), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # folder | website | gdrive
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_id: Mapped[int | None] = mapped_column(Integer)
    last_status: Mapped[str | None] = mapped_column(String(16))  # ok | failed
    last_error: Mapped[str | None] = mapped_column(Text)


class StageConfirmation(Base):
    """A marketer's stage for an asset whose source gives none, by the asset's id: it outlives
    the asset's row versions, so every later ingest applies it instead of inferring again."""

    __tablename__ = "stage_confirmations"

    asset_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    stages: Mapped[list[str]] = mapped_column(JSON)
    proposed: Mapped[list[str]] = mapped_column(JSON, default=list)  # what the model had said
    confirmed_by: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
