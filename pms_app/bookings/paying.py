"""Paying a booking: the payments domain runs the STK push; this module registers, on import,
how a booking fee is settled (payments knows no bookings; bookings.tasks imports it)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.bookings.lifecycle import get_own_or_managed_booking, mark_paid
from pms_app.bookings.models import Booking, BookingStatus
from pms_app.core.errors import NotFound, ServiceError
from pms_app.payments import booking_fees as payments
from pms_app.payments.models import Payment
from pms_app.properties.access import require_approved


def start_booking_payment(
    session: Session, actor: User | None, booking_id: int, phone: str
) -> Payment:
    """The booker pays a held booking's fee and deposit by STK push (same flow as rent)."""
    user = require_approved(session, actor)
    booking, facility, _ = get_own_or_managed_booking(session, user, booking_id)
    if booking.user_id != user.id:
        raise NotFound("booking")
    if booking.status != BookingStatus.AWAITING_PAYMENT:
        raise ServiceError("This booking is not waiting for payment.")
    payment = payments.start_booking_stk(
        session,
        user,
        booking.id or 0,
        facility.property_id,
        booking.fee + booking.deposit,
        booking.number.replace("-", "")[:12],
        phone,
    )
    booking.payment_id = payment.id
    session.add(booking)
    session.commit()
    return payment


def _awaiting_payment(session: Session, booking_id: int) -> bool:
    booking = session.get(Booking, booking_id)
    return booking is not None and booking.status == BookingStatus.AWAITING_PAYMENT


def _confirm_paid(session: Session, booking_id: int, now: datetime) -> None:
    booking = session.get(Booking, booking_id)
    assert booking is not None
    mark_paid(session, booking, now)


payments.register_booking_hooks(
    payments.BookingHooks(awaiting_payment=_awaiting_payment, confirm_paid=_confirm_paid)
)
