"""Crediting a payment exactly once: marked paid, the lease's ledger credited, the receipt
numbered and mailed (a booking fee is settled by `booking_fees`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core import formats
from pms_app.core.i18n import gettext
from pms_app.core.realtime import notify_after_commit
from pms_app.core.sequences import insert_ignore, next_number
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.emails.service import composing_for, queue_email
from pms_app.leases.models import Lease
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments.booking_fees import credit_booking_payment
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.shared import (
    payment_audience,
    payment_label,
    payment_label_shown,
    set_status,
)


def credit_payment(
    session: Session,
    payment: Payment,
    paid_on: date | None = None,
    receipt: str | None = None,
    from_: tuple[str, ...] = (PaymentStatus.PENDING,),
    **result: object,
) -> bool:
    """Mark paid and credit the lease's ledger (or confirm the booking), exactly once.
    `result` (result_code, result_desc; amount for a reviewed payment) is stored with the same
    change. The caller commits."""
    if payment.booking_id is not None:
        return credit_booking_payment(session, payment, receipt, from_, **result)
    now = utcnow()
    today = now.astimezone(ZoneInfo(get_settings().timezone)).date()  # ledger dates are local
    # A back-dated cash/bank payment is dated at noon (Nairobi ≈ 09:00 UTC) of the day it was paid.
    paid_at = datetime.combine(paid_on, time(9, 0), UTC) if paid_on and paid_on != today else now
    if payment.status not in from_:
        return False  # already moved on (a repeated callback): nothing to read or write
    assert payment.lease_id is not None
    # Reads first: on SQLite the write transaction (one writer at a time) starts at the UPDATE.
    tenant = session.exec(_lease_tenant(), params={"lease_id": payment.lease_id}).first()
    audience = payment_audience(session, payment, tenant.id if tenant else None)
    if receipt and not payment.mpesa_receipt:
        # With the status, not after the counter: a concurrent paybill echo inserting the same
        # receipt then waits for this row (or this for it), never both for each other.
        result["mpesa_receipt"] = receipt
    if not set_status(
        session, payment, from_, status=PaymentStatus.PAID, paid_at=paid_at, **result
    ):
        return False
    numbered = {"receipt_no": next_number(session, "RCP", today.year, 6)}
    set_status(session, payment, (PaymentStatus.PAID,), **numbered)
    insert_ignore(
        session,
        LedgerEntry,
        {
            "lease_id": payment.lease_id,
            "kind": EntryKind.PAYMENT,
            "amount": -payment.amount,
            "due_date": paid_on or today,
            "description": payment_label(payment),
            "dedupe_key": f"pay:{payment.id}",
            "payment_id": payment.id,
            "created_by_id": payment.initiated_by_id,
        },
    )
    if tenant:
        with composing_for(tenant):
            queue_email(
                session,
                tenant.email,
                gettext("Payment received — receipt {receipt}", receipt=payment.receipt_no),
                gettext(
                    "Hello {name},\n\nWe received {amount} ({what}). Receipt number: "
                    "{receipt}.\nDownload the receipt: {link}",
                    name=tenant.full_name,
                    amount=formats.money(payment.amount),
                    what=payment_label_shown(payment),
                    receipt=payment.receipt_no,
                    link=f"{get_settings().base_url}/api/receipts/{payment.id}.pdf",
                ),
                kind="payment_receipt",
                dedupe_key=f"receipt:{payment.id}",
            )
    notify_after_commit(session, audience, "payments")
    return True


# Built once and run with parameters (on the crediting path).
@lru_cache(maxsize=1)
def _lease_tenant() -> Any:
    return (
        select(User.id, User.email, User.full_name, User.language)
        .join(Lease, col(Lease.tenant_id) == User.id)
        .where(Lease.id == bindparam("lease_id"))
    )
