"""Leases: create (one active per unit), end, read; adjustments and cash/bank payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.core import clock
from pms_app.core.errors import NotFound, ValidationError
from pms_app.core.validation import check_date_range, clean_amount, clean_int, clean_text
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger import service as ledger
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.properties.access import get_managed_property, require_approved
from pms_app.properties.account_numbers import lease_ref
from pms_app.properties.models import Membership, MembershipStatus, Property, Unit


def parse_date(
    value: str | date | None, field: str, what: str, required: bool = True
) -> date | None:
    if isinstance(value, date):
        return value
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise ValidationError(f"Enter {what}.", field)
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"Enter {what} as a date (YYYY-MM-DD).", field) from None
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
) -> Lease:
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
    if session.exec(
        select(Lease.id).where(Lease.unit_id == unit.id, Lease.status == LeaseStatus.ACTIVE)
    ).first():
        raise ValidationError(
            f"Unit {unit.label} already has an active lease. End it first.", "unit"
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
        raise ValidationError(f"Unit {unit.label} already has an active lease.", "unit") from None
    # The tenant lives in this unit from now on.
    m = session.exec(
        select(Membership).where(Membership.user_id == tenant.id, Membership.property_id == prop.id)
    ).one()
    m.unit_id = unit.id
    session.add(m)
    ledger.charge_deposit(session, lease)
    ledger.raise_rent_charges(session, lease, today or today_local())
    session.commit()
    return lease


def end_lease(session: Session, actor: User | None, lease_id: int, move_out: str | date) -> Lease:
    lease = get_managed_lease(session, actor, lease_id)
    if lease.status != LeaseStatus.ACTIVE:
        raise ValidationError("This lease has already ended.", "lease")
    day = parse_date(move_out, "move_out", "the move-out date")
    assert day is not None
    if day < lease.start_date:
        raise ValidationError("The move-out date can't be before the lease started.", "move_out")
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


@dataclass(frozen=True)
class LeaseRow:
    id: int
    unit_label: str
    tenant_name: str
    rent: int
    status: str
    start_date: date
    account_ref: str
    balance: int


def list_leases(session: Session, actor: User | None, property_id: int) -> list[LeaseRow]:
    prop = get_managed_property(session, actor, property_id)
    rows = session.exec(
        select(Lease, Unit, User)
        .join(Unit, col(Unit.id) == Lease.unit_id)
        .join(User, col(User.id) == Lease.tenant_id)
        .where(Lease.property_id == prop.id)
        .order_by(col(Lease.status), col(Unit.label))
    ).all()
    return [
        LeaseRow(
            lease.id or 0,
            unit.label,
            tenant.full_name,
            lease.rent,
            lease.status,
            lease.start_date,
            lease.account_ref,
            ledger.balance(session, lease.id or 0),
        )
        for lease, unit, tenant in rows
    ]


def post_adjustment(
    session: Session,
    actor: User | None,
    lease_id: int,
    amount: str | int,
    direction: str,
    reason: str,
    on: str | date | None = None,
) -> LedgerEntry:
    """A manager's debit (extra charge) or credit (waiver), with a reason kept in the ledger."""
    user = require_approved(session, actor)
    lease = get_managed_lease(session, user, lease_id)
    value = clean_amount(amount, "amount", "the amount", required=True) or 0
    if value < 1:
        raise ValidationError("The amount must be at least 1 shilling.", "amount")
    if direction not in ("debit", "credit"):
        raise ValidationError("Choose charge or credit.", "direction")
    why = clean_text(reason, "reason", "the reason", 200)
    day = parse_date(on, "date", "the date", required=False) or today_local()
    entry = LedgerEntry(
        lease_id=lease.id or 0,
        kind=EntryKind.ADJUSTMENT,
        amount=value if direction == "debit" else -value,
        due_date=day,
        description=f"{'Charge' if direction == 'debit' else 'Credit'}: {why}",
        created_by_id=user.id,
    )
    session.add(entry)
    session.commit()
    return entry


def record_manual_payment(
    session: Session,
    actor: User | None,
    lease_id: int,
    amount: str | int,
    method: str,
    paid_on: str | date,
    reference: str = "",
) -> Payment:
    """Cash or bank payment recorded by a manager, back-dated if needed."""
    from pms_app.payments.service import credit_payment

    user = require_approved(session, actor)
    lease = get_managed_lease(session, user, lease_id)
    value = clean_amount(amount, "amount", "the amount", required=True) or 0
    if value < 1:
        raise ValidationError("The amount must be at least 1 shilling.", "amount")
    if method not in (PaymentMethod.CASH, PaymentMethod.BANK):
        raise ValidationError("Choose cash or bank.", "method")
    day = parse_date(paid_on, "paid_on", "the payment date")
    assert day is not None
    if day > today_local():
        raise ValidationError("The payment date can't be in the future.", "paid_on")
    ref = clean_text(reference, "reference", "the reference", 100, required=False)
    payment = Payment(
        lease_id=lease.id,
        property_id=lease.property_id,
        method=method,
        status=PaymentStatus.PENDING,
        amount=value,
        reference=ref,
        initiated_by_id=user.id,
    )
    session.add(payment)
    session.flush()
    credit_payment(session, payment, paid_on=day)
    session.commit()
    return payment
