"""stage inferred: assets whose stage the model proposed, and marketers' confirmations

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stage_inferred", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "stage_confirmations",
        sa.Column("asset_id", sa.String(length=200), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_stage_confirmations")),
    )


def downgrade() -> None:
    op.drop_table("stage_confirmations")
    with op.batch_alter_table("content_items", schema=None) as batch_op:
        batch_op.drop_column("stage_inferred")
