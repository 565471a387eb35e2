"""Demo data so a newcomer can click around at once (`python -m pms_app.cli demo`).

Each part is made only if it is missing (the landlord with his properties and tenants, each of
the manager and the caretaker, the facility with its booking and waiting-list entry), so running
it again adds nothing twice, and an older demo database gets the newer parts."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from pms_app.accounts import service as accounts
from pms_app.accounts.models import Role, User
from pms_app.accounts.service import SignupForm
from pms_app.bookings import lifecycle, waitlist
from pms_app.bookings.facilities import FacilityForm, create_facility
from pms_app.bookings.models import Facility
from pms_app.bookings.times import facility_tz
from pms_app.core.db import session_scope
from pms_app.emails.models import EmailMessage
from pms_app.leases import service as leases
from pms_app.payments import reviews
from pms_app.properties import invitations, joining, memberships
from pms_app.properties import service as properties
from pms_app.properties.models import Property, Unit

LANDLORD = (
    "Grace Wanjiku",
    "landlord@demo.pms.test",
    "0712000001",
    "demo-landlord-pass",
)
TENANTS = [
    # name, email, phone, property index, unit label, approved?
    ("Brian Otieno", "brian@demo.pms.test", "0712000011", 0, "A1", True),
    ("Achieng Auma", "achieng@demo.pms.test", "0712000012", 0, "A2", True),
    ("David Kamau", "david@demo.pms.test", "0712000013", 1, "B1", True),
    ("Esther Njeri", "esther@demo.pms.test", "0712000014", 0, "A3", False),
]
TENANT_PASSWORD = "demo-tenant-pass"
# name, email, phone, role, password: they join Sunrise Apartments by invitation.
TEAM = [
    ("Peter Mwangi", "manager@demo.pms.test", "0712000002", Role.MANAGER, "demo-manager-pass"),
    ("Joseph Kiprop", "caretaker@demo.pms.test", "0712000003", Role.STAFF, "demo-staff-pass"),
]
FACILITY = "Rooftop Hall"


def _demo_lease(session: Session, landlord: User, tenant: User, unit: Unit, prop: object) -> None:
    """A lease that started three months ago, with its rent charged and one cash payment."""
    today = leases.today_local()
    start = (today.replace(day=1) - timedelta(days=80)).replace(day=1)
    rent = unit.rent or getattr(prop, "default_rent", None) or 20000
    lease = leases.create_lease(
        session,
        landlord,
        unit.id or 0,
        tenant.id or 0,
        rent,
        rent,
        5,
        start,
        today=today,
        back_bill=True,
    )
    reviews.record_manual_payment(
        session, landlord, lease.id or 0, rent * 2, "cash", start + timedelta(days=3), "DEMO-1"
    )


def _join_team(session: Session, landlord: User, prop: Property) -> None:
    """The manager and the caretaker, each accepted through a real invitation."""
    for name, email, phone, role, password in TEAM:
        if session.exec(select(User.id).where(User.email == email)).first() is not None:
            continue
        invitations.invite(session, landlord, prop.id or 0, email, role.value)
        mail = session.exec(
            select(EmailMessage)
            .where(EmailMessage.to_email == email, EmailMessage.kind == "invitation")
            .order_by(col(EmailMessage.id).desc())
        ).first()
        match = re.search(r"token=([A-Za-z0-9_\-]+)", mail.body if mail else "")
        assert match, "the invitation email has its link"
        invitations.accept_with_new_account(session, match.group(1), name, phone, password)


def _facility(session: Session, landlord: User, prop: Property) -> None:
    """A hall booked tomorrow 10:00-12:00 by Brian, with Achieng waiting for the same time."""
    exists = session.exec(
        select(Facility.id).where(Facility.property_id == prop.id, Facility.name == FACILITY)
    ).first()
    if exists is not None:
        return
    hall = create_facility(
        session,
        landlord,
        prop.id or 0,
        FacilityForm(
            name=FACILITY,
            description="Parties, meetings and the residents' committee. Leave it tidy.",
            capacity=40,
            hours={d: ("08:00", "22:00") for d in range(7)},
        ),
    )
    tz = facility_tz(session, hall)
    tomorrow = leases.today_local() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(10), tz)
    end = start + timedelta(hours=2)
    brian, achieng = (
        session.exec(select(User).where(User.email == TENANTS[i][1])).one() for i in (0, 1)
    )
    lifecycle.book(session, brian, hall.id or 0, start, end, 12, note="Birthday party")
    waitlist.join_waitlist(session, achieng, hall.id or 0, start, end, 5)


def load_demo(session: Session | None = None) -> list[str]:
    """Create the demo data that is missing; return the lines to print (credentials)."""
    if session is None:
        with session_scope() as s:
            return load_demo(s)
    landlord = session.exec(select(User).where(User.email == LANDLORD[1])).first()
    if landlord is None:
        landlord = _landlord_and_tenants(session)
    sunrise = session.exec(
        select(Property).where(
            Property.owner_id == landlord.id, Property.name == "Sunrise Apartments"
        )
    ).one()
    _join_team(session, landlord, sunrise)
    _facility(session, landlord, sunrise)
    lines = [
        "Demo data loaded. Log in at /login with:",
        f"  landlord  {LANDLORD[1]}  /  {LANDLORD[3]}   ({LANDLORD[0]})",
    ]
    for name, email, _phone, role, password in TEAM:
        what = "manager" if role == Role.MANAGER else "caretaker"
        lines.append(f"  {what:<9} {email}  /  {password}   ({name}, Sunrise Apartments)")
    for name, email, *_rest, approved in TENANTS:
        state = "approved" if approved else "waiting for approval"
        lines.append(f"  tenant    {email}  /  {TENANT_PASSWORD}   ({name}, {state})")
    return lines


def _landlord_and_tenants(session: Session) -> User:
    landlord, _ = accounts.signup_landlord(session, SignupForm(*LANDLORD))
    props = [
        properties.create_property(
            session,
            landlord,
            "Sunrise Apartments",
            "Ngong Road, Nairobi",
            8,
            25000,
            "A",
        ),
        properties.create_property(
            session,
            landlord,
            "Kilimani Court",
            "Argwings Kodhek Rd, Nairobi",
            4,
            40000,
            "B",
        ),
    ]
    for name, email, phone, prop_i, label, approved in TENANTS:
        unit = session.exec(
            select(Unit).where(Unit.property_id == props[prop_i].id, Unit.label == label)
        ).one()
        tenant, _ = joining.signup_tenant(
            session,
            SignupForm(name, email, phone, TENANT_PASSWORD),
            props[prop_i].account_prefix,
            unit.id,
        )
        if approved:
            pending = memberships.pending_approvals(session, landlord)
            m = next(p for p in pending if p.email == email)
            memberships.approve_tenant(session, landlord, m.membership_id, unit.id)
            _demo_lease(session, landlord, tenant, unit, props[prop_i])
    return landlord
