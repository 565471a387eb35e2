"""Booking fees: the STK push for a booking's fee and deposit, and how the payment settles the
booking (hooks the bookings domain registers: payments knows no bookings)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pms_app.accounts import throttle
from pms_app.accounts.models import User
from pms_app.core import jobs
from pms_app.core.errors import ServiceError
from pms_app.core.i18n import N_
from pms_app.core.sequences import next_number
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_phone
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.prompt_guard import refuse_if_prompt_open
from pms_app.payments.shared import notify_payment, require_mpesa, set_status

MPESA_OFF_BOOKING = N_(
    "M-Pesa payments are not set up on this install. Pay the manager by cash or bank; they "
    "mark the booking paid."
)


@dataclasses.dataclass(frozen=True)
class BookingHooks:
    """How a booking fee is settled, registered by the bookings domain (payments knows no
    bookings): is the booking still waiting for its payment, and confirm it once paid."""

    awaiting_payment: Callable[[Session, int], bool]
    confirm_paid: Callable[[Session, int, datetime], None]


_booking_hooks: list[BookingHooks] = []


def register_booking_hooks(hooks: BookingHooks) -> None:
    _booking_hooks[:] = [hooks]


def credit_booking_payment(
    session: Session,
    payment: Payment,
    receipt: str | None,
    from_: tuple[str, ...],
    **result: object,
) -> bool:
    """A booking fee: confirm the held booking; if the hold is gone, keep the money for review."""
    if not _booking_hooks:
        raise RuntimeError("no booking hooks registered: import pms_app.worker")
    hooks = _booking_hooks[0]
    booking_id = payment.booking_id or 0
    if not hooks.awaiting_payment(session, booking_id):
        moved = set_status(
            session,
            payment,
            from_,
            status=PaymentStatus.REVIEW,
            mpesa_receipt=receipt or payment.mpesa_receipt,
            result_desc="Paid after the booking stopped waiting for payment: refund or rebook.",
        )
        if moved:
            notify_payment(session, payment)
        return moved
    now = utcnow()
    if not set_status(session, payment, from_, status=PaymentStatus.PAID, paid_at=now, **result):
        return False
    payment.receipt_no = next_number(session, "RCP", now.year, 6)
    if receipt and not payment.mpesa_receipt:
        payment.mpesa_receipt = receipt
    session.add(payment)
    hooks.confirm_paid(session, booking_id, now)
    notify_payment(session, payment)
    return True


def record_booking_payment(
    session: Session,
    *,
    booking_id: int,
    property_id: int,
    amount: int,
    payer_id: int,
    recorded_by_id: int,
    reference: str,
) -> Payment:
    """A booking fee paid to a manager by hand: a paid cash Payment with its receipt number, so
    it is listed and counted like an M-Pesa booking fee. The bookings domain has checked the
    manager and confirmed the booking; the caller commits. `initiated_by_id` is the booker (the
    payments page names the payer of a booking fee from it, as for an STK push), the manager
    who recorded it is in `result_desc`."""
    now = utcnow()
    payment = Payment(
        booking_id=booking_id,
        property_id=property_id,
        method=PaymentMethod.CASH,
        status=PaymentStatus.PAID,
        amount=amount,
        reference=reference[:100],
        paid_at=now,
        receipt_no=next_number(session, "RCP", now.year, 6),
        initiated_by_id=payer_id,
        result_desc=f"Recorded by user {recorded_by_id}",
    )
    session.add(payment)
    session.flush()
    notify_payment(session, payment)
    return payment


def record_booking_refund(session: Session, payment_id: int, amount: int) -> bool:
    """A booking's refund was made: its paid payment records what was given back, so
    "collected" counts only what was kept (never more than was paid). The bookings domain has
    checked the manager and audits the refund; the caller commits."""
    moved = session.exec(  # type: ignore[call-overload]
        update(Payment)
        .where(
            Payment.id == payment_id,  # type: ignore[arg-type]
            Payment.status == PaymentStatus.PAID,  # type: ignore[arg-type]
            col(Payment.booking_id).is_not(None),
            col(Payment.refunded_amount) + amount <= col(Payment.amount),
        )
        .values(refunded_amount=col(Payment.refunded_amount) + amount, updated_at=utcnow())
    )
    if moved.rowcount != 1:
        return False
    payment = session.get(Payment, payment_id)
    if payment is not None:
        session.refresh(payment)
        notify_payment(session, payment)
    return True


def start_booking_stk(
    session: Session,
    user: User,
    booking_id: int,
    property_id: int,
    amount: int,
    account_ref: str,
    phone: str,
) -> Payment:
    """The STK push for a booking's fee and deposit (same flow as rent); the bookings domain
    has checked the booking is the payer's and waiting for payment. The caller commits (with
    its booking pointing at the payment, in the same transaction)."""
    require_mpesa(MPESA_OFF_BOOKING)
    msisdn = clean_phone(phone)
    just_sent = "A payment prompt was just sent to your phone. Answer it, or wait a minute."
    # As for rent: the rate-limit row first, so one booker's concurrent requests queue up and
    # the check below sees the prompt a moment-earlier request started.
    throttle.hit(session, f"stk:{user.id}", limit=5, window_s=600)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ServiceError(just_sent) from None
    recent = session.exec(
        select(Payment.id).where(
            Payment.booking_id == booking_id,
            Payment.status == PaymentStatus.PENDING,
            Payment.created_at > utcnow() - timedelta(seconds=60),
        )
    ).first()
    if recent is not None:
        session.rollback()  # the refusal leaves nothing behind (the row only serialised us)
        raise ServiceError(just_sent)
    try:
        refuse_if_prompt_open(session, msisdn, booking_id=booking_id)
    except ServiceError:
        session.rollback()
        raise
    payment = Payment(
        booking_id=booking_id,
        property_id=property_id,
        method=PaymentMethod.STK,
        status=PaymentStatus.PENDING,
        amount=amount,
        phone=msisdn,
        account_ref=account_ref,
        initiated_by_id=user.id,
    )
    session.add(payment)
    session.flush()
    jobs.enqueue_after_commit(session, "pms.send_stk_push", payment.id or 0)
    notify_payment(session, payment)
    return payment
