"""What booking, waiting list and housekeeping share when a booking changes: the emails, the
realtime ping, and offering a freed time to the next person waiting (private to the package)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.models import Booking, BookingStatus, Facility, WaitlistEntry, WaitStatus
from pms_app.bookings.rules import _overlapping
from pms_app.bookings.times import facility_tz
from pms_app.core import formats
from pms_app.core.realtime import notify_after_commit
from pms_app.core.settings import get_settings
from pms_app.emails.service import queue_email
from pms_app.properties.audience import property_audience


def _notify(session: Session, facility: Facility, booking: Booking) -> None:
    audience = property_audience(session, facility.property_id) | {booking.user_id}
    notify_after_commit(session, audience, "bookings")


def _when(session: Session, facility: Facility, booking: Booking | WaitlistEntry) -> str:
    return formats.span(booking.start_at, booking.end_at, facility_tz(session, facility))


def _booking_email(
    session: Session, booking: Booking, facility: Facility, user: User, what: str
) -> None:
    base = get_settings().base_url
    when = _when(session, facility, booking)
    # Every message below is formatted eagerly: only awaiting-payment bookings have a hold time.
    tz = facility_tz(session, facility)
    until = formats.clock_time(booking.hold_expires_at, tz) if booking.hold_expires_at else ""
    lines = {
        "booked": {
            BookingStatus.CONFIRMED: f"Your booking {booking.number} of {facility.name} on {when} is confirmed.",
            BookingStatus.AWAITING_PAYMENT: (
                f"{facility.name} is held for you on {when} ({booking.number}). Pay KES "
                f"{booking.fee + booking.deposit:,} before {until} or the "
                "slot is released."
            ),
            BookingStatus.REQUESTED: f"Your request {booking.number} for {facility.name} on {when} is waiting for approval.",
        }.get(booking.status, ""),
        "confirmed": f"Your booking {booking.number} of {facility.name} on {when} is confirmed.",
        "cancelled": f"Your booking {booking.number} of {facility.name} on {when} was cancelled."
        + (f" Reason: {booking.cancel_reason}" if booking.cancel_reason else "")
        + (f" Cancellation fee: KES {booking.cancel_fee:,}." if booking.cancel_fee else "")
        + (
            f" A refund of KES {booking.refund_due:,} is due to you; the manager will return it."
            if booking.refund_due
            else " The fee is kept under the facility's cancellation policy."
            if booking.cancel_fee
            else ""
        ),
        "declined": f"Your request {booking.number} for {facility.name} on {when} was declined."
        + (f" Reason: {booking.cancel_reason}" if booking.cancel_reason else ""),
        "expired": f"Your hold {booking.number} on {facility.name} ({when}) expired unpaid; the slot was released.",
        "reminder": f"Reminder: {facility.name} is booked for you on {when} ({booking.number}).",
    }[what]
    queue_email(
        session,
        user.email,
        f"{facility.name}: booking {booking.number} {what}",
        f"Hello {user.full_name},\n\n{lines}\n\nYour bookings: {base}/bookings",
        kind=f"booking_{what}",
        dedupe_key=f"booking:{booking.id}:{what}:{booking.status}" if what != "booked" else None,
    )


def _offer_next(
    session: Session, facility: Facility, start: datetime, end: datetime, now: datetime
) -> WaitlistEntry | None:
    """Offer a freed time to the first person waiting for a time inside it (that is now free)."""
    # Take the facility's lock (within the caller's transaction) so two workers freeing
    # overlapping holds at once see each other's result instead of both finding the time busy.
    session.exec(  # type: ignore[call-overload]
        update(Facility)
        .where(Facility.id == facility.id)  # type: ignore[arg-type]
        .values(lock_version=Facility.lock_version + 1)
    )
    for entry in session.exec(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.facility_id == facility.id,
            WaitlistEntry.status == WaitStatus.WAITING,
            WaitlistEntry.start_at < end,
            WaitlistEntry.end_at > start,
        )
        .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
    ).all():
        if entry.start_at <= now:
            entry.status = WaitStatus.EXPIRED
            session.add(entry)
            continue
        if _overlapping(session, facility.id or 0, entry.start_at, entry.end_at) is not None:
            continue
        if _has_open_offer(session, facility.id or 0, entry.start_at, entry.end_at):
            return None
        entry.status = WaitStatus.OFFERED
        entry.offered_at = now
        entry.offer_expires_at = now + timedelta(minutes=facility.offer_minutes)
        session.add(entry)
        user = session.get(User, entry.user_id)
        if user:
            queue_email(
                session,
                user.email,
                f"{facility.name} is free: confirm within {facility.offer_minutes} minutes",
                f"Hello {user.full_name},\n\nThe time you waited for — {facility.name}, "
                f"{_when(session, facility, entry)} — is free. Confirm it before "
                f"{formats.clock_time(entry.offer_expires_at, facility_tz(session, facility))}: "
                f"{get_settings().base_url}/bookings",
                kind="waitlist_offer",
                dedupe_key=f"offer:{entry.id}",
            )
            notify_after_commit(session, [user.id or 0], "bookings")
        return entry
    return None


def _has_open_offer(session: Session, facility_id: int, start: datetime, end: datetime) -> bool:
    return (
        session.exec(
            select(WaitlistEntry.id).where(
                WaitlistEntry.facility_id == facility_id,
                WaitlistEntry.status == WaitStatus.OFFERED,
                WaitlistEntry.start_at < end,
                WaitlistEntry.end_at > start,
            )
        ).first()
        is not None
    )
