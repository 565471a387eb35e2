"""Demo data so a newcomer can click around at once (`python -m pms_app.cli demo`)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from pms_app.accounts import service as accounts
from pms_app.accounts.models import User
from pms_app.accounts.service import SignupForm
from pms_app.core.db import session_scope
from pms_app.leases import service as leases
from pms_app.payments import reviews
from pms_app.properties import joining, memberships
from pms_app.properties import service as properties
from pms_app.properties.models import Unit

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


def load_demo(session: Session | None = None) -> list[str]:
    """Create the demo accounts if missing; return the lines to print (credentials)."""
    if session is None:
        with session_scope() as s:
            return load_demo(s)
    landlord = session.exec(select(User).where(User.email == LANDLORD[1])).first()
    if landlord is None:
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
    lines = [
        "Demo data loaded. Log in at /login with:",
        f"  landlord  {LANDLORD[1]}  /  {LANDLORD[3]}",
    ]
    for name, email, *_rest, approved in TENANTS:
        state = "approved" if approved else "waiting for approval"
        lines.append(f"  tenant    {email}  /  {TENANT_PASSWORD}   ({name}, {state})")
    return lines
