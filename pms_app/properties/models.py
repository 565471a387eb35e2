"""Properties, their units, and people's memberships of a property."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from pms_app.core.timestamps import utcnow


class Property(SQLModel, table=True):
    __tablename__ = "properties"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=120)
    # Start of every lease's paybill account number (e.g. SUN in SUN-A1), unique in the install:
    # paybill money with an unknown unit is routed by it, so two landlords can never share one.
    account_prefix: str = Field(max_length=6, unique=True, index=True)
    address: str = Field(max_length=300)
    default_rent: int | None = None  # whole shillings
    timezone: str = Field(default="Africa/Nairobi", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    # Late fees: "none", "fixed" (late_fee_value shillings) or "percent" (of the unpaid rent).
    late_fee_kind: str = Field(
        default="none", max_length=8, sa_column_kwargs={"server_default": "none"}
    )
    late_fee_value: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    late_fee_grace_days: int = Field(default=5, sa_column_kwargs={"server_default": "5"})
    # Automatic rent reminders, N days before and after the due day (0 = off).
    remind_days_before: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    remind_days_after: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Unit(SQLModel, table=True):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("property_id", "label", name="uq_unit_label"),)

    id: int | None = Field(default=None, primary_key=True)
    property_id: int = Field(foreign_key="properties.id", index=True, ondelete="CASCADE")
    label: str = Field(max_length=20)
    rent: int | None = None  # whole shillings; None → property default
    created_at: datetime = Field(default_factory=utcnow)


class MembershipStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REMOVED = "removed"


class Membership(SQLModel, table=True):
    """A person's place at a property: tenant (awaiting approval or approved), manager or staff."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "property_id", name="uq_membership"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    property_id: int = Field(foreign_key="properties.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=16)  # Role value: tenant, manager, staff
    status: str = Field(max_length=16)  # MembershipStatus value
    unit_id: int | None = Field(default=None, foreign_key="units.id", ondelete="SET NULL")
    requested_unit_id: int | None = Field(default=None, foreign_key="units.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    decision_reason: str = Field(default="", max_length=500)


class Invitation(SQLModel, table=True):
    """A landlord/manager invites a manager or staff member to a property by email."""

    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    property_id: int = Field(foreign_key="properties.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254, index=True)
    role: str = Field(max_length=16)  # Role value
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None
