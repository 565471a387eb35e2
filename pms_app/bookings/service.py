"""Facility bookings: rules, availability, booking without double booking (the facility row is
locked inside the transaction), fees with unpaid holds, waiting list, cancellation policy.

Times are stored in UTC; rules (opening hours, days) are read in the property's timezone.
Every function that depends on "now" takes it as an argument (tests inject a clock)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.bookings.models import (
    Booking,
    BookingStatus,
    Facility,
    FacilityBlackout,
    WaitlistEntry,
    WaitStatus,
)
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.realtime import notify_after_commit
from pms_app.core.sequences import next_number
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import check_date_range, clean_int, clean_text
from pms_app.emails.service import queue_email
from pms_app.payments import booking_fees as payments
from pms_app.payments.models import Payment
from pms_app.properties.access import (
    get_managed_property,
    managed_property_ids,
    require_approved,
    visible_property_ids,
)
from pms_app.properties.audience import property_audience
from pms_app.properties.models import Property

GRID_MINUTES = 15
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- facilities ---------------------------------------------------------------------------------


def _hhmm(value: str, field: str) -> time:
    if not re.fullmatch(r"\d{2}:\d{2}", value or ""):
        raise ValidationError("Use HH:MM times, like 06:00.", field)
    h, m = int(value[:2]), int(value[3:])
    if h > 23 or m > 59 or m % GRID_MINUTES:
        raise ValidationError(
            f"Use times on a {GRID_MINUTES}-minute grid, like 06:00 or 21:45.", field
        )
    return time(h, m)


def clean_hours(hours: dict[int, tuple[str, str] | None]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for day in range(7):
        span = hours.get(day)
        if not span or not span[0] or not span[1]:
            continue
        opens, closes = _hhmm(span[0], f"hours_{day}"), _hhmm(span[1], f"hours_{day}")
        if closes <= opens:
            raise ValidationError(
                f"{WEEKDAYS[day]}: closing must be after opening.", f"hours_{day}"
            )
        out[str(day)] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
    if not out:
        raise ValidationError("Open the facility on at least one day.", "hours_0")
    return out


@dataclass(frozen=True)
class FacilityForm:
    name: str
    description: str = ""
    capacity: str | int = 10
    hours: dict[int, tuple[str, str] | None] | None = None
    slot_minutes: str | int | None = 60
    min_minutes: str | int = 60
    max_minutes: str | int = 180
    advance_days: str | int = 30
    max_active_per_resident: str | int = 2
    fee: str | int = 0
    deposit: str | int = 0
    requires_approval: bool = False
    free_cancel_hours: str | int = 24
    cancel_fee_kind: str = "percent"
    cancel_fee_value: str | int = 50
    hold_minutes: str | int = 30
    offer_minutes: str | int = 60


def _apply_form(facility: Facility, form: FacilityForm) -> None:
    """Validate every field first, then write (a refused edit changes nothing)."""
    name = clean_text(form.name, "name", "the facility's name", 80)
    description = clean_text(
        form.description, "description", "the description", 500, required=False
    )
    hours = clean_hours(form.hours or {d: ("06:00", "22:00") for d in range(7)})
    slot = None
    if form.slot_minutes not in (None, "", 0, "0"):
        slot = clean_int(form.slot_minutes, "slot_minutes", "the slot length", 15, 24 * 60)
        if slot % GRID_MINUTES:
            raise ValidationError(
                f"Slots must be a multiple of {GRID_MINUTES} minutes.", "slot_minutes"
            )
    min_m = clean_int(form.min_minutes, "min_minutes", "the shortest booking", 15, 24 * 60)
    max_m = clean_int(form.max_minutes, "max_minutes", "the longest booking", 15, 7 * 24 * 60)
    if max_m < min_m:
        raise ValidationError(
            "The longest booking can't be shorter than the shortest.", "max_minutes"
        )
    kind = form.cancel_fee_kind
    if kind not in ("fixed", "percent"):
        raise ValidationError("Choose a fixed or a percentage cancellation fee.", "cancel_fee_kind")
    cancel_value = clean_int(
        form.cancel_fee_value or 0, "cancel_fee_value", "the cancellation fee", 0, 1_000_000
    )
    if kind == "percent" and cancel_value > 100:
        raise ValidationError("A percentage can be at most 100.", "cancel_fee_value")
    values = {
        "name": name,
        "description": description,
        "hours": hours,
        "slot_minutes": slot,
        "min_minutes": min_m,
        "max_minutes": max_m,
        "capacity": clean_int(form.capacity, "capacity", "the capacity", 1, 10_000),
        "advance_days": clean_int(form.advance_days, "advance_days", "how far ahead", 1, 366),
        "max_active_per_resident": clean_int(
            form.max_active_per_resident, "max_active_per_resident", "the per-resident limit", 1, 50
        ),
        "fee": clean_int(form.fee or 0, "fee", "the fee", 0, 1_000_000),
        "deposit": clean_int(form.deposit or 0, "deposit", "the deposit", 0, 1_000_000),
        "requires_approval": bool(form.requires_approval),
        "free_cancel_hours": clean_int(
            form.free_cancel_hours or 0,
            "free_cancel_hours",
            "the free cancellation hours",
            0,
            24 * 30,
        ),
        "cancel_fee_kind": kind,
        "cancel_fee_value": cancel_value,
        "hold_minutes": clean_int(
            form.hold_minutes, "hold_minutes", "the payment hold", 5, 7 * 24 * 60
        ),
        "offer_minutes": clean_int(
            form.offer_minutes, "offer_minutes", "the offer time", 5, 7 * 24 * 60
        ),
    }
    for key, value in values.items():
        setattr(facility, key, value)


def create_facility(
    session: Session, actor: User | None, property_id: int, form: FacilityForm
) -> Facility:
    prop = get_managed_property(session, actor, property_id)
    facility = Facility(property_id=prop.id or 0, name="")
    _apply_form(facility, form)
    session.add(facility)
    session.commit()
    return facility


def update_facility(
    session: Session, actor: User | None, facility_id: int, form: FacilityForm
) -> Facility:
    facility = get_managed_facility(session, actor, facility_id)
    _apply_form(facility, form)
    session.add(facility)
    session.commit()
    return facility


def get_managed_facility(session: Session, actor: User | None, facility_id: int) -> Facility:
    facility = session.get(Facility, facility_id) if isinstance(facility_id, int) else None
    if facility is None:
        raise NotFound("facility")
    try:
        get_managed_property(session, actor, facility.property_id)
    except NotFound:
        raise NotFound("facility") from None
    return facility


def get_visible_facility(session: Session, actor: User | None, facility_id: int) -> Facility:
    """Residents (approved tenants) and staff of the property, and its managers."""
    user = require_approved(session, actor)
    facility = session.get(Facility, facility_id) if isinstance(facility_id, int) else None
    if facility is None or facility.property_id not in visible_property_ids(session, user):
        raise NotFound("facility")
    if not facility.active and facility.property_id not in managed_property_ids(session, user):
        raise NotFound("facility")
    return facility


def list_facilities(session: Session, actor: User | None) -> list[Facility]:
    user = require_approved(session, actor)
    ids = visible_property_ids(session, user)
    managed = set(managed_property_ids(session, user))
    rows = session.exec(
        select(Facility).where(col(Facility.property_id).in_(ids)).order_by(Facility.name)
    ).all()
    return [f for f in rows if f.active or f.property_id in managed]


def add_blackout(
    session: Session,
    actor: User | None,
    facility_id: int,
    start: datetime,
    end: datetime,
    reason: str,
) -> FacilityBlackout:
    facility = get_managed_facility(session, actor, facility_id)
    if end <= start:
        raise ValidationError("The blackout must end after it starts.", "end")
    row = FacilityBlackout(
        facility_id=facility.id or 0,
        start_at=start,
        end_at=end,
        reason=clean_text(reason, "reason", "the reason", 200, required=False),
    )
    session.add(row)
    session.commit()
    return row


# --- time helpers -------------------------------------------------------------------------------


def facility_tz(session: Session, facility: Facility) -> ZoneInfo:
    prop = session.get(Property, facility.property_id)
    return ZoneInfo(prop.timezone if prop else get_settings().timezone)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


def parse_local(day: str, hhmm: str, field: str = "start") -> datetime:
    try:
        d = date.fromisoformat((day or "").strip())
    except ValueError:
        raise ValidationError("Choose a date.", "date") from None
    check_date_range(d, "date", "a date")
    return datetime.combine(d, _hhmm((hhmm or "").strip(), field))


# --- rules --------------------------------------------------------------------------------------


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
        raise ValidationError(f"You can book at most {facility.advance_days} days ahead.", "start")
    if local_start.minute % GRID_MINUTES or local_end.minute % GRID_MINUTES or local_start.second:
        raise ValidationError(f"Start and end on a {GRID_MINUTES}-minute grid.", "start")
    if minutes < facility.min_minutes:
        raise ValidationError(f"Book at least {facility.min_minutes} minutes.", "end")
    if minutes > facility.max_minutes:
        raise ValidationError(f"Book at most {facility.max_minutes} minutes.", "end")
    span = facility.hours.get(str(local_start.weekday()))
    if not span or local_end.date() != local_start.date():
        raise ValidationError(f"{facility.name} is closed then.", "start")
    opens, closes = time.fromisoformat(span[0]), time.fromisoformat(span[1])
    if local_start.time() < opens or local_end.time() > closes:
        raise ValidationError(f"{facility.name} is open {span[0]}–{span[1]} that day.", "start")
    if facility.slot_minutes:
        since_open = datetime.combine(local_start.date(), local_start.time()) - datetime.combine(
            local_start.date(), opens
        )
        if (
            since_open.total_seconds() // 60
        ) % facility.slot_minutes or minutes % facility.slot_minutes:
            raise ValidationError(f"Book whole {facility.slot_minutes}-minute slots.", "start")
    if not 1 <= guests <= facility.capacity:
        raise ValidationError(f"Guests must be between 1 and {facility.capacity}.", "guests")
    blackout = session.exec(
        select(FacilityBlackout).where(
            FacilityBlackout.facility_id == facility.id,
            FacilityBlackout.start_at < end,
            FacilityBlackout.end_at > start,
        )
    ).first()
    if blackout is not None:
        why = f" ({blackout.reason})" if blackout.reason else ""
        raise ValidationError(f"{facility.name} is closed for maintenance then{why}.", "start")


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


# --- booking ------------------------------------------------------------------------------------


SLOT_TAKEN = "That time is already booked. You can join the waiting list."
SLOT_OFFERED = (
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
            f"You already have {facility.max_active_per_resident} upcoming bookings of {facility.name}.",
            "start",
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


def _notify(session: Session, facility: Facility, booking: Booking) -> None:
    audience = property_audience(session, facility.property_id) | {booking.user_id}
    notify_after_commit(session, audience, "bookings")


def _when(session: Session, facility: Facility, booking: Booking | WaitlistEntry) -> str:
    tz = facility_tz(session, facility)
    s, e = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
    return f"{s:%a %d %b %Y, %H:%M}–{e:%H:%M}"


def _booking_email(
    session: Session, booking: Booking, facility: Facility, user: User, what: str
) -> None:
    base = get_settings().base_url
    when = _when(session, facility, booking)
    # Every message below is formatted eagerly: only awaiting-payment bookings have a hold time.
    until = f"{booking.hold_expires_at:%H:%M}" if booking.hold_expires_at else ""
    lines = {
        "booked": {
            BookingStatus.CONFIRMED: f"Your booking {booking.number} of {facility.name} on {when} is confirmed.",
            BookingStatus.AWAITING_PAYMENT: (
                f"{facility.name} is held for you on {when} ({booking.number}). Pay KES "
                f"{booking.fee + booking.deposit:,} before {until} UTC or the "
                "slot is released."
            ),
            BookingStatus.REQUESTED: f"Your request {booking.number} for {facility.name} on {when} is waiting for approval.",
        }.get(booking.status, ""),
        "confirmed": f"Your booking {booking.number} of {facility.name} on {when} is confirmed.",
        "cancelled": f"Your booking {booking.number} of {facility.name} on {when} was cancelled."
        + (f" Reason: {booking.cancel_reason}" if booking.cancel_reason else "")
        + (f" Cancellation fee: KES {booking.cancel_fee:,}." if booking.cancel_fee else ""),
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


def cancellation_fee(facility: Facility, booking: Booking, now: datetime) -> int:
    """Free until `free_cancel_hours` before the start; then the policy's fee (never above the fee)."""
    if booking.status not in (BookingStatus.CONFIRMED,) or booking.fee <= 0:
        return 0
    if booking.start_at - now >= timedelta(hours=facility.free_cancel_hours):
        return 0
    if facility.cancel_fee_kind == "fixed":
        return min(booking.fee, facility.cancel_fee_value)
    return min(booking.fee, (booking.fee * facility.cancel_fee_value + 50) // 100)


def quote_cancellation(
    session: Session, actor: User | None, booking_id: int, now: datetime | None = None
) -> int:
    booking, facility, _ = get_own_or_managed_booking(session, actor, booking_id)
    return cancellation_fee(facility, booking, now or utcnow())


def cancel(
    session: Session,
    actor: User | None,
    booking_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> Booking:
    """The booker cancels (policy fee applies) or a manager cancels with a reason (no fee)."""
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
    fee = 0 if by_manager else cancellation_fee(facility, booking, now)
    moved = session.exec(  # type: ignore[call-overload]
        update(Booking)
        .where(Booking.id == booking.id, col(Booking.status).in_(BookingStatus.ACTIVE))  # type: ignore[arg-type]
        .values(
            status=BookingStatus.CANCELLED,
            cancel_fee=fee,
            cancel_reason=why,
            cancelled_by_id=user.id,
            updated_at=now,
        )
    )
    if moved.rowcount != 1:
        session.rollback()
        raise ServiceError("This booking is no longer active.")
    session.refresh(booking)
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
    booking, _facility, manager = get_own_or_managed_booking(session, actor, booking_id)
    if not manager:
        raise NotFound("booking")
    if not mark_paid(session, booking):
        raise ServiceError("This booking is not waiting for payment.")
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
    moved = session.exec(  # type: ignore[call-overload]
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.REQUESTED)  # type: ignore[arg-type]
        .values(
            status=new,
            cancel_reason=why if not approve else "",
            hold_expires_at=now + timedelta(minutes=facility.hold_minutes)
            if new == BookingStatus.AWAITING_PAYMENT
            else None,
            updated_at=now,
        )
    )
    if moved.rowcount != 1:
        session.rollback()
        raise ServiceError("This request was already decided.")
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


# --- waiting list -------------------------------------------------------------------------------


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
                f"{entry.offer_expires_at:%H:%M} UTC: {get_settings().base_url}/bookings",
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


# --- scheduled work -----------------------------------------------------------------------------


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


# --- views --------------------------------------------------------------------------------------


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
        )
        for b in rows
    ]


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


def bookings_csv(session: Session, actor: User | None, facility_id: int) -> str:
    facility = get_managed_facility(session, actor, facility_id)
    tz = facility_tz(session, facility)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["number", "facility", "resident", "start", "end", "guests", "status", "due_kes"]
    )
    for r in facility_bookings(session, actor, facility_id, limit=None):  # the export is complete
        writer.writerow(
            [
                r.number,
                _safe(r.facility),
                _safe(r.booker),
                f"{r.start.astimezone(tz):%Y-%m-%d %H:%M}",
                f"{r.end.astimezone(tz):%Y-%m-%d %H:%M}",
                r.guests,
                r.status,
                r.due,
            ]
        )
    return out.getvalue()


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def booking_ics(session: Session, actor: User | None, booking_id: int) -> tuple[str, str]:
    """(file name, iCalendar text) for the booker or a manager."""
    booking, facility, _ = get_own_or_managed_booking(session, actor, booking_id)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")

    def fmt(dt: datetime) -> str:
        return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def esc(text: str) -> str:
        return (
            text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//pms//bookings//EN",
        "BEGIN:VEVENT",
        f"UID:{booking.number}@pms",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{fmt(booking.start_at)}",
        f"DTEND:{fmt(booking.end_at)}",
        f"SUMMARY:{esc(facility.name)} ({booking.number})",
        f"DESCRIPTION:{esc(facility.description)}",
        f"STATUS:{'CANCELLED' if booking.status not in BookingStatus.ACTIVE else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return f"{booking.number}.ics", "".join(_fold(line) + "\r\n" for line in lines)


def _fold(line: str) -> str:
    """RFC 5545 §3.1: content lines of at most 75 octets; a longer one continues on lines that
    start with a space. Never splits a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for ch in line:
        n = len(ch.encode())
        if size + n > (75 if not parts else 74):  # a continuation's leading space counts
            parts.append(current)
            current, size = "", 0
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts)


# --- paying a booking (the payments domain runs the STK push) ------------------------------------


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
