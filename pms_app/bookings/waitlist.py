"""The waiting list: join for a taken time, accept an offer (booked in the same transaction),
leave it (an open offer passes on), and a resident's open entries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings._common import _offer_next
from pms_app.bookings.facilities import get_visible_facility
from pms_app.bookings.lifecycle import book
from pms_app.bookings.models import Booking, Facility, WaitlistEntry, WaitStatus
from pms_app.bookings.rules import _check_rules, _offered_to_other, _overlapping
from pms_app.core.errors import NotFound, ServiceError
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_int
from pms_app.properties.access import require_approved


def join_waitlist(
    session: Session,
    actor: User | None,
    facility_id: int,
    start: datetime,
    end: datetime,
    guests: int | str = 1,
    now: datetime | None = None,
) -> WaitlistEntry:
    now = now or utcnow()
    user = require_approved(session, actor)
    facility = get_visible_facility(session, user, facility_id)
    n_guests = clean_int(guests, "guests", "the number of guests", 1, 100_000)
    _check_rules(session, facility, user, start, end, n_guests, now)
    taken = _overlapping(session, facility.id or 0, start, end)
    if taken is None and not _offered_to_other(
        session, facility.id or 0, start, end, user.id or 0, now
    ):
        raise ServiceError("That time is free: book it instead of waiting.")
    if taken is not None and taken.user_id == user.id:
        raise ServiceError("You have already booked that time.")
    duplicate = session.exec(
        select(WaitlistEntry.id).where(
            WaitlistEntry.facility_id == facility.id,
            WaitlistEntry.user_id == user.id,
            col(WaitlistEntry.status).in_((WaitStatus.WAITING, WaitStatus.OFFERED)),
            WaitlistEntry.start_at == start,
            WaitlistEntry.end_at == end,
        )
    ).first()
    if duplicate is not None:
        raise ServiceError("You are already on the waiting list for that time.")
    entry = WaitlistEntry(
        facility_id=facility.id or 0,
        user_id=user.id or 0,
        start_at=start,
        end_at=end,
        guests=n_guests,
    )
    session.add(entry)
    session.commit()
    return entry


def accept_offer(
    session: Session, actor: User | None, entry_id: int, now: datetime | None = None
) -> Booking:
    now = now or utcnow()
    user = require_approved(session, actor)
    entry = session.get(WaitlistEntry, entry_id) if isinstance(entry_id, int) else None
    if entry is None or entry.user_id != user.id:
        raise NotFound("offer")
    if entry.status != WaitStatus.OFFERED or (
        entry.offer_expires_at and entry.offer_expires_at < now
    ):
        raise ServiceError("This offer has expired.")

    def take_the_offer(s: Session, booking: Booking) -> None:
        # In the booking's transaction: both happen, or neither (and only once).
        taken = s.exec(  # type: ignore[call-overload]
            update(WaitlistEntry)
            .where(WaitlistEntry.id == entry_id, WaitlistEntry.status == WaitStatus.OFFERED)  # type: ignore[arg-type]
            .values(status=WaitStatus.ACCEPTED, booking_id=booking.id)
        )
        if taken.rowcount != 1:
            raise ServiceError("This offer has expired.")

    return book(
        session,
        user,
        entry.facility_id,
        entry.start_at,
        entry.end_at,
        entry.guests,
        now=now,
        also=take_the_offer,
    )


def leave_waitlist(
    session: Session, actor: User | None, entry_id: int, now: datetime | None = None
) -> None:
    user = require_approved(session, actor)
    entry = session.get(WaitlistEntry, entry_id) if isinstance(entry_id, int) else None
    if entry is None or entry.user_id != user.id:
        raise NotFound("waiting-list entry")
    if entry.status not in (WaitStatus.WAITING, WaitStatus.OFFERED):
        raise ServiceError("You are no longer on this waiting list.")
    was_offered = entry.status == WaitStatus.OFFERED
    entry.status = WaitStatus.CANCELLED
    session.add(entry)
    if was_offered:
        facility = session.get(Facility, entry.facility_id)
        if facility:
            _offer_next(session, facility, entry.start_at, entry.end_at, now or utcnow())
    session.commit()


def my_waitlist(session: Session, actor: User | None) -> list[WaitlistEntry]:
    user = require_approved(session, actor)
    return list(
        session.exec(
            select(WaitlistEntry)
            .where(
                WaitlistEntry.user_id == user.id,
                col(WaitlistEntry.status).in_((WaitStatus.WAITING, WaitStatus.OFFERED)),
            )
            .order_by(col(WaitlistEntry.start_at))
        ).all()
    )
