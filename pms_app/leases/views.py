"""Reads for the leases pages: what a new lease of a property can be made of."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.properties import service as properties
from pms_app.properties.access import get_managed_property
from pms_app.properties.models import Membership, MembershipStatus, Unit


@dataclass(frozen=True)
class FreeUnit:
    id: int
    label: str
    effective_rent: int | None


@dataclass(frozen=True)
class FreeTenant:
    id: int
    name: str
    unit_label: str  # the unit he signed up for ("" if none)


@dataclass(frozen=True)
class LeaseChoices:
    property_id: int
    property_name: str
    units: list[FreeUnit]  # units without an active lease
    tenants: list[FreeTenant]  # approved tenants without an active lease, by name


def lease_choices(session: Session, actor: User | None, property_id: int) -> LeaseChoices:
    """For the property's managers (NotFound for anyone else)."""
    prop = get_managed_property(session, actor, property_id)
    pid = prop.id or 0
    active = session.exec(
        select(Lease.unit_id, Lease.tenant_id).where(
            Lease.property_id == pid, Lease.status == LeaseStatus.ACTIVE
        )
    ).all()
    busy_units = {u for u, _ in active}
    busy_tenants = {t for _, t in active}
    units = [
        FreeUnit(u.id, u.label, u.effective_rent)
        for u in properties.list_units(session, actor, pid)
        if u.id not in busy_units
    ]
    tenants = session.exec(
        select(User.id, User.full_name, Membership.unit_id)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(
            Membership.property_id == pid,
            Membership.role == Role.TENANT,
            Membership.status == MembershipStatus.APPROVED,
        )
        .order_by(User.full_name)
    ).all()
    labels = dict(session.exec(select(Unit.id, Unit.label).where(Unit.property_id == pid)).all())
    return LeaseChoices(
        pid,
        prop.name,
        units,
        [
            FreeTenant(uid or 0, name, labels.get(unit_id, "") if unit_id else "")
            for uid, name, unit_id in tenants
            if uid not in busy_tenants
        ],
    )
