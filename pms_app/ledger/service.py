"""The rent ledger: scheduled charges (catching up missed months), deposit, late fees,
adjustments, payment credits, FIFO allocation, balances and arrears. All amounts integers."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core.errors import ValidationError
from pms_app.core.sequences import insert_ignore
from pms_app.core.validation import clean_amount, clean_text
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.leases.service import get_managed_lease, on_lease_started, parse_date, today_local
from pms_app.ledger import wording
from pms_app.ledger.models import EntryKind, LateFeeRule, LedgerEntry
from pms_app.properties.access import get_managed_property, require_approved
from pms_app.properties.models import Property, Unit

# --- scheduled charges -----------------------------------------------------------------------


def _month_iter(start: date, until: date) -> list[tuple[int, int]]:
    months, y, m = [], start.year, start.month
    while (y, m) <= (until.year, until.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def rent_due_dates(lease: Lease, today: date) -> list[tuple[str, date]]:
    """(period, due date) of every rent charge due by `today`.

    The first month is charged on the start date (or its due day if later); the next ones on
    the due day. No proration. Nothing after the lease's end date or move-out.
    """
    last = min(d for d in (today, lease.end_date, lease.ended_on) if d is not None)
    out = []
    for y, m in _month_iter(lease.start_date, last):
        day = min(lease.due_day, calendar.monthrange(y, m)[1])
        due = date(y, m, day)
        if (y, m) == (lease.start_date.year, lease.start_date.month):
            due = max(due, lease.start_date)
        if due <= last:
            out.append((f"{y:04d}-{m:02d}", due))
    return out


def charge_deposit(session: Session, lease: Lease) -> None:
    if lease.deposit > 0:
        insert_ignore(
            session,
            LedgerEntry,
            {
                "lease_id": lease.id,
                "kind": EntryKind.DEPOSIT,
                "amount": lease.deposit,
                "due_date": lease.start_date,
                "description": "Deposit",
                "dedupe_key": f"deposit:{lease.id}",
            },
        )


def raise_rent_charges(session: Session, lease: Lease, today: date) -> int:
    """Insert every missing monthly charge up to today (idempotent). Returns how many were new."""
    new = 0
    for period, due in rent_due_dates(lease, today):
        new += insert_ignore(
            session,
            LedgerEntry,
            {
                "lease_id": lease.id,
                "kind": EntryKind.RENT,
                "amount": lease.rent,
                "due_date": due,
                "period": period,
                "description": f"Rent {period}",
                "dedupe_key": f"rent:{lease.id}:{period}",
            },
        )
    return new


def late_fee_for(prop: Property, unpaid_rent: int) -> int:
    if prop.late_fee_kind == LateFeeRule.FIXED:
        return max(0, prop.late_fee_value)
    if prop.late_fee_kind == LateFeeRule.PERCENT:
        return (unpaid_rent * prop.late_fee_value + 50) // 100  # whole shillings, half up
    return 0


def apply_late_fees(session: Session, lease: Lease, prop: Property, today: date) -> int:
    """A late fee per rent charge still (partly) unpaid after the grace days, once."""
    if prop.late_fee_kind == LateFeeRule.NONE:
        return 0
    entries = _entries(session, lease.id or 0)
    new = 0
    for e in entries:
        if e.kind != EntryKind.RENT:
            continue
        deadline = e.due_date + timedelta(days=max(0, prop.late_fee_grace_days))
        if today <= deadline:
            continue
        unpaid = _outstanding_at(entries, e, deadline)
        fee = late_fee_for(prop, unpaid) if unpaid > 0 else 0
        if fee > 0:
            new += insert_ignore(
                session,
                LedgerEntry,
                {
                    "lease_id": lease.id,
                    "kind": EntryKind.LATE_FEE,
                    "amount": fee,
                    "due_date": deadline + timedelta(days=1),
                    "period": e.period,
                    "description": f"Late fee {e.period}",
                    "dedupe_key": f"late:{lease.id}:{e.period}",
                },
            )
    return new


def run_billing(session: Session, today: date) -> dict[str, int]:
    """The scheduled job: rent charges (catch-up included) and late fees for every lease."""
    leases = session.exec(select(Lease)).all()
    props = {p.id: p for p in session.exec(select(Property)).all()}
    charges = fees = 0
    for lease in leases:
        if lease.status != LeaseStatus.ACTIVE and lease.ended_on is None:
            continue
        charges += raise_rent_charges(session, lease, today)
        session.flush()
        fees += apply_late_fees(session, lease, props[lease.property_id], today)
    session.commit()
    return {"rent_charges": charges, "late_fees": fees}


# --- reading the ledger -------------------------------------------------------------------------


def _entries(session: Session, lease_id: int) -> list[LedgerEntry]:
    return list(
        session.exec(
            select(LedgerEntry)
            .where(LedgerEntry.lease_id == lease_id)
            .order_by(col(LedgerEntry.due_date), col(LedgerEntry.id))
        ).all()
    )


def _charge_order(e: LedgerEntry) -> tuple[date, int]:
    return (e.due_date, e.id or 0)


def _outstanding_at(entries: list[LedgerEntry], charge: LedgerEntry, when: date) -> int:
    """Unpaid part of `charge` counting only credits dated ≤ `when`, oldest charges first."""
    credits = -sum(e.amount for e in entries if e.amount < 0 and e.due_date <= when)
    before = sum(
        e.amount for e in entries if e.amount > 0 and _charge_order(e) < _charge_order(charge)
    )
    covered = max(0, min(charge.amount, credits - before))
    return charge.amount - covered


@dataclass(frozen=True)
class StatementLine:
    id: int
    due_date: date
    kind: str
    description: str
    charge: int
    credit: int
    balance: int  # running balance after this line
    outstanding: int  # for charges: unpaid part (oldest settled first)


@dataclass(frozen=True)
class Statement:
    lines: list[StatementLine]
    balance: int  # > 0 owed, < 0 credit in the tenant's favour
    arrears: int  # charges already due and unpaid
    credit: int  # overpayment carried forward


def statement(session: Session, lease_id: int, today: date) -> Statement:
    entries = _entries(session, lease_id)
    total_credit = -sum(e.amount for e in entries if e.amount < 0)
    remaining = total_credit
    outstanding: dict[int, int] = {}
    for e in sorted((e for e in entries if e.amount > 0), key=_charge_order):
        paid = min(e.amount, remaining)
        remaining -= paid
        outstanding[e.id or 0] = e.amount - paid
    running = 0
    lines = []
    for e in entries:
        running += e.amount
        lines.append(
            StatementLine(
                id=e.id or 0,
                due_date=e.due_date,
                kind=e.kind,
                description=wording.shown(e.kind, e.period, e.description),
                charge=e.amount if e.amount > 0 else 0,
                credit=-e.amount if e.amount < 0 else 0,
                balance=running,
                outstanding=outstanding.get(e.id or 0, 0),
            )
        )
    balance = sum(e.amount for e in entries)
    arrears = sum(
        outstanding.get(e.id or 0, 0) for e in entries if e.amount > 0 and e.due_date <= today
    )
    return Statement(lines, balance, arrears, max(0, -balance))


def balance(session: Session, lease_id: int) -> int:
    return sum(e.amount for e in _entries(session, lease_id))


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
            balance(session, lease.id or 0),
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


@on_lease_started
def _charge_new_lease(session: Session, lease: Lease, today: date) -> None:
    """A new lease owes its deposit and the rent due from its start until today."""
    charge_deposit(session, lease)
    raise_rent_charges(session, lease, today)
