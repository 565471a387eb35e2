"""Availability: a facility's slots for a day or a week, each free, taken, mine, blocked or past
(a time offered to someone on the waiting list shows as taken)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.facilities import get_visible_facility
from pms_app.bookings.models import (
    Booking,
    BookingStatus,
    Facility,
    FacilityBlackout,
    WaitlistEntry,
    WaitStatus,
)
from pms_app.bookings.times import facility_tz, to_utc
from pms_app.core.timestamps import utcnow
from pms_app.properties.access import require_approved


@dataclass(frozen=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    state: str  # free, taken, mine, blocked, past


def day_slots(
    session: Session, actor: User | None, facility_id: int, day: date, now: datetime | None = None
) -> list[Slot]:
    """The day's slots (fixed slots, or hour blocks for free-form facilities) with their state."""
    now = now or utcnow()
    user = require_approved(session, actor)
    facility = get_visible_facility(session, user, facility_id)
    return _slots(session, facility, user, day, day, now).get(day, [])


def week_slots(
    session: Session,
    actor: User | None,
    facility_id: int,
    first_day: date,
    days: int = 7,
    now: datetime | None = None,
) -> dict[date, list[Slot]]:
    now = now or utcnow()
    user = require_approved(session, actor)
    facility = get_visible_facility(session, user, facility_id)
    days = max(1, min(days, 31))
    return _slots(session, facility, user, first_day, first_day + timedelta(days=days - 1), now)


def _slots(
    session: Session, facility: Facility, user: User, first: date, last: date, now: datetime
) -> dict[date, list[Slot]]:
    tz = facility_tz(session, facility)
    range_start = to_utc(datetime.combine(first, time(0)), tz)
    range_end = to_utc(datetime.combine(last + timedelta(days=1), time(0)), tz)
    # One query for bookings and one for blackouts across the whole range.
    bookings = session.exec(
        select(Booking.start_at, Booking.end_at, Booking.user_id)
        .where(
            Booking.facility_id == facility.id,
            col(Booking.status).in_(BookingStatus.ACTIVE),
            Booking.start_at < range_end,
            Booking.end_at > range_start,
        )
        .order_by(col(Booking.start_at))
    ).all()
    blackouts = session.exec(
        select(FacilityBlackout.start_at, FacilityBlackout.end_at).where(
            FacilityBlackout.facility_id == facility.id,
            FacilityBlackout.start_at < range_end,
            FacilityBlackout.end_at > range_start,
        )
    ).all()
    offers = session.exec(
        select(WaitlistEntry.start_at, WaitlistEntry.end_at).where(
            WaitlistEntry.facility_id == facility.id,
            WaitlistEntry.status == WaitStatus.OFFERED,
            WaitlistEntry.user_id != user.id,
            col(WaitlistEntry.offer_expires_at) > now,
            WaitlistEntry.start_at < range_end,
            WaitlistEntry.end_at > range_start,
        )
    ).all()
    step = facility.slot_minutes or 60
    out: dict[date, list[Slot]] = {}
    d = first
    while d <= last:
        span = facility.hours.get(str(d.weekday()))
        slots: list[Slot] = []
        if span:
            cursor = to_utc(datetime.combine(d, time.fromisoformat(span[0])), tz)
            closes = to_utc(datetime.combine(d, time.fromisoformat(span[1])), tz)
            while cursor + timedelta(minutes=step) <= closes:
                end = cursor + timedelta(minutes=step)
                state = "free"
                if cursor < now:
                    state = "past"
                elif any(b_s < end and b_e > cursor for b_s, b_e in blackouts):
                    state = "blocked"
                else:
                    for b_s, b_e, owner in bookings:
                        if b_s < end and b_e > cursor:
                            state = "mine" if owner == user.id else "taken"
                            break
                    if state == "free" and any(o_s < end and o_e > cursor for o_s, o_e in offers):
                        state = "taken"  # held for someone on the waiting list
                slots.append(Slot(cursor, end, state))
                cursor = end
        out[d] = slots
        d += timedelta(days=1)
    return out
