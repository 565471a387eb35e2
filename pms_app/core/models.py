"""Tables of the core: counters for numbers shown to people."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Counter(SQLModel, table=True):
    """Per-year sequences for numbers shown to people (receipts, tickets, bookings)."""

    __tablename__ = "counters"

    name: str = Field(primary_key=True, max_length=40)  # e.g. "receipt:2026"
    value: int = 0
