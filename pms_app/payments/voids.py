"""Voiding a cash or bank payment recorded by mistake (#10.7).

Why only cash/bank: an M-Pesa payment is money that really arrived (Safaricom confirmed it), so
it is never voided; if it was credited to the wrong lease it is reassigned instead. A hand-typed
cash/bank entry can simply be wrong (typo, recorded twice), so the manager voids it with a reason.

Nothing is deleted: the payment row stays (status `void`, shown as voided), its ledger credit
stays, and a reversing entry of the same amount is added, so the statement still explains every
shilling. Each void writes an audit event (who, when, why, before/after) in the same transaction.
"""

from __future__ import annotations

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.core import audit
from pms_app.core.errors import NotFound, ServiceError
from pms_app.core.sequences import insert_ignore
from pms_app.core.validation import clean_text
from pms_app.leases.service import today_local
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.shared import notify_payment, payment_label, set_status
from pms_app.properties.access import managed_property_ids, require_approved

VOIDABLE_METHODS = (PaymentMethod.CASH, PaymentMethod.BANK)
_AUDITED = ("status", "amount", "method", "lease_id", "reference", "receipt_no")


def void_payment(session: Session, actor: User | None, payment_id: int, reason: str) -> Payment:
    """The property's landlord or managers (admin too) void a paid cash/bank payment.
    Staff, tenants and other landlords get NotFound (they may not know the payment exists)."""
    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None or payment.property_id not in managed_property_ids(session, user):
        raise NotFound("payment")
    why = clean_text(reason, "reason", "the reason", 300, required=True)
    if payment.method not in VOIDABLE_METHODS:
        raise ServiceError(
            "M-Pesa payments can't be voided: the money arrived. If it went to the wrong "
            "lease, assign it to the right one instead."
        )
    if payment.lease_id is None:
        raise ServiceError("Only rent payments recorded by hand can be voided.")
    before = audit.snapshot(payment, _AUDITED)
    if not set_status(session, payment, (PaymentStatus.PAID,), status=PaymentStatus.VOID):
        raise ServiceError("Only a paid payment can be voided (this one is not, or was voided).")
    # The reversing entry: +amount (the tenant owes it again), kind `payment` so "collected"
    # nets to zero for it; dated today (the day the correction was made, statements stay in order).
    insert_ignore(
        session,
        LedgerEntry,
        {
            "lease_id": payment.lease_id,
            "kind": EntryKind.PAYMENT,
            "amount": payment.amount,
            "due_date": today_local(),
            "description": f"Void of {payment_label(payment)}: {why}"[:200],
            "dedupe_key": f"void:{payment.id}",
            "payment_id": payment.id,
            "created_by_id": user.id,
        },
    )
    audit.record(
        session,
        user.id,
        object_type="payment",
        object_id=payment.id or 0,
        action="void",
        property_id=payment.property_id,
        reason=why,
        before=before,
        after=audit.snapshot(payment, _AUDITED),
    )
    notify_payment(session, payment)
    session.commit()
    return payment
