"""payment received amount

Revision ID: 9d41c07a5e2b
Revises: 62be76034ab9
Create Date: 2026-11-22 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '9d41c07a5e2b'
down_revision: str | None = '62be76034ab9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_amount', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('received_amount')
