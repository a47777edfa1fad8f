"""crm: where a CRM stage came from in the log; the deal poll's mark, pushes and opt-outs

Revision ID: 0008
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: added in place, the answer log is not rebuilt.
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("crm_system", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("crm_object_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("crm_raw_stage", sa.String(length=200), nullable=True))
    op.create_table(
        "crm_poll_state",
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("modified_through", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("system", name=op.f("pk_crm_poll_state")),
    )
    op.create_table(
        "crm_deal_stages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("deal_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("raw_stage", sa.String(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_deal_stages")),
        sa.UniqueConstraint("system", "deal_id", name=op.f("uq_crm_deal_stages_system")),
    )
    op.create_table(
        "crm_pushes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("system", sa.String(length=16), nullable=False),
        sa.Column("deal_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_pushes")),
        sa.UniqueConstraint("system", "deal_id", "stage", name=op.f("uq_crm_pushes_system")),
    )
    op.create_index("ix_crm_pushes_user_pushed_at", "crm_pushes", ["user", "pushed_at"])
    op.create_table(
        "crm_push_opt_outs",
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user", name=op.f("pk_crm_push_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("crm_push_opt_outs")
    op.drop_index("ix_crm_pushes_user_pushed_at", table_name="crm_pushes")
    op.drop_table("crm_pushes")
    op.drop_table("crm_deal_stages")
    op.drop_table("crm_poll_state")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_column("crm_raw_stage")
        batch_op.drop_column("crm_object_id")
        batch_op.drop_column("crm_system")
