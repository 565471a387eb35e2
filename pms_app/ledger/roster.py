"""The Tenants and Units lists. Tenants: every lease across the properties the user manages, with its balance and
arrears, searched by name, phone (any Kenyan format) or unit. Three queries however many rows:
the managed ids (remembered per transaction), the leases with their people and places, and one
aggregate of the ledger per lease."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core.errors import NotFound
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger.models import LedgerEntry
from pms_app.ledger.sums import arrears_sum
from pms_app.properties.access import MANAGING_ROLES, managed_property_ids, require_approved
from pms_app.properties.models import Property, Unit

PAGE_SIZE = 25
T = TypeVar("T")


@dataclass(frozen=True)
class TenantRow:
    lease_id: int
    tenant_id: int
    tenant: str
    phone: str
    property_id: int
    property: str
    unit: str
    status: str
    balance: int  # > 0 owed, < 0 credit
    arrears: int  # charges already due and unpaid (oldest settled first, as the statement)


@dataclass(frozen=True)
class TenantPage:
    rows: list[TenantRow]
    total: int  # rows matching the search, all pages
    page: int  # 1-based, clamped to the pages there are
    pages: int
    any_tenants: bool  # the user has tenants at all: "no match" vs "no tenants yet"


def _page_of(rows: list[T], page: int) -> tuple[list[T], int, int]:
    """One page of `rows`, the page number clamped to the pages there are, and how many."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(1, page if isinstance(page, int) else 1), pages)
    start = (page - 1) * PAGE_SIZE
    return rows[start : start + PAGE_SIZE], page, pages


def phone_key(value: str) -> str:
    """The subscriber digits of a Kenyan number: 0712…, +254712…, 254712… and 712… agree."""
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("254"):
        digits = digits[3:]
    return digits.lstrip("0")


def _matches(row: TenantRow, query: str) -> bool:
    q = query.strip().casefold()
    if not q:
        return True
    if q in row.tenant.casefold() or q in row.unit.casefold():
        return True
    key = phone_key(q)
    # A phone search needs a few digits and nothing but phone characters.
    return (
        len(key) >= 3
        and re.fullmatch(r"[\d\s+()-]+", q) is not None
        and (key in phone_key(row.phone))
    )


def _rows(session: Session, ids: list[int], today: date) -> list[TenantRow]:
    if not ids:
        return []
    sums = (
        select(
            LedgerEntry.lease_id,
            func.coalesce(func.sum(LedgerEntry.amount), 0).label("balance"),
            arrears_sum(today).label("arrears"),
        )
        .group_by(col(LedgerEntry.lease_id))
        .subquery()
    )
    result = session.exec(
        select(Lease, Unit.label, User.full_name, User.phone, Property.name, sums)
        .join(Unit, col(Unit.id) == Lease.unit_id)
        .join(User, col(User.id) == Lease.tenant_id)
        .join(Property, col(Property.id) == Lease.property_id)
        .outerjoin(sums, sums.c.lease_id == Lease.id)
        .where(col(Lease.property_id).in_(ids))
        .order_by(col(Lease.status), col(Property.name), col(Unit.label), col(Lease.id).desc())
    ).all()
    out = []
    for lease, unit, name, phone, prop, _lid, bal, arrears in result:
        out.append(
            TenantRow(
                lease.id or 0,
                lease.tenant_id,
                name,
                phone,
                lease.property_id,
                prop,
                unit,
                lease.status,
                int(bal or 0),
                max(0, int(arrears or 0)),
            )
        )
    return out


def tenant_list(
    session: Session,
    actor: User | None,
    today: date,
    query: str = "",
    property_id: int | None = None,
    in_arrears: bool = False,
    page: int = 1,
    active_only: bool = False,
) -> TenantPage:
    """A page of the tenants the actor manages; a property filter must be one of his."""
    user = require_approved(session, actor)
    if user.role not in MANAGING_ROLES:
        raise NotFound("page")  # tenants and staff have no tenants list
    ids = managed_property_ids(session, user)
    if property_id is not None:
        if property_id not in ids:
            raise NotFound("property")
        ids = [property_id]
    everyone = _rows(session, ids, today)
    rows = [
        r
        for r in everyone
        if _matches(r, query or "")
        and (not in_arrears or r.arrears > 0)
        and (not active_only or r.status == LeaseStatus.ACTIVE)
    ]
    shown, page, pages = _page_of(rows, page)
    return TenantPage(shown, len(rows), page, pages, bool(everyone))


@dataclass(frozen=True)
class UnitRow:
    unit_id: int
    label: str
    property_id: int
    property: str
    rent: int  # the active lease's, else the unit's asking rent
    lease_id: int  # 0: vacant
    tenant: str


@dataclass(frozen=True)
class UnitPage:
    rows: list[UnitRow]
    total: int
    page: int
    pages: int
    any_units: bool


def unit_list(
    session: Session,
    actor: User | None,
    query: str = "",
    vacant_only: bool = False,
    page: int = 1,
) -> UnitPage:
    """Every unit the actor manages with its occupant (an active lease), in two queries."""
    user = require_approved(session, actor)
    if user.role not in MANAGING_ROLES:
        raise NotFound("page")
    ids = managed_property_ids(session, user)
    everyone: list[UnitRow] = []
    if ids:
        result = session.exec(
            select(Unit, Property.name, Property.default_rent, Lease, User.full_name)
            .join(Property, col(Property.id) == Unit.property_id)
            .outerjoin(
                Lease,
                (col(Lease.unit_id) == Unit.id) & (col(Lease.status) == LeaseStatus.ACTIVE),
            )
            .outerjoin(User, col(User.id) == Lease.tenant_id)
            .where(col(Unit.property_id).in_(ids))
            .order_by(col(Property.name), col(Unit.label))
        ).all()
        everyone = [
            UnitRow(
                unit.id or 0,
                unit.label,
                unit.property_id,
                prop,
                lease.rent if lease else (unit.rent or default or 0),
                (lease.id or 0) if lease else 0,
                name or "",
            )
            for unit, prop, default, lease, name in result
        ]
    q = (query or "").strip().casefold()
    rows = [
        r
        for r in everyone
        if (not q or q in r.label.casefold() or q in r.tenant.casefold())
        and (not vacant_only or r.lease_id == 0)
    ]
    shown, page, pages = _page_of(rows, page)
    return UnitPage(shown, len(rows), page, pages, bool(everyone))
