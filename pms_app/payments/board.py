"""The payments page's data in one call and few statements: the dashboard, the filter choices,
the leases money can be assigned to, and the queue of money to place (with the lease it is
probably for) or check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.core.errors import NotFound
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.reports import Dashboard, Filters, dashboard_of, scoped_property_ids
from pms_app.payments.suggestions import Suggestion, suggest
from pms_app.properties.access import MANAGING_ROLES, managed_property_ids, require_approved
from pms_app.properties.models import Property, Unit

REVIEW_PREFIX = "Check before crediting: "
# Money to place, to check, and payments M-Pesa never confirmed (a manager settles them, #11.7).
QUEUED = (PaymentStatus.UNALLOCATED, PaymentStatus.REVIEW, PaymentStatus.UNCONFIRMED)


@dataclass(frozen=True)
class ActiveLease:
    lease_id: int
    account_ref: str
    property_id: int
    tenant_id: int
    tenant: str
    unit: str


@dataclass(frozen=True)
class QueuedPayment:
    """Paybill money no lease matched (`unallocated`), M-Pesa money that did not match what
    was asked (`review`), or an STK payment M-Pesa never confirmed (`unconfirmed`)."""

    id: int
    status: str
    created_at: datetime
    amount: int
    received_amount: int | None
    account_ref: str
    payer_name: str
    trans_id: str
    phone: str
    receipt: str
    property_id: int | None
    why: str
    tenant: str
    unit: str
    suggestion: Suggestion | None = None  # unallocated money: the lease it is probably for


@dataclass(frozen=True)
class PaymentsPage:
    board: Dashboard
    properties: list[tuple[int, str]]
    active: list[ActiveLease]
    queue: list[QueuedPayment]


@cache
def _properties_stmt() -> Any:
    return (
        select(Property.id, Property.name)
        .where(col(Property.id).in_(bindparam("ids", expanding=True)))
        .order_by(Property.name)
    )


@cache
def _active_stmt() -> Any:
    return (
        select(Lease.id, Lease.account_ref, Lease.property_id, User.id, User.full_name, Unit.label)
        .join(User, col(User.id) == Lease.tenant_id)
        .join(Unit, col(Unit.id) == Lease.unit_id)
        .where(
            col(Lease.property_id).in_(bindparam("ids", expanding=True)),
            Lease.status == LeaseStatus.ACTIVE,
        )
        .order_by(User.full_name, Lease.id)
    )


@cache
def _queue_stmt(everywhere: bool) -> Any:
    """Both queues, oldest first; a review's lease, tenant and unit joined (admins: every
    property, and money whose account names none)."""
    lease, tenant, unit = aliased(Lease), aliased(User), aliased(Unit)
    q = (
        select(Payment, tenant.full_name, unit.label)
        .outerjoin(lease, lease.id == Payment.lease_id)
        .outerjoin(tenant, tenant.id == lease.tenant_id)
        .outerjoin(unit, unit.id == lease.unit_id)
        .where(col(Payment.status).in_(QUEUED))
        .order_by(col(Payment.created_at), col(Payment.id))
    )
    if not everywhere:
        q = q.where(col(Payment.property_id).in_(bindparam("ids", expanding=True)))
    return q


def payments_page(
    session: Session, actor: User | None, filters: Filters, today: date, page: int = 1
) -> PaymentsPage:
    """Everything /payments shows, for a landlord, manager or admin."""
    user = require_approved(session, actor)
    if user.role not in MANAGING_ROLES:
        raise NotFound("page")
    managed = managed_property_ids(session, user)
    scoped = scoped_property_ids(session, user, filters)
    board = dashboard_of(session, scoped, filters, today, page)
    params = {"ids": managed}
    properties = [(pid, name) for pid, name in session.exec(_properties_stmt(), params=params)]
    active = [ActiveLease(*row) for row in session.exec(_active_stmt(), params=params)]
    everywhere = user.role == Role.ADMIN
    queued = list(session.exec(_queue_stmt(everywhere), params={} if everywhere else params))
    suggested = suggest(session, [p for p, _t, _u in queued])
    queue = [
        _queued(p, tenant or "", unit or "", suggested.get(p.id or 0)) for p, tenant, unit in queued
    ]
    return PaymentsPage(board, properties, active, queue)


def _queued(
    p: Payment, tenant: str, unit: str, suggestion: Suggestion | None = None
) -> QueuedPayment:
    return QueuedPayment(
        id=p.id or 0,
        status=p.status,
        created_at=p.created_at,
        amount=p.amount,
        received_amount=p.received_amount,
        account_ref=p.account_ref,
        payer_name=p.payer_name,
        trans_id=p.trans_id or "",
        phone=p.phone,
        receipt=p.mpesa_receipt or "",
        property_id=p.property_id,
        why=p.result_desc.removeprefix(REVIEW_PREFIX),
        tenant=tenant,
        unit=unit,
        suggestion=suggestion,
    )
