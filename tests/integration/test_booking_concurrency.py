"""No double booking under concurrency, on SQLite and PostgreSQL.

Each thread has its own Session from the `engine` fixture and its own resident (read again in
its own session); all of them wait at a threading.Barrier and then call the service at once.
The facility row is locked inside the booking transaction (SQLite: the database write lock), so
exactly one of the requests for a time wins and the others get a clean ServiceError. Every join
has a deadline: a deadlock fails the test instead of hanging it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.housekeeping import expire_holds
from pms_app.bookings.lifecycle import SLOT_TAKEN, book
from pms_app.bookings.models import Booking, BookingStatus, Facility, WaitlistEntry
from pms_app.bookings.waitlist import join_waitlist
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.core.models import Counter
from pms_app.emails.models import EmailMessage
from tests import factories as f
from tests.concurrency import race as race_all

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

NOW = f.BOOK_NOW
DAY = "2026-03-03"


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)  # emails stay rows: no background sender in the race


def race(engine: Engine, n: int, work: Callable[[Session, int], object]) -> list[object]:
    """Run work(session, i) in n threads released together; each result or the exception."""
    return race_all(engine, [lambda s, i=i: work(s, i) for i in range(n)])  # type: ignore[misc]


def book_as(
    user_id: int, fac: Facility, start: datetime, minutes: int
) -> Callable[[Session], Booking]:
    def call(s: Session) -> Booking:
        return book(
            s, s.get(User, user_id), fac.id or 0, start, start + timedelta(minutes=minutes), now=NOW
        )

    return call


def active(engine: Engine, fac: Facility) -> list[Booking]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(Booking)
                .where(Booking.facility_id == fac.id, col(Booking.status).in_(BookingStatus.ACTIVE))
                .order_by(col(Booking.start_at))
            ).all()
        )


def assert_no_overlap(rows: list[Booking]) -> None:
    for a, b in zip(rows, rows[1:], strict=False):
        assert a.end_at <= b.start_at, (a.number, b.number)


def split(results: list[object]) -> tuple[list[Booking], list[ServiceError]]:
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if isinstance(r, ServiceError)]
    others = [r for r in results if not isinstance(r, Booking | ServiceError)]
    assert others == [], others  # no deadlock, lock timeout or integrity error leaks out
    return won, lost


def test_twenty_residents_race_for_one_slot_and_exactly_one_wins(
    engine: Engine, session: Session
) -> None:
    w = f.world(session)
    hall = f.facility(session, w.prop)
    people = [u.id or 0 for u in f.residents(session, w.prop, 20)]
    start = f.at(DAY, "10:00")

    results = race(engine, 20, lambda s, i: book_as(people[i], hall, start, 60)(s))

    won, lost = split(results)
    assert len(won) == 1 and len(lost) == 19
    assert {e.message for e in lost} == {SLOT_TAKEN}  # "already booked … waiting list"
    assert all(type(e) is ServiceError for e in lost)
    [row] = active(engine, hall)
    assert (row.id, row.number, row.start_at) == (won[0].id, "BKG-2026-0001", start)
    with Session(engine) as s:
        assert s.get(Counter, "BKG:2026").value == 1  # the losers burnt no number
        mails = s.exec(select(EmailMessage).where(EmailMessage.kind == "booking_booked")).all()
        assert [m.to_email for m in mails] == [s.get(User, row.user_id).email]


def test_overlapping_but_different_times_one_winner_per_group(
    engine: Engine, session: Session
) -> None:
    """Four groups of five requests; within a group every request overlaps every other (all
    contain the group's quarter hour), groups don't overlap each other."""
    w = f.world(session)
    lawn = f.facility(session, w.prop, name="Lawn", slot_minutes=None)
    people = [u.id or 0 for u in f.residents(session, w.prop, 20)]
    anchors = ["08:00", "11:00", "14:00", "17:00"]
    wishes = []  # (group, start, minutes)
    for g, anchor in enumerate(anchors):
        base = f.at(DAY, anchor)
        wishes += [(g, base - timedelta(minutes=15 * j), 60) for j in range(4)]
        wishes.append((g, base - timedelta(minutes=45), 120))

    results = race(engine, 20, lambda s, i: book_as(people[i], lawn, *wishes[i][1:])(s))

    won, lost = split(results)
    assert len(won) == 4 and len(lost) == 16
    assert {e.message for e in lost} == {SLOT_TAKEN}
    winners = sorted(wishes[results.index(b)][0] for b in won)
    assert winners == [0, 1, 2, 3]
    rows = active(engine, lawn)
    assert sorted(r.id for r in rows) == sorted(b.id for b in won)
    assert_no_overlap(rows)


def test_adjacent_slots_booked_at_once_all_succeed(engine: Engine, session: Session) -> None:
    w = f.world(session)
    court = f.facility(session, w.prop, name="Court", slot_minutes=15, min_minutes=15)
    people = [u.id or 0 for u in f.residents(session, w.prop, 20)]
    first = f.at(DAY, "10:00")

    results = race(
        engine,
        20,
        lambda s, i: book_as(people[i], court, first + timedelta(minutes=15 * i), 15)(s),
    )

    won, lost = split(results)
    assert (len(won), lost) == (20, [])
    rows = active(engine, court)
    assert [r.start_at for r in rows] == [first + timedelta(minutes=15 * i) for i in range(20)]
    assert sorted(r.number for r in rows) == [f"BKG-2026-{n:04d}" for n in range(1, 21)]
    assert_no_overlap(rows)


def test_one_resident_racing_past_the_limit_gets_exactly_the_limit(
    engine: Engine, session: Session
) -> None:
    w = f.world(session)
    hall = f.facility(session, w.prop, max_active_per_resident=2)
    [rita] = f.residents(session, w.prop, 1)
    results = race(
        engine,
        12,
        lambda s, i: book_as(rita.id or 0, hall, f.at(DAY, f"{8 + i:02d}:00"), 60)(s),
    )
    won, lost = split(results)
    assert len(won) == 2 and len(lost) == 10
    assert all(type(e) is ValidationError and "already have 2" in e.message for e in lost)
    assert len(active(engine, hall)) == 2


def test_expiring_holds_from_four_workers_at_once_expires_each_once_and_offers_once(
    engine: Engine, session: Session
) -> None:
    w = f.world(session)
    gym = f.facility(session, w.prop, name="Gym", fee=700, hold_minutes=30)
    people = f.residents(session, w.prop, 10)
    holders, waiters = people[:8], people[8:]
    holds = [
        f.booking(session, gym, u, f.at(DAY, f"{10 + i:02d}:00")) for i, u in enumerate(holders)
    ]
    first_in_line, second_in_line = (
        join_waitlist(session, u, gym.id or 0, f.at(DAY, "10:00"), f.at(DAY, "11:00"), now=NOW)
        for u in waiters
    )
    later = NOW + timedelta(minutes=31)

    results = race(engine, 4, lambda s, i: expire_holds(s, now=later))

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 8  # type: ignore[arg-type]
    with Session(engine) as s:
        assert [s.get(Booking, b.id).status for b in holds] == ["expired"] * 8
        expired_mails = s.exec(
            select(EmailMessage.to_email).where(EmailMessage.kind == "booking_expired")
        ).all()
        assert sorted(expired_mails) == sorted(u.email for u in holders)
        entries = [s.get(WaitlistEntry, e.id) for e in (first_in_line, second_in_line)]
        assert [e.status for e in entries] == ["offered", "waiting"]
        offers = s.exec(
            select(EmailMessage.to_email).where(EmailMessage.kind == "waitlist_offer")
        ).all()
        assert offers == [waiters[0].email]
