"""Leases, made through the service (and, when not given, the landlord, property and tenant)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.leases.models import Lease
from pms_app.properties.models import Property
from tests.factories.accounts import landlord
from tests.factories.clock import month_start
from tests.factories.properties import membership_of, property_, tenant


def lease(
    session: Session,
    prop: Property | None = None,
    tenant_user: User | None = None,
    rent: int = 10_000,
    deposit: int = 0,
    due_day: int = 5,
    start: str | date | None = None,
    today: str | date | None = None,
    **prop_rules: object,
):
    """An active lease (and, if not given, a landlord, property and approved tenant), created
    on `today` (default: its start, which defaults to the first of the clock's month)."""
    from pms_app.leases import service as leases

    start = start or month_start()
    as_of = today or start
    if prop is None:
        prop = property_(session, landlord(session), units=3)
    for key, value in prop_rules.items():  # late_fee_kind=…, late_fee_value=…, …
        setattr(prop, key, value)
    session.add(prop)
    session.commit()
    tenant_user = tenant_user or tenant(session, prop)
    unit_id = membership_of(session, tenant_user).unit_id
    owner = session.get(User, prop.owner_id)
    return leases.create_lease(
        session,
        owner,
        unit_id,
        tenant_user.id,
        rent,
        deposit,
        due_day,
        start,
        today=as_of if isinstance(as_of, date) else date.fromisoformat(as_of),
        back_bill=True,  # test data starts where the test says, however far back
    )


def owner_of(session: Session, lease_row: Lease) -> User:
    prop = session.get(Property, lease_row.property_id)
    return session.get(User, prop.owner_id)
