"""Booking rules: opening hours, grid and slots, how far ahead, guests, blackouts, one booking per
time (under the facility's lock), per-resident limits, waiting-list offers, and the
cancellation fee."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.models import (
    Booking,
    BookingStatus,
    Facility,
    FacilityBlackout,
    WaitlistEntry,
    WaitStatus,
)
from pms_app.bookings.times import GRID_MINUTES, facility_tz
from pms_app.core.errors import ValidationError


def _check_rules(
    session: Session,
    facility: Facility,
    user: User,
    start: datetime,
    end: datetime,
    guests: int,
    now: datetime,
) -> None:
    tz = facility_tz(session, facility)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    minutes = int((end - start).total_seconds() // 60)
    if end <= start:
        raise ValidationError("The end must be after the start.", "end")
    if start < now:
        raise ValidationError("That time is in the past.", "start")
    if start > now + timedelta(days=facility.advance_days):
        raise ValidationError(
            "You can book at most {days} days ahead.", "start", days=facility.advance_days
        )
    if local_start.minute % GRID_MINUTES or local_end.minute % GRID_MINUTES or local_start.second:
        raise ValidationError(
            "Start and end on a {minutes}-minute grid.", "start", minutes=GRID_MINUTES
        )
    if minutes < facility.min_minutes:
        raise ValidationError(
            "Book at least {minutes} minutes.", "end", minutes=facility.min_minutes
        )
    if minutes > facility.max_minutes:
        raise ValidationError(
            "Book at most {minutes} minutes.", "end", minutes=facility.max_minutes
        )
    span = facility.hours.get(str(local_start.weekday()))
    if not span or local_end.date() != local_start.date():
        raise ValidationError("{facility} is closed then.", "start", facility=facility.name)
    opens, closes = time.fromisoformat(span[0]), time.fromisoformat(span[1])
    if local_start.time() < opens or local_end.time() > closes:
        raise ValidationError(
            "{facility} is open {opens}–{closes} that day.",
            "start",
            facility=facility.name,
            opens=span[0],
            closes=span[1],
        )
    if facility.slot_minutes:
        since_open = datetime.combine(local_start.date(), local_start.time()) - datetime.combine(
            local_start.date(), opens
        )
        if (
            since_open.total_seconds() // 60
        ) % facility.slot_minutes or minutes % facility.slot_minutes:
            raise ValidationError(
                "Book whole {minutes}-minute slots.", "start", minutes=facility.slot_minutes
            )
    if not 1 <= guests <= facility.capacity:
        raise ValidationError(
            "Guests must be between 1 and {most}.", "guests", most=facility.capacity
        )
    blackout = session.exec(
        select(FacilityBlackout).where(
            FacilityBlackout.facility_id == facility.id,
            FacilityBlackout.start_at < end,
            FacilityBlackout.end_at > start,
        )
    ).first()
    if blackout is not None:
        if blackout.reason:
            raise ValidationError(
                "{facility} is closed for maintenance then ({reason}).",
                "start",
                facility=facility.name,
                reason=blackout.reason,
            )
        raise ValidationError(
            "{facility} is closed for maintenance then.", "start", facility=facility.name
        )


def _lock_facility(session: Session, facility_id: int) -> None:
    """Serialise bookings of one facility: the first write of the transaction takes the row's
    lock (PostgreSQL) / the database write lock (SQLite), held until commit."""
    session.commit()  # end any read-only transaction so the lock starts a fresh one
    session.exec(  # type: ignore[call-overload]
        update(Facility)
        .where(Facility.id == facility_id)
        .values(lock_version=Facility.lock_version + 1)  # type: ignore[arg-type]
    )


def _overlapping(
    session: Session, facility_id: int, start: datetime, end: datetime
) -> Booking | None:
    return session.exec(
        select(Booking).where(
            Booking.facility_id == facility_id,
            col(Booking.status).in_(BookingStatus.ACTIVE),
            Booking.start_at < end,
            Booking.end_at > start,  # half-open [start, end): back-to-back is fine
        )
    ).first()


def _offered_to_other(
    session: Session, facility_id: int, start: datetime, end: datetime, user_id: int, now: datetime
) -> bool:
    """A freed time offered to someone on the waiting list is theirs until the offer lapses."""
    return (
        session.exec(
            select(WaitlistEntry.id).where(
                WaitlistEntry.facility_id == facility_id,
                WaitlistEntry.status == WaitStatus.OFFERED,
                WaitlistEntry.user_id != user_id,
                col(WaitlistEntry.offer_expires_at) > now,
                WaitlistEntry.start_at < end,
                WaitlistEntry.end_at > start,
            )
        ).first()
        is not None
    )


def _active_count(session: Session, user_id: int, facility_id: int, now: datetime) -> int:
    return session.exec(
        select(func.count(Booking.id)).where(
            Booking.user_id == user_id,
            Booking.facility_id == facility_id,
            col(Booking.status).in_(BookingStatus.ACTIVE),
            Booking.end_at > now,
        )
    ).one()


def cancellation_fee(facility: Facility, booking: Booking, now: datetime) -> int:
    """Free until `free_cancel_hours` before the start; then the policy's fee (never above the fee)."""
    if booking.status not in (BookingStatus.CONFIRMED,) or booking.fee <= 0:
        return 0
    if booking.start_at - now >= timedelta(hours=facility.free_cancel_hours):
        return 0
    if facility.cancel_fee_kind == "fixed":
        return min(booking.fee, facility.cancel_fee_value)
    return min(booking.fee, (booking.fee * facility.cancel_fee_value + 50) // 100)
