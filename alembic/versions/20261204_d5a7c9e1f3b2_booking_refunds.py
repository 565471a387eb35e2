"""booking refunds

A paid booking cancelled owes the booker a refund (paid minus the policy's fee) until a manager
marks it refunded (#10.7); the booking's payment then records what was given back, which
"collected" leaves out.

Revision ID: d5a7c9e1f3b2
Revises: d5e1a9b3c7f4
Create Date: 2026-12-04 18:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "d5a7c9e1f3b2"
down_revision: str | None = "d5e1a9b3c7f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        # server_default: existing bookings owe nothing (they were cancelled before refunds).
        batch_op.add_column(
            sa.Column("refund_due", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("refunded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refunded_amount", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("refunded_amount")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("refunded_at")
        batch_op.drop_column("refund_due")
