"""Reads for the bookings pages: where a manager may add a facility, and a resident's bookings
and waiting-list entries with what the page shows of them (local times, cancellation quotes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.lifecycle import quote_outcome
from pms_app.bookings.listings import BookingRow, my_bookings
from pms_app.bookings.models import BookingStatus, Facility
from pms_app.bookings.refunds import CancelOutcome
from pms_app.bookings.times import facility_tz
from pms_app.bookings.waitlist import my_waitlist
from pms_app.properties.access import managed_property_ids, require_approved
from pms_app.properties.models import Property


def manageable_properties(session: Session, actor: User | None) -> list[tuple[int, str]]:
    """(id, name) of the properties the actor manages: where he may add a facility."""
    if actor is None:
        return []
    ids = managed_property_ids(session, actor)
    return [
        (pid or 0, name)
        for pid, name in session.exec(
            select(Property.id, Property.name).where(col(Property.id).in_(ids))
        ).all()
    ]


@dataclass(frozen=True)
class MyBooking:
    row: BookingRow
    tz: ZoneInfo  # the facility's (its property's) timezone
    active: bool  # still occupies its slot and has not ended
    cancellable: bool  # active and not started yet
    # What cancelling now does to the money paid: kept, refunded (confirmed bookings only).
    outcome: CancelOutcome | None


@dataclass(frozen=True)
class MyOffer:
    id: int
    facility: str
    start: datetime  # in the facility's timezone
    status: str
    offer_expires_at: datetime | None  # UTC
    tz: ZoneInfo  # the facility's (its property's) timezone


@dataclass(frozen=True)
class MyBookingsPage:
    bookings: list[MyBooking]
    offers: list[MyOffer]


def my_bookings_page(session: Session, actor: User | None, now: datetime) -> MyBookingsPage:
    """The acting resident's bookings and waiting-list entries (approved members only)."""
    user = require_approved(session, actor)
    rows = my_bookings(session, user)
    entries = my_waitlist(session, user)
    wanted = {r.facility_id for r in rows} | {e.facility_id for e in entries}
    facilities = {
        f.id: f for f in session.exec(select(Facility).where(col(Facility.id).in_(wanted))).all()
    }
    zones = {fid: facility_tz(session, f) for fid, f in facilities.items()}
    mine = []
    for r in rows:
        active = r.status in BookingStatus.ACTIVE and r.end > now
        fee = (
            quote_outcome(session, user, r.id, now)
            if active and r.status == BookingStatus.CONFIRMED
            else None
        )
        mine.append(MyBooking(r, zones[r.facility_id], active, active and r.start > now, fee))
    offers = [
        MyOffer(
            e.id or 0,
            facilities[e.facility_id].name,
            e.start_at.astimezone(zones[e.facility_id]),
            e.status,
            e.offer_expires_at,
            zones[e.facility_id],
        )
        for e in entries
    ]
    return MyBookingsPage(mine, offers)
