"""stats indexes: content gaps and per-asset usage stay fast on a large log

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recommendations_weak_created_at", ["weak", "created_at"], unique=False
        )
    with op.batch_alter_table("recommendation_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recommendation_items_recommendation_id_item_id",
            ["recommendation_id", "item_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_recommendation_items_item_id_recommendation_id",
            ["item_id", "recommendation_id"],
            unique=False,
        )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_reason_recommendation_id", ["reason", "recommendation_id"], unique=False
        )
        batch_op.create_index(
            "ix_feedback_kind_recommendation_id", ["kind", "recommendation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_kind_recommendation_id")
        batch_op.drop_index("ix_feedback_reason_recommendation_id")
    with op.batch_alter_table("recommendation_items", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendation_items_item_id_recommendation_id")
        batch_op.drop_index("ix_recommendation_items_recommendation_id_item_id")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_index("ix_recommendations_weak_created_at")
