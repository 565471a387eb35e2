"""The rent ledger: one row per charge or credit. Balance = debits − credits, always exact."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Index, SQLModel

from pms_app.core.timestamps import utcnow


class EntryKind:
    RENT = "rent"
    DEPOSIT = "deposit"
    LATE_FEE = "late_fee"
    ADJUSTMENT = "adjustment"
    PAYMENT = "payment"


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entries"
    # Covers per-lease balances, statements and the dashboard's sums without touching the table.
    __table_args__ = (
        Index("ix_ledger_entries_lease_due", "lease_id", "due_date", "kind", "amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lease_id: int = Field(foreign_key="leases.id")
    kind: str = Field(max_length=16)
    # +amount is a charge (tenant owes more), −amount a credit (payment, credit adjustment).
    amount: int
    due_date: date  # charges: when due; credits: when paid (may be back-dated)
    period: str = Field(default="", max_length=7)  # "2026-11" for rent and late fees
    description: str = Field(default="", max_length=200)
    # Makes scheduled charges and payment credits idempotent: "rent:12:2026-11", "pay:345".
    dedupe_key: str | None = Field(default=None, max_length=60, unique=True)
    payment_id: int | None = Field(default=None, foreign_key="payments.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class LateFeeRule:
    NONE = "none"
    FIXED = "fixed"
    PERCENT = "percent"
