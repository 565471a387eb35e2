"""Leases: create (one active per unit), end, read."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.core import clock
from pms_app.core.errors import NotFound, ValidationError
from pms_app.core.i18n import Term
from pms_app.core.validation import check_date_range, clean_amount, clean_int
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.properties.access import get_managed_property, require_approved
from pms_app.properties.account_numbers import compact_ref, lease_ref, normalise_ref
from pms_app.properties.models import Membership, MembershipStatus, Property, Unit

# Higher domains act on a new lease inside its transaction (the ledger charges the deposit and
# the rent due so far): leases know nothing of them, they register here.
LeaseHook = Callable[[Session, Lease, date], None]
LEASE_STARTED: list[LeaseHook] = []


def on_lease_started(hook: LeaseHook) -> LeaseHook:
    if hook not in LEASE_STARTED:
        LEASE_STARTED.append(hook)
    return hook


def parse_date(
    value: str | date | None, field: str, what: str, required: bool = True
) -> date | None:
    if isinstance(value, date):
        return value
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise ValidationError("Enter {what}.", field, what=Term(what))
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            "Enter {what} as a date (YYYY-MM-DD).", field, what=Term(what)
        ) from None
    return check_date_range(day, field, what)


def today_local() -> date:
    """Today in the install's timezone (due days are local dates), from pms_app.core.clock."""
    return clock.today_local()


def _account_ref(session: Session, prop: Property, unit: Unit) -> str:
    """Short, readable, unique among active leases: e.g. SUN-A1 (≤ 12 characters)."""
    taken = set(
        session.exec(select(Lease.account_ref).where(Lease.status == LeaseStatus.ACTIVE)).all()
    )
    return lease_ref(prop.account_prefix, unit.label, unit.id, taken)


def active_lease_for_ref(session: Session, typed: str) -> Lease | None:
    """The active lease whose account number this is, as a payer typed it: exactly first (the
    index; `SUN A1` also as `SUN-A1`), else on letters and digits only, case-insensitively
    (`suna1` → `SUN-A1`). Two leases reading alike that way (SUN-A1, SUNA-1) match neither: a
    manager places the money."""
    spelled = [normalise_ref(typed)]
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", typed or "") if p]
    if len(parts) >= 2:  # the separator says where the prefix ends
        spelled.append(f"{parts[0]}-{''.join(parts[1:])}".upper())
    for ref in spelled:
        exact = session.exec(
            select(Lease).where(Lease.account_ref == ref, Lease.status == LeaseStatus.ACTIVE)
        ).first()
        if exact is not None:
            return exact
    compact = compact_ref(typed)
    if not compact:
        return None
    alike = session.exec(
        select(Lease)
        .where(
            func.replace(Lease.account_ref, "-", "") == compact,
            Lease.status == LeaseStatus.ACTIVE,
        )
        .limit(2)
    ).all()
    return alike[0] if len(alike) == 1 else None


def create_lease(
    session: Session,
    actor: User | None,
    unit_id: int,
    tenant_id: int,
    rent: str | int,
    deposit: str | int | None,
    due_day: str | int,
    start: str | date,
    end: str | date | None = None,
    today: date | None = None,
    back_bill: bool = False,
) -> Lease:
    """`back_bill`: the manager confirmed a start long past, and the months of rent it bills."""
    user = require_approved(session, actor)
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None:
        raise NotFound("unit")
    try:
        prop = get_managed_property(session, user, unit.property_id)
    except NotFound:
        raise NotFound("unit") from None
    tenant = session.get(User, tenant_id) if isinstance(tenant_id, int) else None
    approved = (
        session.exec(
            select(Membership.id).where(
                Membership.user_id == (tenant.id if tenant else -1),
                Membership.property_id == prop.id,
                Membership.role == Role.TENANT,
                Membership.status == MembershipStatus.APPROVED,
            )
        ).first()
        if tenant
        else None
    )
    if tenant is None or approved is None:
        raise ValidationError("Choose an approved tenant of this property.", "tenant")
    rent_value = clean_amount(rent, "rent", "the monthly rent", required=True) or 0
    if rent_value < 1:
        raise ValidationError("The rent must be at least 1 shilling.", "rent")
    deposit_value = clean_amount(deposit, "deposit", "the deposit") or 0
    day = clean_int(due_day, "due_day", "the due day", 1, 28)
    start_date = parse_date(start, "start_date", "the start date")
    end_date = parse_date(end, "end_date", "the end date", required=False)
    assert start_date is not None
    if end_date is not None and end_date <= start_date:
        raise ValidationError("The end date must be after the start date.", "end_date")
    _check_start(start_date, today or today_local(), back_bill is True)
    if session.exec(
        select(Lease.id).where(Lease.unit_id == unit.id, Lease.status == LeaseStatus.ACTIVE)
    ).first():
        raise ValidationError(
            "Unit {unit} already has an active lease. End it first.", "unit", unit=unit.label
        )
    lease = Lease(
        property_id=prop.id or 0,
        unit_id=unit.id or 0,
        tenant_id=tenant.id or 0,
        rent=rent_value,
        deposit=deposit_value,
        due_day=day,
        start_date=start_date,
        end_date=end_date,
        account_ref=_account_ref(session, prop, unit),
        created_by_id=user.id or 0,
    )
    session.add(lease)
    try:
        session.flush()
    except IntegrityError:  # a concurrent lease for the same unit won the race
        session.rollback()
        raise ValidationError(
            "Unit {unit} already has an active lease.", "unit", unit=unit.label
        ) from None
    # The tenant lives in this unit from now on.
    m = session.exec(
        select(Membership).where(Membership.user_id == tenant.id, Membership.property_id == prop.id)
    ).one()
    m.unit_id = unit.id
    session.add(m)
    if not LEASE_STARTED:  # never a lease without its deposit and rent charges
        raise RuntimeError("no lease-start hook registered: import pms_app.worker")
    for hook in LEASE_STARTED:
        hook(session, lease, today or today_local())
    session.commit()
    return lease


# A start further back than this bills many months at once: the manager must say he means it.
BACK_BILL_CONFIRM_DAYS = 62
MAX_START_AHEAD_DAYS = 366


def months_billed(start: date, today: date) -> int:
    """Rent months a lease starting on `start` is charged for by `today` (the first included)."""
    return max(0, (today.year - start.year) * 12 + today.month - start.month + 1)


def _check_start(start: date, today: date, confirmed: bool) -> None:
    if (start - today).days > MAX_START_AHEAD_DAYS:
        raise ValidationError("Enter a start date within a year from today.", "start_date")
    if (today - start).days > BACK_BILL_CONFIRM_DAYS and not confirmed:
        months = months_billed(start, today)
        raise ValidationError(
            "This lease started {months} months ago: creating it charges {months} months of "
            "rent at once. Check the date, or tick “Charge every month since the start”.",
            "start_date",
            months=months,
        )


def end_lease(session: Session, actor: User | None, lease_id: int, move_out: str | date) -> Lease:
    lease = get_managed_lease(session, actor, lease_id)
    if lease.status != LeaseStatus.ACTIVE:
        raise ValidationError("This lease has already ended.", "lease")
    day = parse_date(move_out, "move_out", "the move-out date")
    assert day is not None
    if day < lease.start_date:
        raise ValidationError("The move-out date can't be before the lease started.", "move_out")
    if day > today_local():  # ending now a lease that still bills until then
        raise ValidationError(
            "The move-out date is in the future: end the lease on or after the day the tenant "
            "leaves.",
            "move_out",
        )
    lease.status, lease.ended_on = LeaseStatus.ENDED, day
    session.add(lease)
    session.commit()
    return lease


def get_managed_lease(session: Session, actor: User | None, lease_id: int) -> Lease:
    lease = session.get(Lease, lease_id) if isinstance(lease_id, int) else None
    if lease is None:
        raise NotFound("lease")
    try:
        get_managed_property(session, actor, lease.property_id)
    except NotFound:
        raise NotFound("lease") from None
    return lease


def get_readable_lease(session: Session, actor: User | None, lease_id: int) -> Lease:
    """Managers of the property, or the lease's own tenant."""
    user = require_approved(session, actor)
    lease = session.get(Lease, lease_id) if isinstance(lease_id, int) else None
    if lease is not None and lease.tenant_id == user.id:
        return lease
    return get_managed_lease(session, user, lease_id)


def tenant_lease(session: Session, actor: User | None) -> Lease | None:
    """The tenant's current lease (the newest active one)."""
    user = require_approved(session, actor)
    return session.exec(
        select(Lease)
        .where(Lease.tenant_id == user.id, Lease.status == LeaseStatus.ACTIVE)
        .order_by(col(Lease.id).desc())
    ).first()
