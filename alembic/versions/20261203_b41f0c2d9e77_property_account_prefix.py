"""property account prefix

Paybill money whose account number matches no lease is routed by the number's prefix, so each
property gets a prefix unique in the install. Existing properties keep the prefix their leases'
account numbers already use where no other property claims it first.

Revision ID: b41f0c2d9e77
Revises: a7c3e9d2f104
Create Date: 2026-12-03 06:40:00
"""

import re
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'b41f0c2d9e77'
down_revision: str | None = 'a7c3e9d2f104'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RANDOM = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _candidates(used_by_leases: list[str], name: str):
    # Frozen copy of the rule in pms_app.services.account_numbers (migrations never import app code).
    yield from used_by_leases
    letters = re.sub(r"[^A-Z]", "", (name or "").upper())
    if len(letters) >= 2:
        yield letters[:3]
        for digit in "23456789":
            yield f"{letters[:3]}{digit}"
    while True:
        yield "".join(secrets.choice(_RANDOM) for _ in range(4))


def upgrade() -> None:
    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('account_prefix', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True)
        )
    conn = op.get_bind()
    taken: set[str] = set()
    for prop_id, name in conn.execute(sa.text("SELECT id, name FROM properties ORDER BY id")).all():
        refs = conn.execute(
            sa.text("SELECT account_ref FROM leases WHERE property_id = :p ORDER BY id"),
            {"p": prop_id},
        ).scalars()
        used = [r.split("-", 1)[0] for r in refs if "-" in r and 1 <= len(r.split("-", 1)[0]) <= 5]
        prefix = next(c for c in _candidates(used, name) if c not in taken)
        taken.add(prefix)
        conn.execute(
            sa.text("UPDATE properties SET account_prefix = :x WHERE id = :p"),
            {"x": prefix, "p": prop_id},
        )
    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.alter_column(
            'account_prefix', existing_type=sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False
        )
        batch_op.create_index(batch_op.f('ix_properties_account_prefix'), ['account_prefix'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('properties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_properties_account_prefix'))
        batch_op.drop_column('account_prefix')
