"""A booking's life: book it without double booking (the facility row is locked inside the
transaction), approve or decline a request, mark it paid, and cancel it (the booker pays the
policy's fee; a manager gives a reason). Functions that depend on "now" take it as an argument."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from pms_app.accounts.models import Role, User
from pms_app.bookings._common import _booking_email, _notify, _offer_next
from pms_app.bookings.facilities import get_visible_facility
from pms_app.bookings.models import Booking, BookingStatus, Facility
from pms_app.bookings.refunds import CancelOutcome, cancel_outcome
from pms_app.bookings.rules import (
    _active_count,
    _check_rules,
    _lock_facility,
    _offered_to_other,
    _overlapping,
)
from pms_app.bookings.times import facility_tz
from pms_app.core import audit
from pms_app.core.db import update_or_refuse
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.i18n import N_
from pms_app.core.sequences import next_number
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_int, clean_text
from pms_app.payments import booking_fees
from pms_app.properties.access import managed_property_ids, require_approved

SLOT_TAKEN = N_("That time is already booked. You can join the waiting list.")
SLOT_OFFERED = N_(
    "That time was offered to someone on the waiting list. You can join the waiting list."
)


def book(
    session: Session,
    actor: User | None,
    facility_id: int,
    start: datetime,
    end: datetime,
    guests: int | str = 1,
    now: datetime | None = None,
    note: str = "",
    *,
    also: Callable[[Session, Booking], None] | None = None,
) -> Booking:
    """Book [start, end) (aware datetimes). Exactly one of many concurrent requests wins.
    `also(session, booking)` runs in the same transaction before it commits (a ServiceError
    from it keeps nothing)."""
    now = now or utcnow()
    user = require_approved(session, actor)
    facility = get_visible_facility(session, user, facility_id)
    if user.role not in (Role.TENANT, Role.MANAGER, Role.LANDLORD, Role.ADMIN, Role.STAFF):
        raise NotFound("facility")
    n_guests = clean_int(guests, "guests", "the number of guests", 1, 100_000)
    _check_rules(session, facility, user, start, end, n_guests, now)
    text_note = clean_text(note, "note", "the note", 300, required=False)
    _lock_facility(session, facility.id or 0)
    if _overlapping(session, facility.id or 0, start, end) is not None:
        session.rollback()
        raise ServiceError(SLOT_TAKEN)
    if _offered_to_other(session, facility.id or 0, start, end, user.id or 0, now):
        session.rollback()
        raise ServiceError(SLOT_OFFERED)
    if (
        _active_count(session, user.id or 0, facility.id or 0, now)
        >= facility.max_active_per_resident
    ):
        session.rollback()
        raise ValidationError(
            "You already have {count} upcoming bookings of {facility}.",
            "start",
            count=facility.max_active_per_resident,
            facility=facility.name,
        )
    due = facility.fee + facility.deposit
    status = (
        BookingStatus.REQUESTED
        if facility.requires_approval
        else BookingStatus.AWAITING_PAYMENT
        if due > 0
        else BookingStatus.CONFIRMED
    )
    booking = Booking(
        number=next_number(session, "BKG", start.astimezone(facility_tz(session, facility)).year),
        facility_id=facility.id or 0,
        user_id=user.id or 0,
        start_at=start,
        end_at=end,
        guests=n_guests,
        status=status,
        fee=facility.fee,
        deposit=facility.deposit,
        hold_expires_at=now + timedelta(minutes=facility.hold_minutes)
        if status == BookingStatus.AWAITING_PAYMENT
        else None,
        note=text_note,
    )
    session.add(booking)
    session.flush()
    if also is not None:
        try:
            also(session, booking)
        except BaseException:
            session.rollback()
            raise
    _booking_email(session, booking, facility, user, "booked")
    _notify(session, facility, booking)
    session.commit()
    return booking


def get_own_or_managed_booking(
    session: Session, actor: User | None, booking_id: int
) -> tuple[Booking, Facility, bool]:
    """(booking, facility, is_manager) for the booker or a manager of the property."""
    user = require_approved(session, actor)
    booking = session.get(Booking, booking_id) if isinstance(booking_id, int) else None
    if booking is None:
        raise NotFound("booking")
    facility = session.get(Facility, booking.facility_id)
    assert facility is not None
    manager = facility.property_id in managed_property_ids(session, user)
    if booking.user_id != user.id and not manager:
        raise NotFound("booking")
    return booking, facility, manager


def quote_cancellation(
    session: Session, actor: User | None, booking_id: int, now: datetime | None = None
) -> int:
    """The fee the booker cancelling now would pay (kept under the policy)."""
    return quote_outcome(session, actor, booking_id, now).kept


def quote_outcome(
    session: Session, actor: User | None, booking_id: int, now: datetime | None = None
) -> CancelOutcome:
    """What the booker cancelling now would do to the money: kept, refunded (shown first)."""
    booking, facility, _ = get_own_or_managed_booking(session, actor, booking_id)
    return cancel_outcome(facility, booking, now or utcnow())


def cancel(
    session: Session,
    actor: User | None,
    booking_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> Booking:
    """The booker cancels (policy fee applies) or a manager cancels with a reason (no fee).
    A paid booking's money not kept under the policy becomes a refund due (refunds.py)."""
    now = now or utcnow()
    booking, facility, manager = get_own_or_managed_booking(session, actor, booking_id)
    user = require_approved(session, actor)
    by_manager = manager and booking.user_id != user.id
    why = clean_text(reason, "reason", "the reason", 300, required=by_manager)
    if booking.status not in BookingStatus.ACTIVE:
        raise ServiceError("This booking is no longer active.")
    if not by_manager and booking.start_at <= now:
        raise ServiceError(
            "This booking has already started, so it can't be cancelled any more. "
            "If something went wrong, ask the estate manager."
        )
    outcome = cancel_outcome(facility, booking, now, by_manager)
    before = audit.snapshot(booking, ("status", "cancel_fee", "refund_due"))
    update_or_refuse(
        session,
        update(Booking)
        .where(Booking.id == booking.id, col(Booking.status).in_(BookingStatus.ACTIVE))  # type: ignore[arg-type]
        .values(
            status=BookingStatus.CANCELLED,
            cancel_fee=outcome.kept,
            refund_due=outcome.refund,
            cancel_reason=why,
            cancelled_by_id=user.id,
            updated_at=now,
        ),
        "This booking is no longer active.",
    )
    session.refresh(booking)
    if outcome.paid:  # money is involved: the trail says who cancelled and what was kept
        audit.record(
            session,
            user.id,
            object_type="booking",
            object_id=booking.id or 0,
            action="cancel",
            property_id=facility.property_id,
            reason=why,
            before=before,
            after=audit.snapshot(booking, ("status", "cancel_fee", "refund_due")),
        )
    booker = session.get(User, booking.user_id)
    if booker:
        _booking_email(session, booking, facility, booker, "cancelled")
    _offer_next(session, facility, booking.start_at, booking.end_at, now)
    _notify(session, facility, booking)
    session.commit()
    return booking


def mark_paid(session: Session, booking: Booking, now: datetime | None = None) -> bool:
    """The fee arrived (M-Pesa callback or a manager): awaiting payment → confirmed, once."""
    now = now or utcnow()
    moved = session.exec(  # type: ignore[call-overload]
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.AWAITING_PAYMENT)  # type: ignore[arg-type]
        .values(status=BookingStatus.CONFIRMED, hold_expires_at=None, updated_at=now)
    )
    if moved.rowcount != 1:
        return False
    session.refresh(booking)
    facility = session.get(Facility, booking.facility_id)
    booker = session.get(User, booking.user_id)
    if facility and booker:
        _booking_email(session, booking, facility, booker, "confirmed")
        _notify(session, facility, booking)
    return True


def manager_mark_paid(session: Session, actor: User | None, booking_id: int) -> Booking:
    """The booker paid a manager (cash or bank): confirmed, and a paid Payment row is recorded
    so the money appears on the payments page and counts in "Collected" (#10.7)."""
    booking, facility, manager = get_own_or_managed_booking(session, actor, booking_id)
    if not manager:
        raise NotFound("booking")
    if not mark_paid(session, booking):
        raise ServiceError("This booking is not waiting for payment.")
    user = require_approved(session, actor)
    payment = booking_fees.record_booking_payment(
        session,
        booking_id=booking.id or 0,
        property_id=facility.property_id,
        amount=booking.fee + booking.deposit,
        payer_id=booking.user_id,
        recorded_by_id=user.id or 0,
        reference=f"Booking {booking.number}",
    )
    booking.payment_id = payment.id
    session.add(booking)
    session.commit()
    return booking


def decide_request(
    session: Session,
    actor: User | None,
    booking_id: int,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Booking:
    now = now or utcnow()
    booking, facility, manager = get_own_or_managed_booking(session, actor, booking_id)
    if not manager:
        raise NotFound("booking")
    why = clean_text(reason, "reason", "the reason", 300, required=False)
    due = booking.fee + booking.deposit
    new = (
        (BookingStatus.AWAITING_PAYMENT if due > 0 else BookingStatus.CONFIRMED)
        if approve
        else BookingStatus.DECLINED
    )
    update_or_refuse(
        session,
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.REQUESTED)  # type: ignore[arg-type]
        .values(
            status=new,
            cancel_reason=why if not approve else "",
            hold_expires_at=now + timedelta(minutes=facility.hold_minutes)
            if new == BookingStatus.AWAITING_PAYMENT
            else None,
            updated_at=now,
        ),
        "This request was already decided.",
    )
    session.refresh(booking)
    booker = session.get(User, booking.user_id)
    if booker:
        _booking_email(
            session,
            booking,
            facility,
            booker,
            "confirmed" if new == BookingStatus.CONFIRMED else "booked" if approve else "declined",
        )
    if not approve:
        _offer_next(session, facility, booking.start_at, booking.end_at, now)
    _notify(session, facility, booking)
    session.commit()
    return booking
