"""The ledger's per-lease aggregates in SQL, shared by the arrears report and the Tenants list so
both settle credits against the oldest charges the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func
from sqlmodel import col

from pms_app.ledger.models import LedgerEntry


def due_sum(today: Any) -> Any:
    """Charges due by `today` (a date or a bind parameter)."""
    return func.coalesce(
        func.sum(
            case(
                (
                    (col(LedgerEntry.amount) > 0) & (col(LedgerEntry.due_date) <= today),
                    LedgerEntry.amount,
                ),
                else_=0,
            )
        ),
        0,
    )


def credit_sum() -> Any:
    """Payments and credits, as a positive amount."""
    return func.coalesce(
        func.sum(case((col(LedgerEntry.amount) < 0, -col(LedgerEntry.amount)), else_=0)), 0
    )


def arrears_sum(today: Any) -> Any:
    """What is due and unpaid. Credits settle the oldest charges first, and every charge due by
    today is older than any due later, so the unpaid due part is simply due − credits."""
    return due_sum(today) - credit_sum()
