"""Properties and units: create, edit, list with occupancy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pms_app.accounts.admin import require_admin
from pms_app.accounts.models import Role, User
from pms_app.core.errors import NotFound, ValidationError
from pms_app.core.validation import clean_amount, clean_int, clean_text, clean_unit_label
from pms_app.properties.access import (
    can_own,
    get_managed_property,
    get_visible_property,
    require_approved,
    visible_property_ids,
)
from pms_app.properties.account_numbers import free_prefix
from pms_app.properties.models import Membership, MembershipStatus, Property, Unit

MAX_UNITS = 500


@dataclass(frozen=True)
class PropertySummary:
    id: int
    name: str
    address: str
    units: int
    occupied: int

    @property
    def vacant(self) -> int:
        return self.units - self.occupied


@dataclass(frozen=True)
class UnitRow:
    id: int
    label: str
    rent: int | None
    effective_rent: int | None
    tenant_names: list[str]


def _label_prefix(value: str) -> str:
    prefix = (value or "").strip().upper()
    # Labels made from it must pass clean_unit_label (first character a letter or digit).
    if len(prefix) > 10 or not re.fullmatch(r"([A-Z0-9][A-Z0-9\-]*)?", prefix):
        raise ValidationError("Use up to 10 letters or digits for the label prefix.", "prefix")
    return prefix


def create_property(
    session: Session,
    actor: User | None,
    name: str,
    address: str,
    unit_count: str | int,
    default_rent: str | int | None = None,
    label_prefix: str = "A",
) -> Property:
    user = require_approved(session, actor)
    if user.role not in (Role.LANDLORD, Role.ADMIN):
        raise NotFound("page")
    fields = {
        "owner_id": user.id,
        "name": clean_text(name, "name", "the property's name", 120),
        "address": clean_text(address, "address", "the address", 300),
        "default_rent": clean_amount(default_rent, "default_rent", "the default rent"),
    }
    count = clean_int(unit_count, "unit_count", "the number of units", 1, MAX_UNITS)
    prefix = _label_prefix(label_prefix)
    lost: set[str] = set()
    for _attempt in range(5):
        account_prefix = free_prefix(session, fields["name"], skip=lost)
        prop = Property(**fields, account_prefix=account_prefix)
        session.add(prop)
        try:
            session.flush()
            for i in range(1, count + 1):
                session.add(Unit(property_id=prop.id, label=f"{prefix}{i}"))
            session.commit()
        except IntegrityError:  # another property took the same account prefix meanwhile
            session.rollback()
            lost.add(account_prefix)
            continue
        return prop
    raise ValidationError("Could not create the property just now; please try again.", "name")


def update_property(
    session: Session,
    actor: User | None,
    property_id: int,
    name: str,
    address: str,
    default_rent: str | int | None,
) -> Property:
    prop = get_managed_property(session, actor, property_id)
    # Check every field before touching the row: a refused edit leaves nothing half-changed.
    clean_name = clean_text(name, "name", "the property's name", 120)
    clean_address = clean_text(address, "address", "the address", 300)
    rent = clean_amount(default_rent, "default_rent", "the default rent")
    prop.name, prop.address, prop.default_rent = clean_name, clean_address, rent
    session.add(prop)
    session.commit()
    return prop


@cache
def _summaries_stmt() -> Any:
    """Properties with their unit and occupied-unit counts, in one statement built once."""
    units = (
        select(func.count(col(Unit.id)))
        .where(Unit.property_id == Property.id)
        .correlate(Property)
        .scalar_subquery()
    )
    occupied = (
        select(func.count(func.distinct(Membership.unit_id)))
        .where(
            Membership.property_id == Property.id,
            Membership.role == Role.TENANT,
            Membership.status == MembershipStatus.APPROVED,
            col(Membership.unit_id).is_not(None),
        )
        .correlate(Property)
        .scalar_subquery()
    )
    return (
        select(Property.id, Property.name, Property.address, units, occupied)
        .where(col(Property.id).in_(bindparam("ids", expanding=True)))
        .order_by(Property.name, Property.id)
    )


def list_properties(session: Session, actor: User | None) -> list[PropertySummary]:
    user = require_approved(session, actor)
    ids = visible_property_ids(session, user)
    if not ids:
        return []
    return [
        PropertySummary(id=pid, name=name, address=address, units=units, occupied=occupied)
        for pid, name, address, units, occupied in session.exec(
            _summaries_stmt(), params={"ids": ids}
        )
    ]


def list_units(session: Session, actor: User | None, property_id: int) -> list[UnitRow]:
    """Units with their tenants' names (managers and staff only)."""
    user = require_approved(session, actor)
    prop = get_visible_property(session, user, property_id)
    if user.role == Role.TENANT:
        raise NotFound("property")
    units = session.exec(select(Unit).where(Unit.property_id == prop.id).order_by(Unit.id)).all()
    tenants: dict[int, list[str]] = {}
    for unit_id, name in session.exec(
        select(Membership.unit_id, User.full_name)
        .join(User, col(User.id) == Membership.user_id)
        .where(
            Membership.property_id == prop.id,
            Membership.role == Role.TENANT,
            Membership.status == MembershipStatus.APPROVED,
        )
    ).all():
        if unit_id is not None:
            tenants.setdefault(unit_id, []).append(name)
    return [
        UnitRow(
            id=u.id or 0,
            label=u.label,
            rent=u.rent,
            effective_rent=u.rent if u.rent is not None else prop.default_rent,
            tenant_names=tenants.get(u.id or 0, []),
        )
        for u in units
    ]


def _managed_unit(session: Session, actor: User | None, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None:
        raise NotFound("unit")
    try:
        get_managed_property(session, actor, unit.property_id)
    except NotFound:
        raise NotFound("unit") from None
    return unit


def _check_label_free(session: Session, property_id: int, label: str, unit_id: int | None) -> None:
    clash = session.exec(
        select(Unit.id).where(Unit.property_id == property_id, Unit.label == label)
    ).first()
    if clash is not None and clash != unit_id:
        raise ValidationError("This property already has a unit {label}.", "label", label=label)


def update_unit(
    session: Session,
    actor: User | None,
    unit_id: int,
    label: str,
    rent: str | int | None,
) -> Unit:
    unit = _managed_unit(session, actor, unit_id)
    new_label = clean_unit_label(label)
    _check_label_free(session, unit.property_id, new_label, unit.id)
    new_rent = clean_amount(rent, "rent", "the rent")
    unit.label, unit.rent = new_label, new_rent
    session.add(unit)
    session.commit()
    return unit


def add_unit(
    session: Session,
    actor: User | None,
    property_id: int,
    label: str,
    rent: str | int | None,
) -> Unit:
    prop = get_managed_property(session, actor, property_id)
    new_label = clean_unit_label(label)
    _check_label_free(session, prop.id or 0, new_label, None)
    count = session.exec(select(func.count(Unit.id)).where(Unit.property_id == prop.id)).one()
    if count >= MAX_UNITS:
        raise ValidationError("A property can have at most {most} units.", "label", most=MAX_UNITS)
    unit = Unit(
        property_id=prop.id,
        label=new_label,
        rent=clean_amount(rent, "rent", "the rent"),
    )
    session.add(unit)
    session.commit()
    return unit


def delete_unit(session: Session, actor: User | None, unit_id: int) -> None:
    unit = _managed_unit(session, actor, unit_id)
    occupied = session.exec(
        select(Membership.id).where(
            Membership.unit_id == unit.id,
            Membership.status == MembershipStatus.APPROVED,
        )
    ).first()
    if occupied is not None:
        raise ValidationError("This unit has a tenant. Move the tenant out first.", "unit")
    session.delete(unit)
    session.commit()


def delete_property(session: Session, actor: User | None, property_id: int) -> None:
    prop = get_managed_property(session, actor, property_id)
    if not can_own(require_approved(session, actor), prop):
        raise NotFound("property")
    session.delete(prop)
    session.commit()


def update_rules(
    session: Session,
    actor: User | None,
    property_id: int,
    late_fee_kind: str,
    late_fee_value: str | int,
    grace_days: str | int,
    remind_before: str | int,
    remind_after: str | int,
) -> Property:
    """Late-fee rule and automatic reminder days of a property."""
    prop = get_managed_property(session, actor, property_id)
    if late_fee_kind not in ("none", "fixed", "percent"):
        raise ValidationError(
            "Choose no late fee, a fixed amount or a percentage.", "late_fee_kind"
        )
    # Validate everything before touching the row: a refused edit leaves nothing half-applied.
    value = clean_int(late_fee_value or 0, "late_fee_value", "the late fee", 0, 1_000_000)
    if late_fee_kind == "percent" and value > 100:
        raise ValidationError("A percentage late fee can be at most 100.", "late_fee_value")
    grace = clean_int(grace_days or 0, "grace_days", "the grace days", 0, 60)
    before = clean_int(remind_before or 0, "remind_before", "the days before", 0, 27)
    after = clean_int(remind_after or 0, "remind_after", "the days after", 0, 27)
    prop.late_fee_kind, prop.late_fee_value, prop.late_fee_grace_days = late_fee_kind, value, grace
    prop.remind_days_before, prop.remind_days_after = before, after
    session.add(prop)
    session.commit()
    return prop


@dataclass(frozen=True)
class PropertyRow:
    id: int
    name: str
    address: str
    owner_name: str


def list_all_properties(session: Session, actor: User | None) -> list[PropertyRow]:
    require_admin(actor)
    rows = session.exec(
        select(Property, User).join(User, col(User.id) == Property.owner_id).order_by(Property.name)
    ).all()
    return [PropertyRow(p.id or 0, p.name, p.address, u.full_name) for p, u in rows]
