"""Unconfirmed STK payments (#11.7): M-Pesa never said whether the payer paid (its status query
kept answering "still processing" or "does not exist" past MPESA_UNCONFIRMED_AFTER), so the
reconciler stopped asking. A manager of the property looks the payment up on the M-Pesa
statement and marks it paid with its receipt number (credited once: the receipt is unique across
STK receipts and paybill TransIDs) or failed. Both are audited. A late callback or paybill echo
still credits it on its own (payments.callbacks, payments.paybill)."""

from __future__ import annotations

import re

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.core import audit
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.i18n import N_
from pms_app.payments.crediting import credit_payment
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.shared import notify_payment, set_status
from pms_app.properties.access import managed_property_ids, require_approved

# M-Pesa receipt numbers: ten letters and digits, a letter first ("NLJ7RT61SV").
RECEIPT_FORMAT = re.compile(r"[A-Z][A-Z0-9]{9}")
_AUDITED = ("status", "amount", "mpesa_receipt", "receipt_no", "result_desc")
GONE = "This payment is no longer unconfirmed: it was settled meanwhile."
# Stored as result_desc; the tenant's page shows them translated.
CONFIRMED_PAID = N_("Paid: confirmed by your landlord from the M-Pesa statement.")
MARKED_FAILED = N_("Not on the M-Pesa statement: your landlord marked this payment failed.")


def visible_unconfirmed(session: Session, actor: User | None) -> list[Payment]:
    """Unconfirmed payments of the properties this manager runs (admin: all), oldest first."""
    user = require_approved(session, actor)
    if user.role not in (Role.ADMIN, Role.LANDLORD, Role.MANAGER):
        raise NotFound("page")
    query = select(Payment).where(Payment.status == PaymentStatus.UNCONFIRMED)
    if user.role != Role.ADMIN:
        query = query.where(col(Payment.property_id).in_(managed_property_ids(session, user)))
    return list(session.exec(query.order_by(col(Payment.created_at), col(Payment.id))).all())


def _managed_unconfirmed(
    session: Session, actor: User | None, payment_id: int
) -> tuple[User, Payment]:
    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None or payment.property_id not in managed_property_ids(session, user):
        raise NotFound("payment")
    if payment.status != PaymentStatus.UNCONFIRMED:
        raise ServiceError(GONE)
    return user, payment


def clean_receipt(raw: str) -> str:
    """`nlj7 rt61sv` → `NLJ7RT61SV`; anything not shaped like a receipt number is refused."""
    value = re.sub(r"[\s\-]", "", str(raw or "")).upper()
    if not value:
        raise ValidationError("Type the M-Pesa receipt number from the statement.", "receipt")
    if not RECEIPT_FORMAT.fullmatch(value):
        raise ValidationError(
            "An M-Pesa receipt number is 10 letters and digits, starting with a letter "
            "(like NLJ7RT61SV).",
            "receipt",
        )
    return value


def mark_paid(session: Session, actor: User | None, payment_id: int, receipt: str) -> Payment:
    """The statement shows the money: credit the payment once, with its receipt number."""
    user, payment = _managed_unconfirmed(session, actor, payment_id)
    number = clean_receipt(receipt)
    taken = session.exec(
        select(Payment.id).where(
            Payment.id != payment.id,
            or_(Payment.mpesa_receipt == number, Payment.trans_id == number),
        )
    ).first()
    if taken is not None:
        raise ValidationError(
            "Receipt {receipt} is already recorded for another payment.", "receipt", receipt=number
        )
    before = audit.snapshot(payment, _AUDITED)
    try:
        if not credit_payment(
            session,
            payment,
            receipt=number,
            from_=(PaymentStatus.UNCONFIRMED,),
            result_code="0",
            result_desc=CONFIRMED_PAID,
        ):
            raise ServiceError(GONE)
        _audit(session, user, payment, "mark_paid", number, before)
        session.commit()
    except IntegrityError:  # the same receipt arrived (callback, echo) at this very moment
        session.rollback()
        raise ValidationError(
            "Receipt {receipt} is already recorded for another payment.", "receipt", receipt=number
        ) from None
    return payment


def mark_failed(session: Session, actor: User | None, payment_id: int) -> Payment:
    """The statement has no such money: the payment failed; nothing is credited."""
    user, payment = _managed_unconfirmed(session, actor, payment_id)
    before = audit.snapshot(payment, _AUDITED)
    if not set_status(
        session,
        payment,
        (PaymentStatus.UNCONFIRMED,),
        status=PaymentStatus.FAILED,
        result_desc=MARKED_FAILED,
    ):
        raise ServiceError(GONE)
    _audit(session, user, payment, "mark_failed", "", before)
    notify_payment(session, payment)
    session.commit()
    return payment


def _audit(
    session: Session,
    user: User,
    payment: Payment,
    action: str,
    receipt: str,
    before: dict[str, object],
) -> None:
    audit.record(
        session,
        user.id,
        object_type="payment",
        object_id=payment.id or 0,
        action=action,
        property_id=payment.property_id,
        reason=f"M-Pesa receipt {receipt}" if receipt else "",
        before=before,
        after=audit.snapshot(payment, _AUDITED),
    )
