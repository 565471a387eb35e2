"""Facility bookings, rule by rule, with an injected clock (`now=`): facility forms, booking
rules, numbers, statuses, fees and cancellations, holds, the waiting list, paying by M-Pesa,
reminders, the calendar, the .ics file and the CSV export.

The clock is f.BOOK_NOW (Monday 2 March 2026, 09:00 in Nairobi); DAY is the Tuesday after.
Refusals are checked to change nothing at all (a snapshot of every table, after a commit).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings import lifecycle
from pms_app.bookings.availability import day_slots, week_slots
from pms_app.bookings.exports import booking_ics, bookings_csv
from pms_app.bookings.facilities import add_blackout, create_facility, update_facility
from pms_app.bookings.housekeeping import expire_holds, expire_offers, send_reminders
from pms_app.bookings.lifecycle import cancel, decide_request, manager_mark_paid, quote_cancellation
from pms_app.bookings.listings import facility_bookings, my_bookings
from pms_app.bookings.models import (
    Booking,
    BookingStatus,
    Facility,
    FacilityBlackout,
    WaitlistEntry,
)
from pms_app.bookings.paying import start_booking_payment
from pms_app.bookings.rules import cancellation_fee
from pms_app.bookings.waitlist import accept_offer, join_waitlist, leave_waitlist, my_waitlist
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.emails.models import EmailMessage
from pms_app.integrations.daraja_wire import StkCallback
from pms_app.ledger.models import LedgerEntry
from pms_app.payments import callbacks as payments
from pms_app.payments.models import Payment, PaymentStatus
from tests import factories as f

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

NOW = f.BOOK_NOW
DAY = "2026-03-03"  # Tuesday
at = f.at


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    """Emails stay rows (nothing is delivered in the background); STK pushes are recorded."""
    return f.capture_tasks(monkeypatch)


@dataclass
class Estate:
    w: f.World
    hall: Facility  # free, instant, 60-minute slots 06:00-22:00, 1-3 hours, 10 guests, 2 each
    ann: User
    ben: User
    cat: User


@pytest.fixture
def estate(session: Session) -> Estate:
    w = f.world(session)
    ann, ben, cat = f.residents(session, w.prop, 3)
    return Estate(w, f.facility(session, w.prop), ann, ben, cat)


def committed(session: Session) -> Session:
    return Session(session.get_bind())


def book(
    session: Session,
    fac: Facility,
    user: User,
    hhmm: str,
    minutes: int = 60,
    day: str = DAY,
    guests: int | str = 1,
    now: datetime = NOW,
) -> Booking:
    start = at(day, hhmm)
    return lifecycle.book(
        session, user, fac.id or 0, start, start + timedelta(minutes=minutes), guests, now=now
    )


def wait(session: Session, fac: Facility, user: User, hhmm: str, now: datetime = NOW):
    start = at(DAY, hhmm)
    return join_waitlist(session, user, fac.id or 0, start, start + timedelta(hours=1), now=now)


def fresh(session: Session, model: type, pk: int | None):
    with committed(session) as c:
        return c.get(model, pk)


def mails(session: Session, kind: str, to: User | None = None) -> list[EmailMessage]:
    with committed(session) as c:
        q = select(EmailMessage).where(EmailMessage.kind == kind)
        if to is not None:
            q = q.where(EmailMessage.to_email == to.email)
        return list(c.exec(q.order_by(col(EmailMessage.id))).all())


def refused(
    session: Session, call: Callable[[], object], expected: type[ServiceError] = ValidationError
) -> ServiceError:
    """`call` raises exactly `expected` and writes nothing, even once the session commits."""
    before = f.db_snapshot(session)
    with pytest.raises(ServiceError) as err:
        call()
    assert type(err.value) is expected, err.value.message
    session.commit()
    assert f.db_snapshot(session) == before
    return err.value


def statuses(session: Session, *rows: Booking | WaitlistEntry) -> list[str]:
    return [fresh(session, type(r), r.id).status for r in rows]


# --- facilities ---------------------------------------------------------------------------------


BAD_FORMS = [  # (changes, field at fault, words of the message)
    ({"name": "  "}, "name", "Enter the facility's name"),
    ({"hours": {0: ("25:00", "22:00")}}, "hours_0", "like 06:00"),
    ({"hours": {1: ("6am", "22:00")}}, "hours_1", "HH:MM"),
    ({"hours": {2: ("06:10", "22:00")}}, "hours_2", "15-minute grid"),
    ({"hours": {3: ("22:00", "06:00")}}, "hours_3", "Thursday: closing must be after"),
    ({"hours": {4: ("09:00", "09:00")}}, "hours_4", "closing must be after"),
    ({"hours": {0: None, 5: ("", "")}}, "hours_0", "at least one day"),
    ({"slot_minutes": 20}, "slot_minutes", "multiple of 15"),
    ({"slot_minutes": 10}, "slot_minutes", "between 15 and 1440"),
    ({"min_minutes": 10}, "min_minutes", "between 15"),
    ({"min_minutes": 120, "max_minutes": 60}, "max_minutes", "can't be shorter"),
    ({"capacity": 0}, "capacity", "between 1 and"),
    ({"capacity": "ten"}, "capacity", "as a number"),
    ({"advance_days": 0}, "advance_days", "between 1 and 366"),
    ({"advance_days": 367}, "advance_days", "between 1 and 366"),
    ({"max_active_per_resident": 0}, "max_active_per_resident", "between 1 and 50"),
    ({"fee": -1}, "fee", "between 0"),
    ({"deposit": "1,000"}, "deposit", "as a number"),
    ({"free_cancel_hours": 721}, "free_cancel_hours", "between 0 and 720"),
    ({"cancel_fee_kind": "bitcoin"}, "cancel_fee_kind", "fixed or a percentage"),
    (
        {"cancel_fee_kind": "percent", "cancel_fee_value": 101},
        "cancel_fee_value",
        "at most 100",
    ),
    ({"hold_minutes": 4}, "hold_minutes", "between 5"),
    ({"offer_minutes": 0}, "offer_minutes", "between 5"),
]


def test_facility_form_refuses_bad_values_and_writes_nothing(session: Session) -> None:
    w = f.world(session)
    existing = f.facility(session, w.prop, name="Gym")
    for changes, field, words in BAD_FORMS:
        form = f.facility_form(**changes)
        for call in (
            lambda form=form: create_facility(session, w.owner, w.prop.id, form),
            lambda form=form: update_facility(session, w.manager, existing.id or 0, form),
        ):
            err = refused(session, call)
            assert (err.field, words in err.message) == (field, True), (changes, err.message)
    assert existing.name == "Gym"  # a refused edit leaves the loaded object alone too


def test_facility_form_stores_clean_values(session: Session) -> None:
    w = f.world(session)
    fac = create_facility(
        session,
        w.manager,
        w.prop.id,
        f.facility_form(
            name="  Pool   deck ",
            hours={0: ("06:00", "10:00"), 5: ("08:15", "20:45"), 6: None},
            slot_minutes="",
            capacity="25",
            cancel_fee_kind="fixed",
            cancel_fee_value=2_500,  # a fixed fee may exceed 100
        ),
    )
    row = fresh(session, Facility, fac.id)
    assert (row.name, row.property_id, row.slot_minutes, row.capacity) == (
        "Pool deck",
        w.prop.id,
        None,
        25,
    )
    assert row.hours == {"0": ["06:00", "10:00"], "5": ["08:15", "20:45"]}
    assert (row.cancel_fee_kind, row.cancel_fee_value) == ("fixed", 2_500)
    update_facility(session, w.owner, fac.id or 0, f.facility_form(name="Pool"))
    assert fresh(session, Facility, fac.id).name == "Pool"


def test_blackout_must_end_after_it_starts(session: Session, estate: Estate) -> None:
    err = refused(
        session,
        lambda: add_blackout(
            session, estate.w.manager, estate.hall.id or 0, at(DAY, "12:00"), at(DAY, "12:00"), ""
        ),
    )
    assert err.field == "end"


# --- booking rules ------------------------------------------------------------------------------


FREE_FORM = {"slot_minutes": None}
WEEKDAYS_ONLY = {"hours": {d: ("06:00", "22:00") for d in range(5)}}


BAD_BOOKINGS = [  # (facility rules, day, start, minutes, guests, field at fault, words)
    ({}, "2026-03-02", "08:00", 60, 1, "start", "in the past"),
    ({}, "2026-04-01", "10:00", 60, 1, "start", "at most 30 days ahead"),
    ({}, DAY, "05:00", 60, 1, "start", "open 06:00–22:00 that day"),
    ({}, DAY, "21:00", 120, 1, "start", "open 06:00–22:00 that day"),
    (WEEKDAYS_ONLY, "2026-03-07", "10:00", 60, 1, "start", "closed then"),  # Saturday
    (
        {"hours": {d: ("00:00", "23:45") for d in range(7)}, **FREE_FORM, "max_minutes": 600},
        DAY,
        "23:00",
        120,
        1,
        "start",
        "closed then",  # runs past midnight
    ),
    (FREE_FORM, DAY, "10:10", 60, 1, "start", "15-minute grid"),
    ({}, DAY, "10:30", 60, 1, "start", "whole 60-minute slots"),
    ({}, DAY, "10:00", 90, 1, "start", "whole 60-minute slots"),
    (FREE_FORM, DAY, "10:00", 45, 1, "end", "at least 60 minutes"),
    (FREE_FORM, DAY, "10:00", 195, 1, "end", "at most 180 minutes"),
    ({}, DAY, "10:00", 0, 1, "end", "end must be after the start"),
    ({}, DAY, "10:00", -60, 1, "end", "end must be after the start"),
    ({}, DAY, "10:00", 60, 11, "guests", "between 1 and 10"),
    ({}, DAY, "10:00", 60, 0, "guests", "between 1"),
    ({}, DAY, "10:00", 60, "lots", "guests", "as a number"),
]
BAD_BOOKING_IDS = [
    "past",
    "beyond_advance_days",
    "before_opening",
    "after_closing",
    "closed_weekday",
    "past_midnight",
    "off_15_minute_grid",
    "off_slot_grid",
    "part_of_a_slot",
    "too_short",
    "too_long",
    "zero_length",
    "end_before_start",
    "over_capacity",
    "no_guests",
    "guests_not_a_number",
]


def test_invalid_bookings_get_a_clear_message_and_write_nothing(session: Session) -> None:
    w = f.world(session)
    [rita] = f.residents(session, w.prop, 1)
    facilities: dict[str, Facility] = {}
    for name, (changes, day, hhmm, minutes, guests, field, words) in zip(
        BAD_BOOKING_IDS, BAD_BOOKINGS, strict=True
    ):
        key = repr(changes)
        if key not in facilities:
            facilities[key] = f.facility(session, w.prop, name=f"Hall {len(facilities)}", **changes)
        fac = facilities[key]
        err = refused(
            session,
            lambda fac=fac, d=day, h=hhmm, m=minutes, g=guests: book(
                session, fac, rita, h, m, d, g
            ),
        )
        assert (err.field, words in err.message) == (field, True), (name, err.message)


def test_the_edges_of_each_rule_are_allowed(session: Session, estate: Estate) -> None:
    hall, ann, ben, cat = estate.hall, estate.ann, estate.ben, estate.cat
    assert book(session, hall, ann, "09:00", day="2026-03-02").status == "confirmed"  # starts now
    assert book(session, hall, ben, "09:00", day="2026-04-01").status == "confirmed"  # 30 days
    assert book(session, hall, cat, "06:00", 60, guests=10)  # opening, full capacity
    assert book(session, hall, cat, "19:00", 180)  # until closing, the longest booking
    free_form = f.facility(session, estate.w.prop, name="Lawn", **FREE_FORM)
    assert book(session, free_form, ann, "10:15", 75)  # any length on the 15-minute grid


def test_the_per_resident_limit_counts_only_upcoming_active_bookings(
    session: Session, estate: Estate
) -> None:
    hall, ann = estate.hall, estate.ann
    monday = "2026-03-02"
    book(session, hall, ann, "09:00", day=monday)  # starts now, over at 10:00
    book(session, hall, ann, "10:00")
    err = refused(session, lambda: book(session, hall, ann, "12:00"))
    assert (err.field, err.message) == (
        "start",
        "You already have 2 upcoming bookings of Community Hall.",
    )
    other = f.facility(session, estate.w.prop, name="Gym")
    assert book(session, other, ann, "12:00")  # the limit is per facility
    after = at(monday, "10:00")  # the first booking is over: it no longer counts
    third = book(session, hall, ann, "12:00", now=after)
    refused(session, lambda: book(session, hall, ann, "14:00", now=after))
    cancel(session, ann, third.id or 0, now=after)  # a cancelled one doesn't count
    assert book(session, hall, ann, "14:00", now=after)


def test_an_overlapping_booking_is_refused_and_points_to_the_waiting_list(
    session: Session, estate: Estate
) -> None:
    lawn = f.facility(session, estate.w.prop, name="Lawn", **FREE_FORM)
    book(session, lawn, estate.ann, "10:00", 90)  # 10:00-11:30
    for hhmm, minutes in (
        ("10:00", 90),
        ("09:00", 90),
        ("11:15", 60),
        ("10:30", 60),
        ("09:00", 180),
    ):
        err = refused(
            session, lambda h=hhmm, m=minutes: book(session, lawn, estate.ben, h, m), ServiceError
        )
        assert err.message == "That time is already booked. You can join the waiting list."
    # The booker himself can't double-book either.
    refused(session, lambda: book(session, lawn, estate.ann, "11:00", 60), ServiceError)


def test_back_to_back_bookings_both_succeed(session: Session, estate: Estate) -> None:
    hall = estate.hall
    middle = book(session, hall, estate.ann, "10:00")
    after = book(session, hall, estate.ben, "11:00")
    before = book(session, hall, estate.cat, "09:00")
    assert statuses(session, before, middle, after) == ["confirmed"] * 3


def test_cancelled_expired_and_declined_bookings_do_not_block(
    session: Session, estate: Estate
) -> None:
    w, ann, ben = estate.w, estate.ann, estate.ben
    cancelled = book(session, estate.hall, ann, "10:00")
    cancel(session, ann, cancelled.id or 0, now=NOW)
    gym = f.facility(session, w.prop, name="Gym", fee=500, hold_minutes=30)
    expired = book(session, gym, ann, "10:00")
    assert expire_holds(session, now=NOW + timedelta(minutes=31)) == 1
    pool = f.facility(session, w.prop, name="Pool", requires_approval=True)
    declined = book(session, pool, ann, "10:00")
    decide_request(session, w.manager, declined.id or 0, False, "Closed", now=NOW)
    assert statuses(session, cancelled, expired, declined) == ["cancelled", "expired", "declined"]
    for fac in (estate.hall, gym, pool):
        assert book(session, fac, ben, "10:00").status in BookingStatus.ACTIVE


def test_a_blackout_refuses_bookings_and_says_why(session: Session, estate: Estate) -> None:
    add_blackout(
        session,
        estate.w.manager,
        estate.hall.id or 0,
        at(DAY, "14:00"),
        at(DAY, "16:00"),
        "Painting",
    )
    for hhmm in ("14:00", "15:00", "13:00"):  # 13:00 for 2 hours runs into it
        err = refused(session, lambda h=hhmm: book(session, estate.hall, estate.ann, h, 120))
        assert err.message == "Community Hall is closed for maintenance then (Painting)."
    assert book(session, estate.hall, estate.ann, "16:00")  # right after it
    assert book(session, estate.hall, estate.ann, "12:00", 120)  # right before it


# --- numbers and statuses -----------------------------------------------------------------------


def test_numbers_count_up_per_year_and_refusals_burn_none(session: Session, estate: Estate) -> None:
    far = f.facility(
        session, estate.w.prop, name="Hall", advance_days=366, max_active_per_resident=50
    )
    numbers = [book(session, far, estate.ann, f"{h:02d}:00").number for h in (8, 9, 10)]
    refused(session, lambda: book(session, far, estate.ben, "09:00"), ServiceError)
    numbers.append(book(session, far, estate.ben, "11:00").number)
    december = at("2026-12-31", "09:00")
    numbers.append(book(session, far, estate.cat, "10:00", day="2027-01-02", now=december).number)
    numbers.append(book(session, far, estate.cat, "12:00", day="2026-12-31", now=december).number)
    assert numbers == [
        "BKG-2026-0001",
        "BKG-2026-0002",
        "BKG-2026-0003",
        "BKG-2026-0004",
        "BKG-2027-0001",
        "BKG-2026-0005",
    ]


def test_a_free_instant_booking_is_confirmed_and_emailed(session: Session, estate: Estate) -> None:
    b = book(session, estate.hall, estate.ann, "10:00", guests="4")
    row = fresh(session, Booking, b.id)
    assert (row.status, row.hold_expires_at, row.guests, row.fee, row.user_id) == (
        "confirmed",
        None,
        4,
        0,
        estate.ann.id,
    )
    [mail] = mails(session, "booking_booked", estate.ann)
    assert (
        "BKG-2026-0001 of Community Hall on Tue 3 Mar 2026, 10:00–11:00 is confirmed" in mail.body
    )


def test_a_fee_or_deposit_holds_the_slot_until_paid(session: Session, estate: Estate) -> None:
    w = estate.w
    gym = f.facility(session, w.prop, name="Gym", fee=700, hold_minutes=45)
    lockers = f.facility(session, w.prop, name="Lockers", deposit=200)
    held = book(session, gym, estate.ann, "10:00")
    deposit_only = book(session, lockers, estate.ann, "10:00")
    for b, due in ((held, 700), (deposit_only, 200)):
        row = fresh(session, Booking, b.id)
        assert (row.status, row.fee + row.deposit) == ("awaiting_payment", due)
    assert fresh(session, Booking, held.id).hold_expires_at == NOW + timedelta(minutes=45)
    mail = mails(session, "booking_booked", estate.ann)[0]
    assert "Pay KES 700 before 09:45 or the slot is released" in mail.body  # Nairobi time, not UTC
    manager_mark_paid(session, w.manager, held.id or 0)
    row = fresh(session, Booking, held.id)
    assert (row.status, row.hold_expires_at) == ("confirmed", None)
    assert len(mails(session, "booking_confirmed", estate.ann)) == 1
    err = refused(
        session, lambda: manager_mark_paid(session, w.manager, held.id or 0), ServiceError
    )
    assert err.message == "This booking is not waiting for payment."


def test_requests_wait_for_a_manager_who_decides_once(session: Session, estate: Estate) -> None:
    w = estate.w
    pool = f.facility(
        session, w.prop, name="Pool", requires_approval=True, fee=1_000, hold_minutes=30
    )
    club = f.facility(session, w.prop, name="Club", requires_approval=True)
    paid_req = book(session, pool, estate.ann, "10:00")
    free_req = book(session, club, estate.ann, "10:00")
    no_req = book(session, club, estate.ben, "12:00")
    assert statuses(session, paid_req, free_req, no_req) == ["requested"] * 3
    assert fresh(session, Booking, paid_req.id).hold_expires_at is None
    assert "waiting for approval" in mails(session, "booking_booked", estate.ann)[0].body

    later = NOW + timedelta(hours=2)
    decide_request(session, w.manager, paid_req.id or 0, True, now=later)
    decide_request(session, w.owner, free_req.id or 0, True, now=later)
    decide_request(session, w.manager, no_req.id or 0, False, "Pool party", now=later)
    assert statuses(session, paid_req, free_req, no_req) == [
        "awaiting_payment",
        "confirmed",
        "declined",
    ]
    assert fresh(session, Booking, paid_req.id).hold_expires_at == later + timedelta(minutes=30)
    assert "Reason: Pool party" in mails(session, "booking_declined", estate.ben)[0].body
    assert len(mails(session, "booking_confirmed", estate.ann)) == 1
    for b, approve in ((paid_req, False), (free_req, True), (no_req, True)):
        err = refused(
            session,
            lambda b=b, a=approve: decide_request(session, w.manager, b.id or 0, a, now=later),
            ServiceError,
        )
        assert err.message == "This request was already decided."
    # Only requests are decided: a confirmed instant booking is not one.
    instant = book(session, estate.hall, estate.ann, "10:00")
    refused(
        session,
        lambda: decide_request(session, w.manager, instant.id or 0, False, now=later),
        ServiceError,
    )


# --- fees and cancellation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "fee", "hours_before", "status", "expected"),
    [
        ("percent", 50, 1_500, 48, "confirmed", 0),
        ("percent", 50, 1_500, 24, "confirmed", 0),  # exactly at the limit: still free
        ("percent", 50, 1_500, 23.99, "confirmed", 750),
        ("percent", 50, 1_500, -2, "confirmed", 750),  # after the start
        ("percent", 33, 1_000, 1, "confirmed", 330),
        ("percent", 50, 1, 1, "confirmed", 1),  # half a shilling rounds up
        ("percent", 25, 1, 1, "confirmed", 0),
        ("percent", 100, 1_500, 1, "confirmed", 1_500),
        ("percent", 0, 1_500, 1, "confirmed", 0),
        ("fixed", 300, 1_500, 1, "confirmed", 300),
        ("fixed", 5_000, 1_500, 1, "confirmed", 1_500),  # never above the fee
        ("fixed", 300, 0, 1, "confirmed", 0),  # nothing to charge on a free booking
        ("fixed", 300, 1_500, 1, "awaiting_payment", 0),  # nothing was paid
        ("fixed", 300, 1_500, 1, "requested", 0),
    ],
)
def test_cancellation_fee_arithmetic(
    kind: str, value: int, fee: int, hours_before: float, status: str, expected: int
) -> None:
    fac = Facility(
        property_id=1,
        name="Hall",
        free_cancel_hours=24,
        cancel_fee_kind=kind,
        cancel_fee_value=value,
        fee=fee,
        deposit=5_000,
    )
    start = at(DAY, "10:00")
    b = Booking(
        number="BKG-2026-0001",
        facility_id=1,
        user_id=1,
        start_at=start,
        end_at=start + timedelta(hours=1),
        status=status,
        fee=fee,
        deposit=5_000,  # refundable: never part of the cancellation fee
    )
    assert cancellation_fee(fac, b, start - timedelta(hours=hours_before)) == expected


def _paid_booking(session: Session, estate: Estate, **changes: object) -> Booking:
    rules: dict[str, object] = {
        "name": "Party Hall",
        "fee": 1_500,
        "deposit": 1_000,
        "free_cancel_hours": 24,
        "cancel_fee_kind": "percent",
        "cancel_fee_value": 50,
    }
    hall = f.facility(session, estate.w.prop, **(rules | changes))
    b = book(session, hall, estate.ann, "10:00", day="2026-03-05")
    manager_mark_paid(session, estate.w.manager, b.id or 0)
    return b


def test_a_resident_sees_the_fee_before_cancelling_and_pays_that(
    session: Session, estate: Estate
) -> None:
    b = _paid_booking(session, estate)
    start = at("2026-03-05", "10:00")
    assert quote_cancellation(session, estate.ann, b.id or 0, now=NOW) == 0
    late = start - timedelta(hours=23)
    assert quote_cancellation(session, estate.ann, b.id or 0, now=late) == 750
    cancel(session, estate.ann, b.id or 0, now=late)
    row = fresh(session, Booking, b.id)
    assert (row.status, row.cancel_fee, row.cancelled_by_id, row.cancel_reason) == (
        "cancelled",
        750,
        estate.ann.id,
        "",
    )
    assert "Cancellation fee: KES 750." in mails(session, "booking_cancelled", estate.ann)[0].body
    err = refused(session, lambda: cancel(session, estate.ann, b.id or 0, now=late), ServiceError)
    assert err.message == "This booking is no longer active."


def test_a_booking_that_has_started_is_not_cancelled_by_the_resident(
    session: Session, estate: Estate
) -> None:
    b = _paid_booking(session, estate)
    started = at("2026-03-05", "10:00") + timedelta(minutes=1)
    err = refused(
        session,
        lambda: cancel(session, estate.ann, b.id or 0, now=started),
        ServiceError,
    )
    assert "already started" in err.message
    assert fresh(session, Booking, b.id).status == "confirmed"
    # The manager still can (with a reason), e.g. to record that the hall was unusable.
    cancel(session, estate.w.manager, b.id or 0, "Power cut", now=started)
    assert fresh(session, Booking, b.id).status == "cancelled"


def test_a_manager_cancels_with_a_reason_charges_nothing_and_tells_the_resident(
    session: Session, estate: Estate
) -> None:
    b = _paid_booking(session, estate, cancel_fee_kind="fixed", cancel_fee_value=400)
    late = at("2026-03-05", "09:00")
    assert quote_cancellation(session, estate.ann, b.id or 0, now=late) == 400
    for reason in ("", "   "):
        err = refused(
            session,
            lambda r=reason: cancel(session, estate.w.manager, b.id or 0, r, now=late),
        )
        assert (err.field, err.message) == ("reason", "Enter the reason.")
    cancel(session, estate.w.manager, b.id or 0, "Water leak in the hall", now=late)
    row = fresh(session, Booking, b.id)
    assert (row.status, row.cancel_fee, row.cancelled_by_id) == (
        "cancelled",
        0,
        estate.w.manager.id,
    )
    [mail] = mails(session, "booking_cancelled", estate.ann)
    assert "Reason: Water leak in the hall" in mail.body and "Cancellation fee" not in mail.body


# --- holds and the waiting list -----------------------------------------------------------------


def test_an_expired_hold_frees_the_slot_and_offers_it_to_the_first_in_line(
    session: Session, estate: Estate
) -> None:
    gym = f.facility(session, estate.w.prop, name="Gym", fee=700, hold_minutes=30, offer_minutes=60)
    held = book(session, gym, estate.ann, "10:00")
    first = wait(session, gym, estate.ben, "10:00")
    second = wait(session, gym, estate.cat, "10:00")
    assert expire_holds(session, now=NOW + timedelta(minutes=29)) == 0
    assert statuses(session, held) == ["awaiting_payment"]
    expiry = NOW + timedelta(minutes=31)
    assert expire_holds(session, now=expiry) == 1
    assert statuses(session, held, first, second) == ["expired", "offered", "waiting"]
    offered = fresh(session, WaitlistEntry, first.id)
    assert (offered.offered_at, offered.offer_expires_at) == (expiry, expiry + timedelta(hours=1))
    assert "expired unpaid" in mails(session, "booking_expired", estate.ann)[0].body
    [offer] = mails(session, "waitlist_offer")
    assert offer.to_email == estate.ben.email and "Gym" in offer.subject
    assert expire_holds(session, now=expiry + timedelta(hours=1)) == 0  # once only
    assert len(mails(session, "waitlist_offer")) == 1


def test_an_offer_is_held_for_the_person_offered(session: Session, estate: Estate) -> None:
    b = book(session, estate.hall, estate.ann, "10:00")
    entry = wait(session, estate.hall, estate.ben, "10:00")
    cancel(session, estate.ann, b.id or 0, now=NOW)
    assert statuses(session, entry) == ["offered"]
    # Someone else can't take the slot while the offer runs, but may queue behind it.
    err = refused(session, lambda: book(session, estate.hall, estate.cat, "10:00"), ServiceError)
    assert "offered to someone on the waiting list" in err.message
    slots = day_slots(session, estate.cat, estate.hall.id or 0, date(2026, 3, 3), now=NOW)
    assert next(s.state for s in slots if s.start == at(DAY, "10:00")) == "taken"
    assert wait(session, estate.hall, estate.cat, "10:00").status == "waiting"
    # Once the offer lapsed (even before the job ran) the slot is bookable again.
    lapsed = NOW + timedelta(minutes=61)
    assert book(session, estate.hall, estate.ann, "10:00", now=lapsed).status == "confirmed"


def test_a_lapsed_offer_moves_to_the_next_person(session: Session, estate: Estate) -> None:
    b = book(session, estate.hall, estate.ann, "10:00")
    first = wait(session, estate.hall, estate.ben, "10:00")
    second = wait(session, estate.hall, estate.cat, "10:00")
    cancel(session, estate.ann, b.id or 0, now=NOW)
    assert expire_offers(session, now=NOW + timedelta(minutes=59)) == 0
    later = NOW + timedelta(minutes=61)
    assert expire_offers(session, now=later) == 1
    assert statuses(session, first, second) == ["expired", "offered"]
    assert [m.to_email for m in mails(session, "waitlist_offer")] == [
        estate.ben.email,
        estate.cat.email,
    ]
    # The first one's offer is gone for good.
    err = refused(
        session,
        lambda: accept_offer(session, estate.ben, first.id or 0, now=later),
        ServiceError,
    )
    assert err.message == "This offer has expired."
    booked = accept_offer(session, estate.cat, second.id or 0, now=later)
    row = fresh(session, WaitlistEntry, second.id)
    assert (row.status, row.booking_id) == ("accepted", booked.id)
    assert (booked.user_id, booked.start_at, booked.status) == (
        estate.cat.id,
        at(DAY, "10:00"),
        "confirmed",
    )
    assert expire_offers(session, now=later + timedelta(hours=5)) == 0


def test_accepting_an_offer_after_it_ran_out_fails_cleanly(
    session: Session, estate: Estate
) -> None:
    b = book(session, estate.hall, estate.ann, "10:00")
    entry = wait(session, estate.hall, estate.ben, "10:00")
    cancel(session, estate.ann, b.id or 0, now=NOW)
    too_late = NOW + timedelta(minutes=60, seconds=1)
    err = refused(
        session,
        lambda: accept_offer(session, estate.ben, entry.id or 0, now=too_late),
        ServiceError,
    )
    assert err.message == "This offer has expired."
    # In time it works, once.
    booked = accept_offer(session, estate.ben, entry.id or 0, now=NOW + timedelta(minutes=59))
    assert booked.status == "confirmed"
    refused(
        session,
        lambda: accept_offer(session, estate.ben, entry.id or 0, now=NOW),
        ServiceError,
    )


def test_an_offer_whose_booking_fails_stays_offered(session: Session, estate: Estate) -> None:
    """accept_offer runs every rule again; a refusal puts the offer back as it was."""
    b = book(session, estate.hall, estate.ann, "10:00")
    entry = wait(session, estate.hall, estate.ben, "10:00")
    book(session, estate.hall, estate.ben, "12:00")
    book(session, estate.hall, estate.ben, "14:00")  # now at his limit of 2
    cancel(session, estate.ann, b.id or 0, now=NOW)
    err = refused(
        session,
        lambda: accept_offer(session, estate.ben, entry.id or 0, now=NOW),
        ValidationError,
    )
    assert "already have 2 upcoming bookings" in err.message
    assert statuses(session, entry) == ["offered"]


@contextmanager
def emails_cannot_be_queued(session: Session) -> Iterator[None]:
    """Every INSERT into the outbox table (email_messages) fails, as a full disk would make it:
    the failure comes from the database, not from a stand-in for the code that queues."""

    def boom(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO EMAIL_MESSAGES"):
            raise RuntimeError("disk full")

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", boom)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", boom)


def test_a_crash_while_accepting_an_offer_keeps_neither_half(
    session: Session, estate: Estate
) -> None:
    """The acceptance and the booking are one transaction: an error in between (here: while
    queueing the confirmation email) leaves the offer open and no booking behind."""
    b = book(session, estate.hall, estate.ann, "10:00")
    entry = wait(session, estate.hall, estate.ben, "10:00")
    cancel(session, estate.ann, b.id or 0, now=NOW)

    with emails_cannot_be_queued(session), pytest.raises(RuntimeError, match="disk full"):
        accept_offer(session, estate.ben, entry.id or 0, now=NOW)
    session.rollback()
    assert statuses(session, entry) == ["offered"]
    with Session(session.get_bind()) as s:
        mine = s.exec(select(Booking).where(Booking.user_id == estate.ben.id)).all()
    assert mine == []
    booked = accept_offer(session, estate.ben, entry.id or 0, now=NOW)
    assert booked.status == "confirmed" and statuses(session, entry) == ["accepted"]


def test_leaving_the_waiting_list_with_an_offer_passes_it_on(
    session: Session, estate: Estate
) -> None:
    b = book(session, estate.hall, estate.ann, "10:00")
    first = wait(session, estate.hall, estate.ben, "10:00")
    second = wait(session, estate.hall, estate.cat, "10:00")
    cancel(session, estate.ann, b.id or 0, now=NOW)
    leave_waitlist(session, estate.ben, first.id or 0, now=NOW)
    assert statuses(session, first, second) == ["cancelled", "offered"]
    refused(
        session,
        lambda: leave_waitlist(session, estate.ben, first.id or 0, now=NOW),
        ServiceError,
    )


def test_leaving_while_still_waiting_offers_nothing(session: Session, estate: Estate) -> None:
    book(session, estate.hall, estate.ann, "10:00")
    first = wait(session, estate.hall, estate.ben, "10:00")
    second = wait(session, estate.hall, estate.cat, "10:00")
    leave_waitlist(session, estate.ben, first.id or 0, now=NOW)
    assert statuses(session, first, second) == ["cancelled", "waiting"]
    assert mails(session, "waitlist_offer") == []


def test_joining_the_waiting_list_needs_a_reason_to_wait(session: Session, estate: Estate) -> None:
    hall, ann, ben = estate.hall, estate.ann, estate.ben
    err = refused(session, lambda: wait(session, hall, ben, "10:00"), ServiceError)
    assert err.message == "That time is free: book it instead of waiting."
    book(session, hall, ann, "10:00")
    err = refused(session, lambda: wait(session, hall, ann, "10:00"), ServiceError)
    assert err.message == "You have already booked that time."
    wait(session, hall, ben, "10:00")
    err = refused(session, lambda: wait(session, hall, ben, "10:00"), ServiceError)
    assert err.message == "You are already on the waiting list for that time."
    # The booking rules apply to the wish too.
    refused(session, lambda: wait(session, hall, ben, "10:00", now=NOW + timedelta(days=2)))


def test_a_cancelled_booking_with_nobody_waiting_for_a_later_time_offers_nothing(
    session: Session, estate: Estate
) -> None:
    b = book(session, estate.hall, estate.ann, "10:00")
    book(session, estate.hall, estate.cat, "11:00")
    other_time = wait(session, estate.hall, estate.ben, "11:00")
    cancel(session, estate.ann, b.id or 0, now=NOW)
    assert statuses(session, other_time) == ["waiting"]
    assert mails(session, "waitlist_offer") == []


# --- paying by M-Pesa ---------------------------------------------------------------------------


def _pay(session: Session, estate: Estate, tasks: f.TaskLog) -> tuple[Booking, Payment]:
    gym = f.facility(session, estate.w.prop, name="Gym", fee=700, deposit=300, hold_minutes=30)
    held = book(session, gym, estate.ann, "10:00")
    pay = start_booking_payment(session, estate.ann, held.id or 0, "0712 345 678")
    assert (pay.booking_id, pay.lease_id, pay.amount, pay.status, pay.phone) == (
        held.id,
        None,
        1_000,
        PaymentStatus.PENDING,
        "254712345678",
    )
    assert tasks.named("send_stk_push") == [(pay.id,)]
    pay.checkout_request_id = f.checkout_id()  # what send_stk_push records
    session.add(pay)
    session.commit()
    return held, pay


def _callback(pay: Payment, receipt: str = "SKB7000001") -> StkCallback:
    return StkCallback(
        merchant_request_id="29115-1-1",
        checkout_request_id=pay.checkout_request_id or "",
        result_code="0",
        result_desc="The service request is processed successfully.",
        amount=pay.amount,
        receipt=receipt,
        phone=pay.phone,
        transaction_date="20260302091500",
    )


def test_a_booking_fee_paid_by_mpesa_confirms_the_booking(
    session: Session, estate: Estate, tasks: f.TaskLog
) -> None:
    held, pay = _pay(session, estate, tasks)
    payments.process_stk_callback(session, _callback(pay))
    booking, payment = fresh(session, Booking, held.id), fresh(session, Payment, pay.id)
    assert (booking.status, booking.hold_expires_at, booking.payment_id) == (
        "confirmed",
        None,
        pay.id,
    )
    assert (payment.status, payment.mpesa_receipt) == (PaymentStatus.PAID, "SKB7000001")
    assert (payment.receipt_no or "").startswith("RCP-")
    assert len(mails(session, "booking_confirmed", estate.ann)) == 1
    with committed(session) as c:
        assert c.exec(select(LedgerEntry)).all() == []  # a booking fee is not rent
    before = f.db_snapshot(session)
    payments.process_stk_callback(session, _callback(pay))  # the same callback again
    assert f.db_snapshot(session) == before


def test_a_fee_arriving_after_the_hold_expired_goes_to_review(
    session: Session, estate: Estate, tasks: f.TaskLog
) -> None:
    held, pay = _pay(session, estate, tasks)
    assert expire_holds(session, now=NOW + timedelta(minutes=31)) == 1
    payments.process_stk_callback(session, _callback(pay))
    booking, payment = fresh(session, Booking, held.id), fresh(session, Payment, pay.id)
    assert booking.status == "expired"
    assert (payment.status, payment.mpesa_receipt) == (PaymentStatus.REVIEW, "SKB7000001")
    assert "refund or rebook" in payment.result_desc
    assert mails(session, "booking_confirmed") == []


def test_only_a_held_booking_of_ones_own_can_be_paid(
    session: Session, estate: Estate, tasks: f.TaskLog
) -> None:
    free = book(session, estate.hall, estate.ann, "10:00")
    err = refused(
        session,
        lambda: start_booking_payment(session, estate.ann, free.id or 0, "0712345678"),
        ServiceError,
    )
    assert err.message == "This booking is not waiting for payment."
    held, _pay_row = _pay(session, estate, tasks)
    err = refused(
        session,
        lambda: start_booking_payment(session, estate.ann, held.id or 0, "0712345678"),
        ServiceError,
    )
    assert "just sent to your phone" in err.message


# --- scheduled work -----------------------------------------------------------------------------


def test_reminders_go_once_to_confirmed_bookings_within_a_day(
    session: Session, estate: Estate
) -> None:
    hall, w = estate.hall, estate.w
    soon = book(session, hall, estate.ann, "10:00")  # Tue 10:00
    later = book(session, hall, estate.ben, "10:00", day="2026-03-05")
    cancelled = book(session, hall, estate.cat, "12:00")
    cancel(session, estate.cat, cancelled.id or 0, now=NOW)
    gym = f.facility(session, w.prop, name="Gym", fee=100)
    unpaid = book(session, gym, estate.cat, "10:00")
    start = at(DAY, "10:00")
    assert send_reminders(session, now=start - timedelta(hours=25)) == 0
    assert send_reminders(session, now=start - timedelta(hours=23)) == 1
    assert send_reminders(session, now=start - timedelta(hours=22)) == 0
    [mail] = mails(session, "booking_reminder")
    assert mail.to_email == estate.ann.email
    assert "Reminder: Community Hall is booked for you on Tue 3 Mar 2026, 10:00–11:00" in mail.body
    assert fresh(session, Booking, soon.id).reminder_sent_at == start - timedelta(hours=23)
    assert fresh(session, Booking, later.id).reminder_sent_at is None
    assert fresh(session, Booking, unpaid.id).reminder_sent_at is None


# --- calendar, ics, csv -------------------------------------------------------------------------


def test_day_slots_show_free_taken_mine_blocked_and_past(session: Session, estate: Estate) -> None:
    hall, ann, ben = estate.hall, estate.ann, estate.ben
    book(session, hall, ann, "12:00")
    book(session, hall, ben, "13:00", 60)
    gone = book(session, hall, ben, "18:00")
    cancel(session, ben, gone.id or 0, now=NOW)
    add_blackout(session, estate.w.manager, hall.id or 0, at(DAY, "15:00"), at(DAY, "17:00"), "")
    add_blackout(session, estate.w.manager, hall.id or 0, at(DAY, "07:00"), at(DAY, "08:00"), "")
    now = at(DAY, "11:30")
    slots = day_slots(session, ann, hall.id or 0, date(2026, 3, 3), now=now)
    assert [(s.start, s.end) for s in slots] == [
        (at(DAY, f"{h:02d}:00"), at(DAY, f"{h + 1:02d}:00")) for h in range(6, 22)
    ]
    expected = ["past"] * 6 + ["mine", "taken", "free", "blocked", "blocked"] + ["free"] * 5
    assert [s.state for s in slots] == expected
    theirs = day_slots(session, ben, hall.id or 0, date(2026, 3, 3), now=now)
    assert [s.state for s in theirs][6:8] == ["taken", "mine"]


def test_week_slots_cover_each_day_and_closed_days_are_empty(
    session: Session, estate: Estate
) -> None:
    office = f.facility(
        session,
        estate.w.prop,
        name="Office",
        hours={d: ("09:00", "12:00") for d in range(5)},
        slot_minutes=None,
    )
    book(session, office, estate.ann, "09:00", 90, day="2026-03-04")
    now = NOW + timedelta(minutes=30)
    week = week_slots(session, estate.ann, office.id or 0, date(2026, 3, 2), now=now)
    assert list(week) == [date(2026, 3, d) for d in range(2, 9)]
    assert [len(week[date(2026, 3, d)]) for d in range(2, 9)] == [3, 3, 3, 3, 3, 0, 0]
    # Free-form facilities show hour blocks; the 90 minutes mark two of them.
    assert [s.state for s in week[date(2026, 3, 4)]] == ["mine", "mine", "free"]
    assert [s.state for s in week[date(2026, 3, 2)]] == ["past", "free", "free"]  # 09:00 started
    month = week_slots(session, estate.ann, office.id or 0, date(2026, 3, 1), 60, now=NOW)
    assert len(month) == 31  # at most a month at once


def test_the_ics_file_describes_the_booking(session: Session, estate: Estate) -> None:
    fac = f.facility(session, estate.w.prop, name="Hall; East, Wing", description="Line 1\nLine 2")
    b = book(session, fac, estate.ann, "10:00", 120)
    name, body = booking_ics(session, estate.ann, b.id or 0)
    assert name == "BKG-2026-0001.ics"
    lines = body.split("\r\n")
    assert lines[:4] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//pms//bookings//EN",
        "BEGIN:VEVENT",
    ]
    assert lines[-3:] == ["END:VEVENT", "END:VCALENDAR", ""]
    assert "UID:BKG-2026-0001@pms" in lines
    assert "DTSTART:20260303T070000Z" in lines and "DTEND:20260303T090000Z" in lines
    assert "SUMMARY:Hall\\; East\\, Wing (BKG-2026-0001)" in lines
    assert "DESCRIPTION:Line 1 Line 2" in lines  # descriptions are stored on one line
    assert "STATUS:CONFIRMED" in lines
    cancel(session, estate.ann, b.id or 0, now=NOW)
    assert "STATUS:CANCELLED" in booking_ics(session, estate.ann, b.id or 0)[1].split("\r\n")


def test_long_ics_lines_are_folded_at_75_octets_without_splitting_characters(
    session: Session, estate: Estate
) -> None:
    text = "Bwawa la kuogelea — " + "ñ" * 60 + " and the sauna; open daily, 06:00–22:00"
    fac = f.facility(session, estate.w.prop, name="Pool", description=text)
    b = book(session, fac, estate.ann, "10:00", 60)
    raw = booking_ics(session, estate.ann, b.id or 0)[1].encode()
    physical = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in physical)
    assert any(line.startswith(b" ") for line in physical)  # it was long enough to fold
    # Unfolding (RFC 5545: drop CRLF + one space) gives back the whole escaped line.
    logical = raw.replace(b"\r\n ", b"").decode().split("\r\n")
    escaped = text.replace(";", "\\;").replace(",", "\\,")
    assert "DESCRIPTION:" + escaped in logical
    for line in physical:
        line.decode()  # every physical line is valid UTF-8 on its own


def test_the_csv_export_lists_every_booking_safely(session: Session, estate: Estate) -> None:
    w = estate.w
    [mallory] = f.residents(session, w.prop, 1, name="=HYPERLINK(evil)")
    book(session, estate.hall, mallory, "10:00", guests=3)
    gym = f.facility(session, w.prop, name="Gym", fee=700, deposit=300)
    book(session, gym, estate.ann, "10:00")
    rows = list(csv.reader(io.StringIO(bookings_csv(session, w.manager, estate.hall.id or 0))))
    assert rows == [
        ["number", "facility", "resident", "start", "end", "guests", "status", "due_kes"],
        [
            "BKG-2026-0001",
            "Community Hall",
            "'=HYPERLINK(evil) 1",
            "2026-03-03 10:00",
            "2026-03-03 11:00",
            "3",
            "confirmed",
            "0",
        ],
    ]
    gym_rows = list(csv.reader(io.StringIO(bookings_csv(session, w.owner, gym.id or 0))))
    assert gym_rows[1][6:] == ["awaiting_payment", "1000"]
    # Busy facilities: the export has every booking, not the page's first 500.
    start = at("2026-03-10", "06:00")
    session.add_all(
        Booking(
            number=f"BKG-2026-9{i:03d}",
            facility_id=estate.hall.id or 0,
            user_id=estate.ann.id or 0,
            start_at=start + timedelta(hours=i),
            end_at=start + timedelta(hours=i + 1),
            status=BookingStatus.CONFIRMED,
        )
        for i in range(520)
    )
    session.commit()
    rows = list(csv.reader(io.StringIO(bookings_csv(session, w.manager, estate.hall.id or 0))))
    assert len(rows) == 1 + 1 + 520
    assert len(facility_bookings(session, w.manager, estate.hall.id or 0)) == 500
    day = facility_bookings(session, w.manager, estate.hall.id or 0, date(2026, 3, 3))
    assert [r.number for r in day] == ["BKG-2026-0001"]


def test_my_bookings_lists_only_ones_own(session: Session, estate: Estate) -> None:
    mine = book(session, estate.hall, estate.ann, "10:00")
    book(session, estate.hall, estate.ben, "11:00")
    rows = my_bookings(session, estate.ann)
    assert [(r.id, r.facility, r.booker, r.status) for r in rows] == [
        (mine.id, "Community Hall", estate.ann.full_name, "confirmed")
    ]
    entry = wait(session, estate.hall, estate.ann, "11:00")
    assert [e.id for e in my_waitlist(session, estate.ann)] == [entry.id]
    assert my_waitlist(session, estate.ben) == []


def test_blackouts_are_stored(session: Session, estate: Estate) -> None:
    row = add_blackout(
        session, estate.w.owner, estate.hall.id or 0, at(DAY, "14:00"), at(DAY, "16:00"), " Paint "
    )
    stored = fresh(session, FacilityBlackout, row.id)
    assert (stored.start_at, stored.end_at, stored.reason) == (
        at(DAY, "14:00"),
        at(DAY, "16:00"),
        "Paint",
    )
