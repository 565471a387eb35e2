"""Leases (tenant ↔ unit) and their private documents."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Index, SQLModel, text

from pms_app.core.timestamps import utcnow


class LeaseStatus:
    ACTIVE = "active"
    ENDED = "ended"


class Lease(SQLModel, table=True):
    __tablename__ = "leases"
    __table_args__ = (
        # One active lease per unit, enforced by the database (partial unique index).
        Index(
            "uq_lease_active_unit",
            "unit_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index(
            "uq_lease_active_ref",
            "account_ref",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    property_id: int = Field(foreign_key="properties.id", index=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    tenant_id: int = Field(foreign_key="users.id", index=True)
    rent: int  # whole shillings per month
    deposit: int = 0
    due_day: int = 1  # 1..28
    start_date: date
    end_date: date | None = None
    status: str = Field(default=LeaseStatus.ACTIVE, max_length=10)
    ended_on: date | None = None
    # Paybill account number / STK AccountReference (≤ 12 chars), stable for the lease.
    account_ref: str = Field(max_length=12, index=True)
    created_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
