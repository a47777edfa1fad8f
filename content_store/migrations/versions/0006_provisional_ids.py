"""provisional ids: answers logged through the local spool are written once, found by their id

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column and a unique index: added in place, without rebuilding a table that
    # holds the whole answer log.
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_recommendations_provisional_id"), ["provisional_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendations_provisional_id"))
        batch_op.drop_column("provisional_id")
