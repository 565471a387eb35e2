"""early stk callbacks

Revision ID: a7c3e9d2f104
Revises: 9d41c07a5e2b
Create Date: 2026-11-22 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'a7c3e9d2f104'
down_revision: str | None = '9d41c07a5e2b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'early_stk_callbacks',
        sa.Column('checkout_request_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('received_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('checkout_request_id'),
    )
    with op.batch_alter_table('early_stk_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_early_stk_callbacks_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('early_stk_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_early_stk_callbacks_received_at'))
    op.drop_table('early_stk_callbacks')
