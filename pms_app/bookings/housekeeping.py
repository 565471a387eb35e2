"""Scheduled work (run by bookings.tasks): unpaid holds expire, lapsed offers pass on, and
reminders go out before a booking."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings._common import _booking_email, _notify, _offer_next
from pms_app.bookings.models import Booking, BookingStatus, Facility, WaitlistEntry, WaitStatus
from pms_app.core.timestamps import utcnow


def expire_holds(session: Session, now: datetime | None = None) -> int:
    """Unpaid holds past their time free the slot (and the waiting list gets an offer)."""
    now = now or utcnow()
    expired = 0
    for booking in session.exec(
        select(Booking).where(
            Booking.status == BookingStatus.AWAITING_PAYMENT, col(Booking.hold_expires_at) < now
        )
    ).all():
        moved = session.exec(  # type: ignore[call-overload]
            update(Booking)
            .where(Booking.id == booking.id, Booking.status == BookingStatus.AWAITING_PAYMENT)  # type: ignore[arg-type]
            .values(status=BookingStatus.EXPIRED, updated_at=now)
        )
        if moved.rowcount != 1:
            continue
        session.refresh(booking)
        facility = session.get(Facility, booking.facility_id)
        booker = session.get(User, booking.user_id)
        if facility and booker:
            _booking_email(session, booking, facility, booker, "expired")
            _offer_next(session, facility, booking.start_at, booking.end_at, now)
            _notify(session, facility, booking)
        expired += 1
        session.commit()
    return expired


def expire_offers(session: Session, now: datetime | None = None) -> int:
    """Offers not confirmed in time lapse; the next person in line is offered the slot."""
    now = now or utcnow()
    lapsed = 0
    for entry in session.exec(
        select(WaitlistEntry).where(
            WaitlistEntry.status == WaitStatus.OFFERED, col(WaitlistEntry.offer_expires_at) < now
        )
    ).all():
        entry.status = WaitStatus.EXPIRED
        session.add(entry)
        facility = session.get(Facility, entry.facility_id)
        if facility:
            _offer_next(session, facility, entry.start_at, entry.end_at, now)
        lapsed += 1
        session.commit()
    return lapsed


def send_reminders(session: Session, now: datetime | None = None, hours_before: int = 24) -> int:
    now = now or utcnow()
    sent = 0
    for booking in session.exec(
        select(Booking).where(
            Booking.status == BookingStatus.CONFIRMED,
            col(Booking.reminder_sent_at).is_(None),
            Booking.start_at > now,
            Booking.start_at <= now + timedelta(hours=hours_before),
        )
    ).all():
        facility = session.get(Facility, booking.facility_id)
        booker = session.get(User, booking.user_id)
        if facility and booker:
            _booking_email(session, booking, facility, booker, "reminder")
        booking.reminder_sent_at = now
        session.add(booking)
        session.commit()
        sent += 1
    return sent
