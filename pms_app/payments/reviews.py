"""A manager's hand work: payments flagged for review (credit or reject) and cash or bank
payments recorded by hand."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.core import formats
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.validation import clean_amount, clean_text
from pms_app.leases.service import get_managed_lease, parse_date, today_local
from pms_app.payments.crediting import credit_payment
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.shared import notify_payment, set_status
from pms_app.properties.access import managed_property_ids, require_approved

EARLY_PAYMENT_DAYS = 31  # a deposit may be paid before move-in; not a year before


def visible_reviews(session: Session, actor: User | None) -> list[Payment]:
    """Payments M-Pesa confirmed that did not match what was asked (amount, phone, receipt),
    for the properties this manager runs, oldest first."""
    user = require_approved(session, actor)
    if user.role not in (Role.ADMIN, Role.LANDLORD, Role.MANAGER):
        raise NotFound("page")
    query = select(Payment).where(Payment.status == PaymentStatus.REVIEW)
    if user.role != Role.ADMIN:
        query = query.where(col(Payment.property_id).in_(managed_property_ids(session, user)))
    return list(session.exec(query.order_by(col(Payment.created_at))).all())


def resolve_review(session: Session, actor: User | None, payment_id: int, accept: bool) -> Payment:
    """A manager credits (or rejects) a payment flagged for review. Accepting credits what M-Pesa
    reported paid (`received_amount`), which then becomes the payment's amount."""
    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None or payment.property_id not in managed_property_ids(session, user):
        raise NotFound("payment")
    if accept:
        paid = {} if payment.received_amount is None else {"amount": payment.received_amount}
        if not credit_payment(session, payment, from_=(PaymentStatus.REVIEW,), **paid):
            raise ServiceError("This payment is no longer waiting for review.")
    elif not set_status(session, payment, (PaymentStatus.REVIEW,), status=PaymentStatus.FAILED):
        raise ServiceError("This payment is no longer waiting for review.")
    else:
        notify_payment(session, payment)
    session.commit()
    return payment


def record_manual_payment(
    session: Session,
    actor: User | None,
    lease_id: int,
    amount: str | int,
    method: str,
    paid_on: str | date,
    reference: str = "",
) -> Payment:
    """Cash or bank payment recorded by a manager, back-dated if needed."""
    user = require_approved(session, actor)
    lease = get_managed_lease(session, user, lease_id)
    value = clean_amount(amount, "amount", "the amount", required=True) or 0
    if value < 1:
        raise ValidationError("The amount must be at least 1 shilling.", "amount")
    if method not in (PaymentMethod.CASH, PaymentMethod.BANK):
        raise ValidationError("Choose cash or bank.", "method")
    day = parse_date(paid_on, "paid_on", "the payment date")
    assert day is not None
    if day > today_local():
        raise ValidationError("The payment date can't be in the future.", "paid_on")
    if day < lease.start_date - timedelta(days=EARLY_PAYMENT_DAYS):
        raise ValidationError(
            "That is more than {days} days before the lease started ({started}): check the date.",
            "paid_on",
            days=EARLY_PAYMENT_DAYS,
            started=formats.day(lease.start_date),
        )
    ref = clean_text(reference, "reference", "the reference", 100, required=False)
    payment = Payment(
        lease_id=lease.id,
        property_id=lease.property_id,
        method=method,
        status=PaymentStatus.PENDING,
        amount=value,
        reference=ref,
        initiated_by_id=user.id,
    )
    session.add(payment)
    session.flush()
    credit_payment(session, payment, paid_on=day)
    session.commit()
    return payment
