"""content sources and lifecycle: items belong to a source; status, successor, internal, expiry

Revision ID: 0007
Revises: 0009
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_sources",
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_content_sources")),
    )
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_key", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("version", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="published")
        )
        batch_op.add_column(sa.Column("superseded_by", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("internal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("expires", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_content_items_source_key"), ["source_key"])
    # Items ingested before sources existed came from the folder of the last successful run:
    # they belong to it, so the next run of that folder still removes what vanished from it.
    bind = op.get_bind()
    last = bind.execute(
        sa.text(
            "SELECT content_dir, finished_at FROM index_runs WHERE status = 'succeeded' "
            "ORDER BY id DESC LIMIT 1"
        )
    ).first()
    if last is not None and last[0]:
        key = os.path.realpath(last[0])  # as Path.resolve() names a folder source
        bind.execute(
            sa.text("UPDATE content_items SET source_key = :key WHERE source_key IS NULL"),
            {"key": key},
        )
        bind.execute(
            sa.text(
                "INSERT INTO content_sources (key, kind, added_at, last_run_at, last_status) "
                "VALUES (:key, 'folder', :at, :at, 'ok')"
            ),
            {"key": key, "at": last[1]},
        )


def downgrade() -> None:
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_items_source_key"))
        batch_op.drop_column("expires")
        batch_op.drop_column("internal")
        batch_op.drop_column("superseded_by")
        batch_op.drop_column("status")
        batch_op.drop_column("details")
        batch_op.drop_column("version")
        batch_op.drop_column("source_key")
    op.drop_table("content_sources")
