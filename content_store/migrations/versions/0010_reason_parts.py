"""reason parts: each logged asset's reason in parts, so a re-shown answer says it in any language

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rows logged before it keep their English reason line only.
    with op.batch_alter_table("recommendation_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_parts", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recommendation_items", schema=None) as batch_op:
        batch_op.drop_column("reason_parts")
