"""audit events

An append-only audit trail (who, when, why, before/after) for voids and corrections (#10.7).

Revision ID: c83d1e5a7f20
Revises: b41f0c2d9e77
Create Date: 2026-12-04 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "c83d1e5a7f20"
down_revision: str | None = "b41f0c2d9e77"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("property_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_actor_user_id", "audit_events", ["actor_user_id"])
    op.create_index("ix_audit_events_property_id", "audit_events", ["property_id"])
    op.create_index(
        "ix_audit_events_object", "audit_events", ["object_type", "object_id", "at"]
    )


def downgrade() -> None:
    op.drop_table("audit_events")
