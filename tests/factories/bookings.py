"""Facilities and bookings, the bookings tests' fixed "now" (BOOK_NOW, at()), and BookWorld
(the World plus facilities, bookings and a waiting list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from pms_app.accounts.models import Role, User
from pms_app.bookings.facilities import FacilityForm
from pms_app.bookings.models import Booking, Facility, WaitlistEntry
from pms_app.properties.models import Membership, MembershipStatus, Property
from tests.factories.accounts import _email
from tests.factories.properties import World, world, world_from_ids
from tests.factories.snapshots import Rows, db_snapshot, restore

# The bookings tests' "now": Monday 2 March 2026, 09:00 in Nairobi (06:00 UTC). It is passed as
# now= to the booking services, which compare it with the dates the tests spell out, so their
# results don't depend on the app's clock (CI checks that with the clock a year ahead).
BOOK_NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
NAIROBI = ZoneInfo("Africa/Nairobi")


def at(day: str | date, hhmm: str, tz: ZoneInfo = NAIROBI) -> datetime:
    """Wall-clock `hhmm` on `day` ("2026-03-03") in `tz`, as an aware UTC datetime."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(d, time.fromisoformat(hhmm), tz).astimezone(UTC)


def facility_form(**changes: object) -> FacilityForm:
    """A valid form: "Community Hall", 10 guests, open 06:00-22:00 every day, 60-minute slots,
    1-3 hours, 30 days ahead, 2 active bookings per resident, free, instant; `changes` override."""
    values: dict[str, object] = {
        "name": "Community Hall",
        "description": "Ground floor, seats 10",
        "capacity": 10,
        "hours": {d: ("06:00", "22:00") for d in range(7)},
        "slot_minutes": 60,
        "min_minutes": 60,
        "max_minutes": 180,
        **changes,
    }
    return FacilityForm(**values)  # type: ignore[arg-type]


def facility(
    session: Session, prop: Property, actor: User | None = None, **changes: object
) -> Facility:
    """A facility of `prop` created through the service by `actor` (default: the owner)."""
    from pms_app.bookings.facilities import create_facility

    actor = actor or session.get(User, prop.owner_id)
    return create_facility(session, actor, prop.id or 0, facility_form(**changes))


def residents(session: Session, prop: Property, n: int, name: str = "Rita Resident") -> list[User]:
    """`n` approved tenants of `prop` (no unit), written directly: signups are throttled and
    each hashes a password. They cannot log in; services take them as actors."""
    users = [
        User(
            email=_email("resident"),
            full_name=f"{name} {i + 1}",
            role=Role.TENANT,
            password_hash="!",
        )
        for i in range(n)
    ]
    session.add_all(users)
    session.flush()
    session.add_all(
        Membership(
            user_id=u.id or 0,
            property_id=prop.id or 0,
            role=Role.TENANT,
            status=MembershipStatus.APPROVED,
        )
        for u in users
    )
    session.commit()
    return users


def booking(
    session: Session,
    fac: Facility,
    user: User,
    start: datetime,
    minutes: int = 60,
    guests: int = 1,
    now: datetime = BOOK_NOW,
) -> Booking:
    """`user` books `fac` for [start, start + minutes) through the service, at `now`."""
    from pms_app.bookings.lifecycle import book

    return book(
        session, user, fac.id or 0, start, start + timedelta(minutes=minutes), guests, now=now
    )


@dataclass
class BookWorld:
    """The World plus facilities and bookings, all made at BOOK_NOW.

    Sunrise has `hall` (free, instant), `pool` (KES 1,500 + 500 deposit, approval required) and
    `gym` (KES 700, instant). `booking`: tenant's confirmed hall booking Tue 3 March 10:00-11:00;
    `request`: tenant's pool request Tue 10:00-11:00; `held`: tenant's gym booking Tue 10:00-11:00,
    awaiting payment; `staff_booking`: staff's hall booking Tue 12:00-13:00, on whose waiting list
    the tenant stands (`waiting`). Zebra Towers has `zebra_hall`, with other_tenant's confirmed
    `other_booking` Tue 10:00-11:00."""

    w: World
    hall: Facility
    pool: Facility
    gym: Facility
    zebra_hall: Facility
    booking: Booking
    request: Booking
    held: Booking
    staff_booking: Booking
    waiting: WaitlistEntry
    other_booking: Booking

    DAY = "2026-03-03"


_BOOK_WORLDS: dict[str, tuple[Rows, dict[str, int]]] = {}
_BOOK_MODELS = {
    "hall": Facility,
    "pool": Facility,
    "gym": Facility,
    "zebra_hall": Facility,
    "booking": Booking,
    "request": Booking,
    "held": Booking,
    "staff_booking": Booking,
    "waiting": WaitlistEntry,
    "other_booking": Booking,
}


def book_world(session: Session) -> BookWorld:
    """Built through the services once per database kind, then copied row for row (see world)."""
    dialect = session.get_bind().dialect.name
    if dialect in _BOOK_WORLDS:
        rows, ids = _BOOK_WORLDS[dialect]
        restore(session, rows)
        w = world_from_ids(session, ids)
        return BookWorld(w, **{k: session.get(m, ids[k]) for k, m in _BOOK_MODELS.items()})  # type: ignore[arg-type]
    from pms_app.bookings.waitlist import join_waitlist

    w = world(session)
    day = BookWorld.DAY
    hall = facility(session, w.prop)
    pool = facility(session, w.prop, name="Pool", fee=1_500, deposit=500, requires_approval=True)
    gym = facility(session, w.prop, name="Gym", fee=700)
    zebra_hall = facility(session, w.other_prop, name="Zebra Hall")
    bw = BookWorld(
        w,
        hall,
        pool,
        gym,
        zebra_hall,
        booking=booking(session, hall, w.tenant, at(day, "10:00")),
        request=booking(session, pool, w.tenant, at(day, "10:00")),
        held=booking(session, gym, w.tenant, at(day, "10:00")),
        staff_booking=booking(session, hall, w.staff, at(day, "12:00")),
        waiting=None,  # type: ignore[arg-type]
        other_booking=booking(session, zebra_hall, w.other_tenant, at(day, "10:00")),
    )
    bw.waiting = join_waitlist(
        session, w.tenant, hall.id or 0, at(day, "12:00"), at(day, "13:00"), now=BOOK_NOW
    )
    ids = {name: getattr(w, name).id for name in World.__dataclass_fields__}
    ids |= {k: getattr(bw, k).id for k in _BOOK_MODELS}
    _BOOK_WORLDS[dialect] = (db_snapshot(session), ids)
    return bw
