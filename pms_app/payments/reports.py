"""Landlord dashboards: payments by tenant/property/all, billed vs collected per month, arrears
(the CSV export of the same rows: exports.py). Aggregates run in SQL so they stay fast at 100k payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, func
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core.errors import NotFound, ValidationError
from pms_app.core.settings import get_settings
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.ledger.sums import arrears_sum
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
    # List voided payments too (marked); the totals never count them (#10.7).
    show_voided: bool = False


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
    # "rent" or "booking_fee": booking fees count in "Collected", so they are listed too (#10.7)
    kind: str = "rent"
    status: str = PaymentStatus.PAID  # or `void`, listed only when the filter asks
    lease_id: int | None = None
    refunded: int = 0  # given back (a booking refund): the totals count amount - refunded


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
    listed_count: int = 0  # the rows across all pages: total_count, plus voided ones if shown


def scoped_property_ids(session: Session, actor: User | None, filters: Filters) -> list[int]:
    """The properties a dashboard covers: the actor's managed ones (read once per transaction:
    `managed_property_ids` remembers them), narrowed by the filter, which must be one of them;
    the filters checked."""
    user = require_approved(session, actor)
    ids = managed_property_ids(session, user)
    if filters.property_id is not None:
        if filters.property_id not in ids:
            raise NotFound("property")
        ids = [filters.property_id]
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError("The start date must be before the end date.", "date_from")
    return ids


def _month(dialect: str, column: Any) -> Any:
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite stores dates as YYYY-MM-DD text


# The dashboard's statements are built once per shape (which filters are set, the dialect) with
# bound parameters, not per call: building a select with subqueries costs more CPU than running it.
# Parameters: ids (expanding), tenant_id, paid_from/paid_to (UTC instants of the local days),
# due_from/due_to (dates), today, offset, limit.


@cache
def paid_stmt(by_tenant: bool, since: bool, until: bool, voided: bool = False) -> Any:
    """The paid payments in scope (`voided`: and the voided ones, for the list only)."""
    listed = (PaymentStatus.PAID, PaymentStatus.VOID) if voided else (PaymentStatus.PAID,)
    # `amount` net of refunds: the totals count what was kept.
    net = (col(Payment.amount) - col(Payment.refunded_amount)).label("amount")
    q = select(Payment.id, net, Payment.paid_at).where(
        col(Payment.property_id).in_(bindparam("ids", expanding=True)),
        col(Payment.status).in_(listed),
    )
    if by_tenant:
        tenant_leases = select(Lease.id).where(Lease.tenant_id == bindparam("tenant_id"))
        # The tenant's rent, and the booking fees they paid (no lease: the payer is the booker).
        q = q.where(
            col(Payment.lease_id).in_(tenant_leases)
            | (
                col(Payment.booking_id).is_not(None)
                & (Payment.initiated_by_id == bindparam("tenant_id"))
            )
        )
    if since:
        q = q.where(col(Payment.paid_at) >= bindparam("paid_from"))
    if until:
        q = q.where(col(Payment.paid_at) < bindparam("paid_to"))
    return q


@cache
def _totals_stmt(shape: tuple[bool, bool, bool]) -> Any:
    paid = paid_stmt(*shape).subquery()
    return select(func.count(), func.coalesce(func.sum(paid.c.amount), 0))


def payer() -> Any:
    """Who a listed payment is from: the lease's tenant, or (a booking fee, no lease) the booker.
    Outer joins, not inner: an inner join on the lease dropped booking fees from the list while
    the totals counted them, so the page did not add up."""
    return func.coalesce(Lease.tenant_id, Payment.initiated_by_id)


@cache
def _listed_count_stmt(shape: tuple[bool, bool, bool]) -> Any:
    return select(func.count()).select_from(paid_stmt(*shape, voided=True).subquery())


@cache
def _page_stmt(shape: tuple[bool, bool, bool], voided: bool) -> Any:
    paid = paid_stmt(*shape, voided=voided).subquery()
    # The page's ids first, from a narrow ordered scan; only those rows are joined.
    page_ids = (
        select(paid.c.id)
        .order_by(paid.c.paid_at.desc(), paid.c.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery()
    )
    return (
        select(
            Payment.id,
            Payment.paid_at,
            Payment.created_at,
            User.full_name,
            Property.name,
            Unit.label,
            Payment.amount,
            Payment.method,
            Payment.receipt_no,
            Payment.mpesa_receipt,
            Payment.reference,
            Payment.booking_id,
            Payment.status,
            Payment.lease_id,
            Payment.refunded_amount,
        )
        .join(page_ids, page_ids.c.id == Payment.id)
        .outerjoin(Lease, col(Lease.id) == Payment.lease_id)
        .outerjoin(Unit, col(Unit.id) == Lease.unit_id)
        .outerjoin(User, col(User.id) == payer())
        .outerjoin(Property, col(Property.id) == Payment.property_id)
        .order_by(col(Payment.paid_at).desc(), col(Payment.id).desc())
    )


@cache
def _monthly_stmt(dialect: str, by_tenant: bool, since: bool, until: bool) -> Any:
    """Billed vs collected per month, from the ledger (same scope and filters)."""
    entry_scope = select(Lease.id).where(
        col(Lease.property_id).in_(bindparam("ids", expanding=True))
    )
    if by_tenant:
        entry_scope = entry_scope.where(Lease.tenant_id == bindparam("tenant_id"))
    m_label = _month(dialect, LedgerEntry.due_date).label("m")  # grouped by the label: once a row
    q = select(
        m_label,
        # A voided payment's reversing entry is +amount of kind `payment`: it nets "collected"
        # down, and is no new charge, so "billed" leaves it out.
        func.sum(
            case(
                (
                    (col(LedgerEntry.amount) > 0) & (LedgerEntry.kind != EntryKind.PAYMENT),
                    LedgerEntry.amount,
                ),
                else_=0,
            )
        ),
        func.sum(case((LedgerEntry.kind == EntryKind.PAYMENT, -col(LedgerEntry.amount)), else_=0)),
    ).where(col(LedgerEntry.lease_id).in_(entry_scope))
    if since:
        q = q.where(col(LedgerEntry.due_date) >= bindparam("due_from"))
    if until:
        q = q.where(col(LedgerEntry.due_date) <= bindparam("due_to"))
    return q.group_by(m_label).order_by(m_label)


@cache
def _arrears_stmt(by_tenant: bool) -> Any:
    """Active leases whose due charges exceed what was paid (oldest charges settled first)."""
    leases_in_scope = select(Lease.id).where(
        col(Lease.property_id).in_(bindparam("ids", expanding=True)),
        Lease.status == LeaseStatus.ACTIVE,
    )
    if by_tenant:
        leases_in_scope = leases_in_scope.where(Lease.tenant_id == bindparam("tenant_id"))
    # Aggregate the ledger per lease first (narrow rows), then join the few leases in arrears.
    per_lease = (
        select(
            col(LedgerEntry.lease_id).label("lease_id"),
            arrears_sum(bindparam("today")).label("arrears"),
        )
        .where(col(LedgerEntry.lease_id).in_(leases_in_scope))
        .group_by(col(LedgerEntry.lease_id))
        .subquery()
    )
    return (
        select(
            Lease.id,
            User.id,
            User.full_name,
            User.email,
            Property.name,
            Unit.label,
            per_lease.c.arrears,
        )
        .join(per_lease, per_lease.c.lease_id == Lease.id)
        .join(Unit, col(Unit.id) == Lease.unit_id)
        .join(User, col(User.id) == Lease.tenant_id)
        .join(Property, col(Property.id) == Lease.property_id)
        .where(per_lease.c.arrears > 0)
        .order_by(per_lease.c.arrears.desc(), col(Lease.id))
    )


def params_of(ids: list[int], filters: Filters) -> tuple[tuple[bool, bool, bool], dict[str, Any]]:
    """The statement shape these filters need, and its parameters."""
    local = ZoneInfo(get_settings().timezone)  # the dates people pick are local days
    params: dict[str, Any] = {"ids": ids, "tenant_id": filters.tenant_id}
    if filters.date_from:
        params["due_from"] = filters.date_from
        params["paid_from"] = datetime.combine(filters.date_from, time.min, local)
    if filters.date_to:
        params["due_to"] = filters.date_to
        next_day = filters.date_to + timedelta(days=1)
        params["paid_to"] = datetime.combine(next_day, time.min, local)
    shape = (filters.tenant_id is not None, bool(filters.date_from), bool(filters.date_to))
    return shape, params


def dashboard(
    session: Session, actor: User | None, filters: Filters, today: date, page: int = 1
) -> Dashboard:
    return dashboard_of(session, scoped_property_ids(session, actor, filters), filters, today, page)


def dashboard_of(
    session: Session, ids: list[int], filters: Filters, today: date, page: int = 1
) -> Dashboard:
    """The dashboard of these (already authorised) properties."""
    if not ids:
        return Dashboard([], 0, 0, 0, [], [], 0, 0)
    shape, params = params_of(ids, filters)
    total_count, total_collected = session.exec(_totals_stmt(shape), params=params).one()
    listed = total_count
    if filters.show_voided:
        listed = session.exec(_listed_count_stmt(shape), params=params).one()
    offset = (max(1, page) - 1) * PAGE_SIZE
    rows = session.exec(
        _page_stmt(shape, filters.show_voided),
        params={**params, "offset": offset, "limit": PAGE_SIZE},
    )
    dialect = session.get_bind().dialect.name
    months = [
        MonthRow(m, int(b or 0), int(c or 0))
        for m, b, c in session.exec(_monthly_stmt(dialect, *shape), params=params)
    ]
    arrears = arrears_list(session, ids, today, filters.tenant_id)
    return Dashboard(
        rows=[
            PaymentRow(
                pid or 0,
                paid_at or created_at,
                tenant or "",
                prop or "",
                unit or "",
                amount,
                method,
                receipt_no or "",
                mpesa_receipt or reference,
                "booking_fee" if booking_id is not None else "rent",
                status,
                lease_id,
                refunded,
            )
            for (
                pid,
                paid_at,
                created_at,
                tenant,
                prop,
                unit,
                amount,
                method,
                receipt_no,
                mpesa_receipt,
                reference,
                booking_id,
                status,
                lease_id,
                refunded,
            ) in rows
        ],
        total_count=int(total_count),
        total_collected=int(total_collected),
        total_billed=sum(m.billed for m in months),
        months=months,
        arrears=arrears,
        total_arrears=sum(a.arrears for a in arrears),
        listed_count=int(listed),
    )


def arrears_list(
    session: Session, property_ids: list[int], today: date, tenant_id: int | None = None
) -> list[ArrearsRow]:
    """Active leases whose due charges exceed what was paid (oldest charges settled first)."""
    if not property_ids:
        return []
    params = {"ids": property_ids, "today": today, "tenant_id": tenant_id}
    return [
        ArrearsRow(lease_id or 0, tid or 0, name, email, prop, unit, int(amount))
        for lease_id, tid, name, email, prop, unit, amount in session.exec(
            _arrears_stmt(tenant_id is not None), params=params
        )
    ]
