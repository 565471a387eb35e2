"""The demo data (`python -m pms_app.cli demo`): every printed login works and does what the
README says it can, and loading it again adds nothing twice."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from pms_app import demo
from pms_app.accounts import service as accounts
from pms_app.accounts.models import User
from pms_app.bookings.models import Booking, BookingStatus, Facility, WaitlistEntry, WaitStatus
from pms_app.core.models import AuditEvent
from pms_app.properties import service as properties
from pms_app.properties.models import Invitation, Membership, Property

LOGIN = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+/\s+(\S+)")


def counts(session: Session) -> dict[str, int]:
    tables = (User, Property, Membership, Invitation, Facility, Booking, WaitlistEntry, AuditEvent)
    return {t.__name__: len(session.exec(select(t)).all()) for t in tables}


def test_the_demo_prints_every_login_and_each_one_works(session: Session) -> None:
    lines = demo.load_demo(session)
    logins = [m.groups() for m in map(LOGIN.match, lines) if m]
    assert [(kind, email) for kind, email, _ in logins] == [
        ("landlord", "landlord@demo.pms.test"),
        ("manager", "manager@demo.pms.test"),
        ("caretaker", "caretaker@demo.pms.test"),
        ("tenant", "brian@demo.pms.test"),
        ("tenant", "achieng@demo.pms.test"),
        ("tenant", "david@demo.pms.test"),
        ("tenant", "esther@demo.pms.test"),
    ]
    for _, email, password in logins:
        assert accounts.user_for_token(session, accounts.login(session, email, password)), email
    people = {u.email: u for u in session.exec(select(User))}
    sunrise = {"Sunrise Apartments"}
    manager, caretaker = people["manager@demo.pms.test"], people["caretaker@demo.pms.test"]
    assert (manager.role, caretaker.role) == ("manager", "staff")
    for member in (manager, caretaker):
        assert {p.name for p in properties.list_properties(session, member)} == sunrise
    assert {p.name for p in properties.list_properties(session, people[demo.LANDLORD[1]])} == {
        "Sunrise Apartments",
        "Kilimani Court",
    }


def test_the_demo_has_a_facility_with_a_booking_and_a_waiting_list(session: Session) -> None:
    demo.load_demo(session)
    [hall] = session.exec(select(Facility)).all()
    prop = session.get(Property, hall.property_id)
    assert (hall.name, prop.name if prop else "") == ("Rooftop Hall", "Sunrise Apartments")
    [booked] = session.exec(select(Booking)).all()
    [waiting] = session.exec(select(WaitlistEntry)).all()
    by = {u.id: u.email for u in session.exec(select(User))}
    assert (by[booked.user_id], booked.status) == ("brian@demo.pms.test", BookingStatus.CONFIRMED)
    assert (by[waiting.user_id], waiting.status) == ("achieng@demo.pms.test", WaitStatus.WAITING)
    assert (waiting.start_at, waiting.end_at) == (booked.start_at, booked.end_at)


def test_loading_the_demo_again_adds_nothing(session: Session) -> None:
    first = demo.load_demo(session)
    before = counts(session)
    assert demo.load_demo(session) == first
    assert counts(session) == before


def test_an_older_demo_database_gets_the_new_parts(session: Session) -> None:
    """A demo loaded before the team and the hall existed: loading again adds just those."""
    demo._landlord_and_tenants(session)
    assert session.exec(select(Facility)).all() == []
    demo.load_demo(session)
    emails = set(session.exec(select(User.email)).all())
    assert {"manager@demo.pms.test", "caretaker@demo.pms.test"} <= emails
    assert len(session.exec(select(Booking)).all()) == 1
