"""marketing requests, answer votes, prospect channels

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-06 22:11:05.748454
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prospect_channels",
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("prospect", sa.String(length=200), nullable=False),
        sa.Column("mapped_by", sa.String(length=64), nullable=True),
        sa.Column("mapped_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_prospect_channels")),
    )
    op.create_table(
        "viewed_contexts",
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("channel_name", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user", name=op.f("pk_viewed_contexts")),
    )
    op.create_table(
        "answer_votes",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("vote", sa.String(length=16), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_answer_votes_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_answer_votes_feedback_id_feedback"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("recommendation_id", "user", name=op.f("pk_answer_votes")),
    )
    op.create_table(
        "marketing_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("rep", sa.String(length=64), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("prospect", sa.String(length=200), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("deadline", sa.String(length=16), nullable=False),
        sa.Column("rep_channel", sa.String(length=64), nullable=False),
        sa.Column("rep_thread_ts", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("taker", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("asset_id", sa.String(length=200), nullable=True),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.Column("closes_gap", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["recommendations.id"],
            name=op.f("fk_marketing_requests_answer_id_recommendations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["content_items.id"],
            name=op.f("fk_marketing_requests_asset_id_content_items"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_marketing_requests_recommendation_id_recommendations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_requests")),
    )
    with op.batch_alter_table("marketing_requests", schema=None) as batch_op:
        batch_op.create_index("ix_marketing_requests_channel_ts", ["channel", "ts"], unique=True)
        batch_op.create_index(
            batch_op.f("ix_marketing_requests_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_marketing_requests_status_created_at", ["status", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("marketing_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_marketing_requests_status_created_at")
        batch_op.drop_index(batch_op.f("ix_marketing_requests_recommendation_id"))
        batch_op.drop_index("ix_marketing_requests_channel_ts")

    op.drop_table("marketing_requests")
    op.drop_table("answer_votes")
    op.drop_table("viewed_contexts")
    op.drop_table("prospect_channels")
