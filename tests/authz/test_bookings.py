"""The authorisation matrix, continued: facilities, bookings and the waiting list, for every
actor of `f.World` (the rules: tests/authz/grid.py), on the facilities and bookings of
`f.BookWorld`.

Each allowed cell checks its effect (or, for scoped lists, the exact scope); each denied cell
raises the expected error, changes nothing even once committed, and its message names no
person, property, facility, booking number or email. One test per actor runs its reads and
denials (denials change nothing, which each check proves); another runs its allowed writes, each
on a freshly restored world.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session, SQLModel, col, select

from pms_app.accounts.models import User
from pms_app.bookings.availability import Slot, day_slots, week_slots
from pms_app.bookings.exports import booking_ics, bookings_csv
from pms_app.bookings.facilities import (
    add_blackout,
    create_facility,
    get_visible_facility,
    list_facilities,
    update_facility,
)
from pms_app.bookings.lifecycle import (
    book,
    cancel,
    decide_request,
    manager_mark_paid,
    quote_cancellation,
)
from pms_app.bookings.listings import facility_bookings, my_bookings
from pms_app.bookings.models import (
    Booking,
    BookingStatus,
    Facility,
    FacilityBlackout,
    WaitlistEntry,
    WaitStatus,
)
from pms_app.bookings.paying import start_booking_payment
from pms_app.bookings.waitlist import accept_offer, join_waitlist, leave_waitlist
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.emails.models import EmailMessage
from pms_app.payments.models import Payment, PaymentStatus
from tests import factories as f
from tests.authz import grid
from tests.authz.grid import ACTORS, Action, committed

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

NOW = f.BOOK_NOW
DAY = f.BookWorld.DAY
TUESDAY = date.fromisoformat(DAY)
MONDAY = date(2026, 3, 2)

# Columns: grid.ACTORS (the tenant holds booking, request and held and is on a waiting list, the
# other tenant holds other_booking, the staff member staff_booking).
# Y = allowed (lists: scoped, see the checks), - = denied (NotAuthenticated / NotFound),
# s = refused with a plain ServiceError the UI shows. Objects are Sunrise's unless a list.
GRID = """
action            anon pend tnt  otnt staf mgr  own  olan admn deac
list_facilities   -    -    Y    Y    Y    Y    Y    Y    Y    -
read_facility     -    -    Y    -    Y    Y    Y    -    Y    -
day_slots         -    -    Y    -    Y    Y    Y    -    Y    -
week_slots        -    -    Y    -    Y    Y    Y    -    Y    -
my_bookings       -    -    Y    Y    Y    Y    Y    Y    Y    -
booking_ics       -    -    Y    -    -    Y    Y    -    Y    -
quote_cancel      -    -    Y    -    -    Y    Y    -    Y    -
facility_bookings -    -    -    -    -    Y    Y    -    Y    -
bookings_csv      -    -    -    -    -    Y    Y    -    Y    -
create_facility   -    -    -    -    -    Y    Y    -    Y    -
update_facility   -    -    -    -    -    Y    Y    -    Y    -
add_blackout      -    -    -    -    -    Y    Y    -    Y    -
decide_request    -    -    -    -    -    Y    Y    -    Y    -
mark_paid         -    -    -    -    -    Y    Y    -    Y    -
book              -    -    Y    -    Y    Y    Y    -    Y    -
join_waitlist     -    -    s    -    Y    Y    Y    -    Y    -
cancel_booking    -    -    Y    -    -    Y    Y    -    Y    -
pay_booking       -    -    Y    -    -    -    -    -    -    -
leave_waitlist    -    -    Y    -    -    -    -    -    -    -
accept_offer      -    -    s    -    -    -    -    -    -    -
"""

WRITES = {
    "create_facility",
    "update_facility",
    "add_blackout",
    "decide_request",
    "mark_paid",
    "book",
    "join_waitlist",
    "cancel_booking",
    "pay_booking",
    "leave_waitlist",
    "accept_offer",
}


CELLS = grid.parse_grid(GRID)

SUNRISE_FACILITIES = {"Community Hall", "Pool", "Gym"}
FACILITIES_SEEN = {
    "tenant": SUNRISE_FACILITIES,
    "other_tenant": {"Zebra Hall"},
    "staff": SUNRISE_FACILITIES,
    "manager": SUNRISE_FACILITIES,
    "owner": SUNRISE_FACILITIES,
    "other_landlord": {"Zebra Hall"},
    "admin": SUNRISE_FACILITIES | {"Zebra Hall"},
}


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


def _me(bw: f.BookWorld, actor: str) -> User:
    user = bw.w.actor(actor)
    assert user is not None
    return user


# --- checks -----------------------------------------------------------------------------------


def _check_list_facilities(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    assert {x.name for x in result} == FACILITIES_SEEN[actor]  # type: ignore[attr-defined]


def _check_read_facility(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    assert result.id == bw.hall.id  # type: ignore[attr-defined]


def _hall_states(actor: str, slots: list[Slot]) -> None:
    """10:00 is the tenant's, 12:00 the staff member's; nobody learns whose beyond "mine"."""
    by_start = {s.start: s.state for s in slots}
    expected = (
        "mine" if actor == "tenant" else "taken",
        "mine" if actor == "staff" else "taken",
        "free",
    )
    assert (
        by_start[f.at(DAY, "10:00")],
        by_start[f.at(DAY, "12:00")],
        by_start[f.at(DAY, "14:00")],
    ) == expected
    assert len(slots) == 16


def _check_day_slots(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    _hall_states(actor, result)  # type: ignore[arg-type]


def _check_week_slots(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    assert len(result) == 7  # type: ignore[arg-type]
    _hall_states(actor, result[TUESDAY])  # type: ignore[index]


def _check_my_bookings(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    mine = {
        "tenant": {bw.booking.number, bw.request.number, bw.held.number},
        "other_tenant": {bw.other_booking.number},
        "staff": {bw.staff_booking.number},
    }.get(actor, set())
    assert {r.number for r in result} == mine  # type: ignore[attr-defined]


def _check_ics(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    name, body = result  # type: ignore[misc]
    assert name == f"{bw.booking.number}.ics" and f"UID:{bw.booking.number}@pms" in body


def _check_quote(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    assert result == 0


def _check_facility_bookings(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    assert {r.number for r in result} == {bw.booking.number, bw.staff_booking.number}  # type: ignore[attr-defined]


def _check_csv(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    rows = list(csv.reader(io.StringIO(result)))  # type: ignore[arg-type]
    assert rows[0][0] == "number"
    assert {r[0] for r in rows[1:]} == {bw.booking.number, bw.staff_booking.number}


def _check_create_facility(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.exec(select(Facility).where(Facility.name == "Sauna")).one()
        assert row.property_id == bw.w.prop.id


def _check_update_facility(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(Facility, bw.hall.id)
        assert row is not None and (row.name, row.capacity) == ("Great Hall", 10)


def _check_blackout(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.exec(select(FacilityBlackout)).one()
        assert (row.facility_id, row.reason) == (bw.hall.id, "Painting")


def _check_decide(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(Booking, bw.request.id)
        assert row is not None and row.status == BookingStatus.AWAITING_PAYMENT
    held = _mails(s, bw.w.tenant, "booking_booked")
    assert any("Pay KES 2,000 before" in m.body for m in held)


def _check_mark_paid(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(Booking, bw.held.id)
        assert row is not None and (row.status, row.hold_expires_at) == ("confirmed", None)
    assert _mails(s, bw.w.tenant, "booking_confirmed")


def _check_book(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(Booking, result.id)  # type: ignore[attr-defined]
        assert row is not None
        assert (row.user_id, row.facility_id, row.start_at, row.status) == (
            _me(bw, actor).id,
            bw.hall.id,
            f.at(DAY, "14:00"),
            "confirmed",
        )


def _check_join(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(WaitlistEntry, result.id)  # type: ignore[attr-defined]
        assert row is not None
        assert (row.user_id, row.start_at, row.status) == (
            _me(bw, actor).id,
            f.at(DAY, "10:00"),
            WaitStatus.WAITING,
        )


def _check_cancel(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(Booking, bw.booking.id)
        assert row is not None
        reason = "" if actor == "tenant" else "Maintenance"
        assert (row.status, row.cancelled_by_id, row.cancel_reason, row.cancel_fee) == (
            "cancelled",
            _me(bw, actor).id,
            reason,
            0,
        )
    assert _mails(s, bw.w.tenant, "booking_cancelled")


def _check_pay(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(Payment, result.id)  # type: ignore[attr-defined]
        assert row is not None
        assert (row.booking_id, row.lease_id, row.amount, row.status) == (
            bw.held.id,
            None,
            700,
            PaymentStatus.PENDING,
        )


def _check_leave(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(WaitlistEntry, bw.waiting.id)
        assert row is not None and row.status == WaitStatus.CANCELLED


def _mails(s: Session, to: User, kind: str) -> list[EmailMessage]:
    with committed(s) as c:
        return list(
            c.exec(
                select(EmailMessage).where(
                    EmailMessage.to_email == to.email, EmailMessage.kind == kind
                )
            ).all()
        )


def _no_check(s: Session, bw: f.BookWorld, actor: str, result: object) -> None:
    raise AssertionError("never allowed")


def _hall(bw: f.BookWorld) -> int:
    return bw.hall.id or 0


ACTIONS: dict[str, Action[f.BookWorld]] = {
    "list_facilities": Action(lambda s, bw, a: list_facilities(s, a), _check_list_facilities),
    "read_facility": Action(
        lambda s, bw, a: get_visible_facility(s, a, _hall(bw)), _check_read_facility
    ),
    "day_slots": Action(
        lambda s, bw, a: day_slots(s, a, _hall(bw), TUESDAY, now=NOW), _check_day_slots
    ),
    "week_slots": Action(
        lambda s, bw, a: week_slots(s, a, _hall(bw), MONDAY, now=NOW),
        _check_week_slots,
    ),
    "my_bookings": Action(lambda s, bw, a: my_bookings(s, a, now=NOW), _check_my_bookings),
    "booking_ics": Action(lambda s, bw, a: booking_ics(s, a, bw.booking.id or 0), _check_ics),
    "quote_cancel": Action(
        lambda s, bw, a: quote_cancellation(s, a, bw.booking.id or 0, now=NOW),
        _check_quote,
    ),
    "facility_bookings": Action(
        lambda s, bw, a: facility_bookings(s, a, _hall(bw)), _check_facility_bookings
    ),
    "bookings_csv": Action(lambda s, bw, a: bookings_csv(s, a, _hall(bw)), _check_csv),
    "create_facility": Action(
        lambda s, bw, a: create_facility(s, a, bw.w.prop.id or 0, f.facility_form(name="Sauna")),
        _check_create_facility,
    ),
    "update_facility": Action(
        lambda s, bw, a: update_facility(s, a, _hall(bw), f.facility_form(name="Great Hall")),
        _check_update_facility,
    ),
    "add_blackout": Action(
        lambda s, bw, a: add_blackout(
            s, a, _hall(bw), f.at(DAY, "15:00"), f.at(DAY, "17:00"), "Painting"
        ),
        _check_blackout,
    ),
    "decide_request": Action(
        lambda s, bw, a: decide_request(s, a, bw.request.id or 0, True, now=NOW),
        _check_decide,
    ),
    "mark_paid": Action(
        lambda s, bw, a: manager_mark_paid(s, a, bw.held.id or 0), _check_mark_paid
    ),
    "book": Action(
        lambda s, bw, a: book(s, a, _hall(bw), f.at(DAY, "14:00"), f.at(DAY, "15:00"), 2, now=NOW),
        _check_book,
    ),
    "join_waitlist": Action(
        lambda s, bw, a: join_waitlist(
            s, a, _hall(bw), f.at(DAY, "10:00"), f.at(DAY, "11:00"), now=NOW
        ),
        _check_join,
    ),
    "cancel_booking": Action(
        lambda s, bw, a: (
            cancel(s, a, bw.booking.id or 0, "Maintenance", now=NOW)
            if a is not bw.w.tenant
            else cancel(s, a, bw.booking.id or 0, now=NOW)
        ),
        _check_cancel,
    ),
    "pay_booking": Action(
        lambda s, bw, a: start_booking_payment(s, a, bw.held.id or 0, "0712345678"),
        _check_pay,
    ),
    "leave_waitlist": Action(
        lambda s, bw, a: leave_waitlist(s, a, bw.waiting.id or 0, now=NOW), _check_leave
    ),
    "accept_offer": Action(
        lambda s, bw, a: accept_offer(s, a, bw.waiting.id or 0, now=NOW), _no_check
    ),
}


def test_the_grid_covers_every_action_and_actor() -> None:
    grid.check_covers(CELLS, ACTIONS, {"Y", "-", "s"})
    assert set(ACTIONS) >= WRITES
    for actor in ("anonymous", "pending", "deactivated"):  # nothing at all for these
        assert {row[actor] for row in CELLS.values()} == {"-"}


def _secrets(session: Session) -> list[str]:
    """What a denial message must never contain."""
    with committed(session) as c:
        facilities = c.exec(select(Facility)).all()
        numbers = c.exec(select(Booking.number)).all()
    return [
        x
        for x in (grid.people_and_places(session) + [x.name for x in facilities] + list(numbers))
        if x
    ]


def assert_denied_quietly(
    session: Session, run: Callable[[], object], expected: type[ServiceError], what: str
) -> ServiceError:
    return grid.assert_denied_quietly(session, run, expected, what, _secrets(session))


@pytest.mark.parametrize("actor", list(ACTORS.values()))
def test_reads_and_denials(session: Session, actor: str) -> None:
    """Every read this actor may do (exactly scoped, writing nothing), and every call it may
    not (denied quietly). Allowed writes are in test_allowed_writes."""
    bw = f.book_world(session)
    grid.run_reads_and_denials(
        session,
        bw,
        CELLS,
        ACTIONS,
        WRITES,
        actor,
        bw.w.actor(actor),
        secrets=lambda: _secrets(session),
    )


def _restored(session: Session) -> f.BookWorld:
    """An empty database again, then the BookWorld copied in (same ids)."""
    session.rollback()
    conn = session.connection()
    for table in reversed(SQLModel.metadata.sorted_tables):
        conn.execute(table.delete())
    session.commit()
    session.expunge_all()
    return f.book_world(session)


WRITERS = sorted({actor for actor, _ in grid.allowed(CELLS, WRITES)})


@pytest.mark.parametrize("actor", WRITERS)
def test_allowed_writes(session: Session, actor: str, tasks: f.TaskLog) -> None:
    """Each write this actor may do, on its own freshly restored world, has its effect."""
    f.book_world(session)
    allowed = [action for who, action in grid.allowed(CELLS, WRITES) if who == actor]
    assert allowed
    for action in allowed:
        bw = _restored(session)
        tasks.calls.clear()
        result = grid.run_allowed(
            session, bw, ACTIONS[action], actor, bw.w.actor(actor), read=False
        )
        pushes = tasks.named("send_stk_push")
        assert pushes == ([(result.id,)] if action == "pay_booking" else []), action  # type: ignore[attr-defined]


def test_a_resident_cancels_only_his_own_bookings(session: Session) -> None:
    bw = f.book_world(session)
    for booking in (bw.staff_booking, bw.other_booking):
        assert_denied_quietly(
            session,
            lambda b=booking: cancel(session, bw.w.tenant, b.id or 0, now=NOW),
            NotFound,
            "cancel someone else's booking",
        )
    cancel(session, bw.w.staff, bw.staff_booking.id or 0, now=NOW)  # his own: fine
    with committed(session) as c:
        assert c.get(Booking, bw.staff_booking.id).status == "cancelled"  # type: ignore[union-attr]


def test_staff_who_book_are_residents_not_managers(session: Session) -> None:
    """Staff may book like residents, but a staff booking gives no manager's rights."""
    bw = f.book_world(session)
    for call in (
        lambda: cancel(session, bw.w.staff, bw.booking.id or 0, "x", now=NOW),
        lambda: manager_mark_paid(session, bw.w.staff, bw.held.id or 0),
        lambda: decide_request(session, bw.w.staff, bw.request.id or 0, True, now=NOW),
        lambda: bookings_csv(session, bw.w.staff, bw.hall.id or 0),
    ):
        assert_denied_quietly(session, call, NotFound, "staff acting as a manager")


PROBES: list[tuple[str, Callable[[Session, User, tuple[int, int, int], f.BookWorld], object]]] = [
    ("read_facility", lambda s, a, ids, bw: get_visible_facility(s, a, ids[0])),
    ("day_slots", lambda s, a, ids, bw: day_slots(s, a, ids[0], TUESDAY, now=NOW)),
    ("week_slots", lambda s, a, ids, bw: week_slots(s, a, ids[0], TUESDAY, now=NOW)),
    (
        "book",
        lambda s, a, ids, bw: book(s, a, ids[0], f.at(DAY, "14:00"), f.at(DAY, "15:00"), now=NOW),
    ),
    (
        "join_waitlist",
        lambda s, a, ids, bw: join_waitlist(
            s, a, ids[0], f.at(DAY, "10:00"), f.at(DAY, "11:00"), now=NOW
        ),
    ),
    (
        "update_facility",
        lambda s, a, ids, bw: update_facility(s, a, ids[0], f.facility_form()),
    ),
    (
        "add_blackout",
        lambda s, a, ids, bw: add_blackout(
            s, a, ids[0], f.at(DAY, "15:00"), f.at(DAY, "16:00"), ""
        ),
    ),
    ("facility_bookings", lambda s, a, ids, bw: facility_bookings(s, a, ids[0])),
    ("bookings_csv", lambda s, a, ids, bw: bookings_csv(s, a, ids[0])),
    ("cancel", lambda s, a, ids, bw: cancel(s, a, ids[1], "x", now=NOW)),
    ("quote", lambda s, a, ids, bw: quote_cancellation(s, a, ids[1], now=NOW)),
    ("ics", lambda s, a, ids, bw: booking_ics(s, a, ids[1])),
    ("decide", lambda s, a, ids, bw: decide_request(s, a, ids[1], True, now=NOW)),
    ("mark_paid", lambda s, a, ids, bw: manager_mark_paid(s, a, ids[1])),
    ("pay", lambda s, a, ids, bw: start_booking_payment(s, a, ids[1], "0712345678")),
    ("leave_waitlist", lambda s, a, ids, bw: leave_waitlist(s, a, ids[2], now=NOW)),
    ("accept_offer", lambda s, a, ids, bw: accept_offer(s, a, ids[2], now=NOW)),
]


@pytest.mark.parametrize("prober", ["other_tenant", "other_landlord"])
def test_someone_elses_objects_look_exactly_like_missing_ones(
    session: Session, prober: str
) -> None:
    """Zebra's people probing Sunrise's facility, booking and waiting-list ids learn nothing
    they wouldn't from made-up ids, and change nothing."""
    bw = f.book_world(session)
    actor = _me(bw, prober)
    made_up = (987_654, 987_655, 987_656)
    for name, call in PROBES:
        for real in (
            (bw.hall.id or 0, bw.booking.id or 0, bw.waiting.id or 0),
            (bw.pool.id or 0, bw.request.id or 0, bw.waiting.id or 0),
            (bw.gym.id or 0, bw.held.id or 0, bw.waiting.id or 0),
        ):
            theirs = assert_denied_quietly(
                session, lambda c=call, r=real: c(session, actor, r, bw), NotFound, name
            )
            missing = assert_denied_quietly(
                session, lambda c=call: c(session, actor, made_up, bw), NotFound, name
            )
            assert (theirs.message, theirs.field) == (missing.message, missing.field), name


@pytest.mark.parametrize("bad_id", [None, "1", 1.0, -1, 0])
def test_ids_of_the_wrong_type_or_range_are_not_found(session: Session, bad_id: object) -> None:
    bw = f.book_world(session)
    for name, call in PROBES:
        assert_denied_quietly(
            session,
            lambda c=call: c(session, bw.w.owner, (bad_id, bad_id, bad_id), bw),  # type: ignore[arg-type]
            NotFound,
            f"{name}({bad_id!r})",
        )


def test_lists_never_show_the_other_side(session: Session) -> None:
    bw = f.book_world(session)
    zebra = {bw.zebra_hall.id}
    for actor in ("tenant", "staff", "manager", "owner"):
        user = _me(bw, actor)
        seen = {x.id for x in list_facilities(session, user)}
        assert seen and not seen & zebra
        numbers = {r.number for r in my_bookings(session, user)}
        assert bw.other_booking.number not in numbers
    with committed(session) as c:
        others = c.exec(select(Booking.id).where(col(Booking.facility_id).in_(zebra))).all()
    assert others == [bw.other_booking.id]


def test_a_denied_cancel_by_a_manager_without_reason_changes_nothing(session: Session) -> None:
    bw = f.book_world(session)
    err = assert_denied_quietly(
        session,
        lambda: cancel(session, bw.w.manager, bw.booking.id or 0, "", now=NOW),
        ValidationError,
        "manager cancel without a reason",
    )
    assert err.field == "reason"
