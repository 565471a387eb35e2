"""Landlord dashboards: payments by tenant/property/all, billed vs collected per month, arrears,
CSV export. Aggregates run in SQL so they stay fast at 100k payments."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core.errors import NotFound, ValidationError
from pms_app.core.settings import get_settings
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.properties.access import managed_property_ids, require_approved
from pms_app.properties.models import Property, Unit

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    property_id: int | None = None
    tenant_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class PaymentRow:
    id: int
    paid_at: datetime
    tenant: str
    property: str
    unit: str
    amount: int
    method: str
    receipt_no: str
    reference: str


@dataclass(frozen=True)
class MonthRow:
    month: str
    billed: int
    collected: int


@dataclass(frozen=True)
class ArrearsRow:
    lease_id: int
    tenant_id: int
    tenant: str
    email: str
    property: str
    unit: str
    arrears: int


@dataclass(frozen=True)
class Dashboard:
    rows: list[PaymentRow]
    total_count: int
    total_collected: int
    total_billed: int
    months: list[MonthRow]
    arrears: list[ArrearsRow]
    total_arrears: int


def _scope(session: Session, actor: User | None, filters: Filters) -> list[int]:
    user = require_approved(session, actor)
    ids = managed_property_ids(session, user)
    if filters.property_id is not None:
        if filters.property_id not in ids:
            raise NotFound("property")
        ids = [filters.property_id]
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError("The start date must be before the end date.", "date_from")
    return ids


def _month(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite stores dates as YYYY-MM-DD text


def _paid_query(ids: list[int], filters: Filters) -> Any:
    q = select(Payment).where(
        col(Payment.property_id).in_(ids), Payment.status == PaymentStatus.PAID
    )
    if filters.tenant_id is not None:
        q = q.where(
            col(Payment.lease_id).in_(select(Lease.id).where(Lease.tenant_id == filters.tenant_id))
        )
    local = ZoneInfo(get_settings().timezone)  # the dates people pick are local days
    if filters.date_from:
        q = q.where(col(Payment.paid_at) >= datetime.combine(filters.date_from, time.min, local))
    if filters.date_to:
        q = q.where(
            col(Payment.paid_at)
            < datetime.combine(filters.date_to + timedelta(days=1), time.min, local)
        )
    return q


def dashboard(
    session: Session, actor: User | None, filters: Filters, today: date, page: int = 1
) -> Dashboard:
    return dashboard_of(session, _scope(session, actor, filters), filters, today, page)


def scoped_property_ids(session: Session, user: User, filters: Filters) -> list[int]:
    """The properties a dashboard covers: the user's managed ones, narrowed by the filter
    (which must be one of them); the filters checked."""
    return _scope(session, user, filters)


def dashboard_of(
    session: Session, ids: list[int], filters: Filters, today: date, page: int = 1
) -> Dashboard:
    """The dashboard of these (already authorised) properties."""
    if not ids:
        return Dashboard([], 0, 0, 0, [], [], 0)
    paid = _paid_query(ids, filters).subquery()
    total_count, total_collected = session.exec(
        select(func.count(), func.coalesce(func.sum(paid.c.amount), 0))
    ).one()
    page = max(1, page)
    # The page's ids first, from a narrow ordered scan; only those 50 rows are joined.
    page_ids = (
        select(paid.c.id)
        .order_by(paid.c.paid_at.desc(), paid.c.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .subquery()
    )
    rows = session.exec(
        select(Payment, Lease, Unit, User, Property)
        .join(page_ids, page_ids.c.id == Payment.id)
        .join(Lease, col(Lease.id) == Payment.lease_id)
        .join(Unit, col(Unit.id) == Lease.unit_id)
        .join(User, col(User.id) == Lease.tenant_id)
        .join(Property, col(Property.id) == Lease.property_id)
        .order_by(col(Payment.paid_at).desc(), col(Payment.id).desc())
    ).all()

    # Billed vs collected per month, from the ledger (same scope and filters).
    entry_scope = select(Lease.id).where(col(Lease.property_id).in_(ids))
    if filters.tenant_id is not None:
        entry_scope = entry_scope.where(Lease.tenant_id == filters.tenant_id)
    month = _month(session, LedgerEntry.due_date)
    m_label = month.label("m")  # grouped and ordered by the label: computed once per row
    monthly = select(
        m_label,
        func.sum(case((col(LedgerEntry.amount) > 0, LedgerEntry.amount), else_=0)),
        func.sum(case((LedgerEntry.kind == EntryKind.PAYMENT, -col(LedgerEntry.amount)), else_=0)),
    ).where(col(LedgerEntry.lease_id).in_(entry_scope))
    if filters.date_from:
        monthly = monthly.where(LedgerEntry.due_date >= filters.date_from)
    if filters.date_to:
        monthly = monthly.where(LedgerEntry.due_date <= filters.date_to)
    months = [
        MonthRow(m, int(b or 0), int(c or 0))
        for m, b, c in session.exec(monthly.group_by(m_label).order_by(m_label)).all()
    ]
    arrears = arrears_list(session, ids, today, filters.tenant_id)
    return Dashboard(
        rows=[
            PaymentRow(
                p.id or 0,
                p.paid_at or p.created_at,
                t.full_name,
                pr.name,
                u.label,
                p.amount,
                p.method,
                p.receipt_no or "",
                p.mpesa_receipt or p.reference,
            )
            for p, _l, u, t, pr in rows
        ],
        total_count=int(total_count),
        total_collected=int(total_collected),
        total_billed=sum(m.billed for m in months),
        months=months,
        arrears=arrears,
        total_arrears=sum(a.arrears for a in arrears),
    )


def arrears_list(
    session: Session, property_ids: list[int], today: date, tenant_id: int | None = None
) -> list[ArrearsRow]:
    """Active leases whose due charges exceed what was paid (oldest charges settled first)."""
    due = func.sum(
        case(
            (
                (col(LedgerEntry.amount) > 0) & (col(LedgerEntry.due_date) <= today),
                LedgerEntry.amount,
            ),
            else_=0,
        )
    )
    credits = func.sum(case((col(LedgerEntry.amount) < 0, -col(LedgerEntry.amount)), else_=0))
    leases_in_scope = select(Lease.id).where(
        col(Lease.property_id).in_(property_ids), Lease.status == LeaseStatus.ACTIVE
    )
    if tenant_id is not None:
        leases_in_scope = leases_in_scope.where(Lease.tenant_id == tenant_id)
    # Aggregate the ledger per lease first (narrow rows), then join the few leases in arrears.
    per_lease = (
        select(col(LedgerEntry.lease_id).label("lease_id"), (due - credits).label("arrears"))
        .where(col(LedgerEntry.lease_id).in_(leases_in_scope))
        .group_by(col(LedgerEntry.lease_id))
        .subquery()
    )
    q = (
        select(Lease, Unit, User, Property, per_lease.c.arrears)
        .join(per_lease, per_lease.c.lease_id == Lease.id)
        .join(Unit, col(Unit.id) == Lease.unit_id)
        .join(User, col(User.id) == Lease.tenant_id)
        .join(Property, col(Property.id) == Lease.property_id)
        .where(per_lease.c.arrears > 0)
        .order_by(per_lease.c.arrears.desc(), col(Lease.id))
    )
    return [
        ArrearsRow(lease.id or 0, t.id or 0, t.full_name, t.email, p.name, u.label, int(amount))
        for lease, u, t, p, amount in session.exec(q).all()
    ]


def payments_csv(session: Session, actor: User | None, filters: Filters) -> str:
    ids = _scope(session, actor, filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["paid_at_utc", "receipt_no", "tenant", "property", "unit", "amount", "method", "reference"]
    )
    if not ids:
        return out.getvalue()
    paid = _paid_query(ids, filters).subquery()
    rows = session.exec(
        select(Payment, Unit, User, Property)
        .join(Lease, col(Lease.id) == Payment.lease_id)
        .join(Unit, col(Unit.id) == Lease.unit_id)
        .join(User, col(User.id) == Lease.tenant_id)
        .join(Property, col(Property.id) == Lease.property_id)
        .where(col(Payment.id).in_(select(paid.c.id)))
        .order_by(col(Payment.paid_at))
    ).all()
    for p, u, t, pr in rows:
        writer.writerow(
            [
                (p.paid_at or p.created_at).strftime("%Y-%m-%d %H:%M"),
                p.receipt_no or "",
                _csv_safe(t.full_name),
                _csv_safe(pr.name),
                _csv_safe(u.label),
                p.amount,
                p.method,
                _csv_safe(p.mpesa_receipt or p.reference),
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """No formula injection when the file is opened in a spreadsheet."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
