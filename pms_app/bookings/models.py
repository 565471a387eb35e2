"""Facility bookings: facilities with rules, blackouts, bookings, the waiting list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from pms_app.core.timestamps import utcnow


class BookingStatus:
    REQUESTED = "requested"  # waiting for a manager's approval
    AWAITING_PAYMENT = "awaiting_payment"  # slot held until hold_expires_at
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # unpaid hold ran out
    DECLINED = "declined"

    # These occupy the slot.
    ACTIVE = (REQUESTED, AWAITING_PAYMENT, CONFIRMED)


class WaitStatus:
    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Facility(SQLModel, table=True):
    __tablename__ = "facilities"

    id: int | None = Field(default=None, primary_key=True)
    property_id: int = Field(foreign_key="properties.id", index=True)
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=500)
    capacity: int = 1  # most guests in one booking
    # Opening hours per weekday (0 = Monday): {"0": ["06:00", "22:00"], ...}; missing = closed.
    hours: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    slot_minutes: int | None = None  # fixed slots; None = free start/end on a 15-minute grid
    min_minutes: int = 30
    max_minutes: int = 240
    advance_days: int = 30  # how far ahead one may book
    max_active_per_resident: int = 2
    fee: int = 0  # whole shillings
    deposit: int = 0  # refundable
    requires_approval: bool = False
    free_cancel_hours: int = 24
    cancel_fee_kind: str = Field(default="percent", max_length=8)  # "fixed" or "percent" (of fee)
    cancel_fee_value: int = 50
    hold_minutes: int = 30  # unpaid bookings free the slot after this
    offer_minutes: int = 60  # a waiting-list offer lasts this long
    active: bool = True
    lock_version: int = 0  # bumped to lock the facility row inside a booking transaction
    created_at: datetime = Field(default_factory=utcnow)


class FacilityBlackout(SQLModel, table=True):
    __tablename__ = "facility_blackouts"

    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facilities.id", index=True, ondelete="CASCADE")
    start_at: datetime
    end_at: datetime
    reason: str = Field(default="", max_length=200)


class Booking(SQLModel, table=True):
    __tablename__ = "bookings"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)  # BKG-2026-0001
    facility_id: int = Field(foreign_key="facilities.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    start_at: datetime = Field(index=True)
    end_at: datetime
    guests: int = 1
    status: str = Field(max_length=20, index=True)
    fee: int = 0
    deposit: int = 0
    cancel_fee: int = 0
    # A paid booking cancelled: what goes back to the booker (paid minus the policy's fee), and
    # when a manager marked it refunded (who: the audit trail). 0 = nothing due (#10.7).
    refund_due: int = 0
    refunded_at: datetime | None = None
    hold_expires_at: datetime | None = None
    payment_id: int | None = Field(default=None, foreign_key="payments.id")
    note: str = Field(default="", max_length=300)
    cancel_reason: str = Field(default="", max_length=300)
    cancelled_by_id: int | None = Field(default=None, foreign_key="users.id")
    reminder_sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WaitlistEntry(SQLModel, table=True):
    __tablename__ = "waitlist_entries"

    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facilities.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    start_at: datetime
    end_at: datetime
    guests: int = 1
    status: str = Field(default=WaitStatus.WAITING, max_length=12, index=True)
    offered_at: datetime | None = None
    offer_expires_at: datetime | None = None
    booking_id: int | None = Field(default=None, foreign_key="bookings.id")
    created_at: datetime = Field(default_factory=utcnow)
