"""Tables of the core: counters for numbers shown to people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Index, SQLModel

from pms_app.core.timestamps import utcnow


class Counter(SQLModel, table=True):
    """Per-year sequences for numbers shown to people (receipts, tickets, bookings)."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=40)  # e.g. "receipt:2026"
    value: int = 0


class AuditEvent(SQLModel, table=True):
    """Who changed what, when and why, with the object before and after (see core/audit.py).
    Domain-neutral on purpose: payments, leases and later 2FA/admin actions all write here.
    Rows are only ever added, never updated or deleted."""

    __tablename__ = "audit_events"
    # An object's history, newest first.
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)  # UTC
    # No foreign keys: the trail outlives (and never blocks deleting) what it describes.
    actor_user_id: int | None = Field(default=None, index=True)
    property_id: int | None = Field(default=None, index=True)
    object_type: str = Field(max_length=40)
    object_id: int
    action: str = Field(max_length=40)
    reason: str = Field(default="", max_length=300)
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
