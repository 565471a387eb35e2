"""Lists of bookings: a resident's own, and a facility's for its managers (optionally one day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.facilities import get_managed_facility
from pms_app.bookings.models import Booking, Facility
from pms_app.bookings.times import facility_tz, to_utc
from pms_app.properties.access import require_approved


@dataclass(frozen=True)
class BookingRow:
    id: int
    number: str
    facility: str
    facility_id: int
    booker: str
    start: datetime
    end: datetime
    guests: int
    status: str
    due: int
    hold_expires_at: datetime | None
    cancel_fee: int
    refund_due: int = 0  # cancelled after paying: what goes back to the booker
    refunded: bool = False  # a manager marked the refund made


def my_bookings(
    session: Session, actor: User | None, now: datetime | None = None
) -> list[BookingRow]:
    user = require_approved(session, actor)
    return _rows(session, select(Booking).where(Booking.user_id == user.id), limit=100)


def facility_bookings(
    session: Session,
    actor: User | None,
    facility_id: int,
    day: date | None = None,
    limit: int | None = 500,
) -> list[BookingRow]:
    facility = get_managed_facility(session, actor, facility_id)
    q = select(Booking).where(Booking.facility_id == facility.id)
    if day is not None:
        tz = facility_tz(session, facility)
        q = q.where(
            Booking.start_at < to_utc(datetime.combine(day + timedelta(days=1), time(0)), tz),
            Booking.end_at > to_utc(datetime.combine(day, time(0)), tz),
        )
    return _rows(session, q, limit=limit)


def _rows(session: Session, query: object, limit: int | None) -> list[BookingRow]:
    rows = session.exec(
        query.order_by(col(Booking.start_at).desc()).limit(limit)  # type: ignore[attr-defined]
    ).all()
    facilities = {
        f.id: f
        for f in session.exec(
            select(Facility).where(col(Facility.id).in_({b.facility_id for b in rows}))
        ).all()
    }
    users = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({b.user_id for b in rows}))).all()
    }
    return [
        BookingRow(
            b.id or 0,
            b.number,
            facilities[b.facility_id].name,
            b.facility_id,
            users[b.user_id].full_name,
            b.start_at,
            b.end_at,
            b.guests,
            b.status,
            b.fee + b.deposit,
            b.hold_expires_at,
            b.cancel_fee,
            b.refund_due,
            b.refunded_at is not None,
        )
        for b in rows
    ]
