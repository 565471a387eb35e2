"""The manager's lease page in one read: the lease, who and where, its statement, documents and
payments (reads that need Payment live here, above leases)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.documents import service as documents
from pms_app.documents.service import DocumentRow
from pms_app.leases import service as leases
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger import service as ledger
from pms_app.ledger.service import Statement
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.voids import VOIDABLE_METHODS
from pms_app.properties.models import Property, Unit


@dataclass(frozen=True)
class PaymentLine:
    """One payment of a lease, as its pages show it."""

    id: int
    created_at: datetime
    amount: int
    method: str
    status: str
    receipt_no: str
    mpesa_receipt: str
    result_code: str
    result_desc: str
    reference: str
    voidable: bool = False  # a paid cash/bank rent payment: its managers may void it


@dataclass(frozen=True)
class LeaseInfo:
    id: int
    property_id: int
    property_name: str
    unit_label: str
    tenant_name: str
    tenant_email: str
    rent: int
    deposit: int
    due_day: int
    start_date: date
    end_date: date | None
    ended_on: date | None
    account_ref: str
    status: str
    active: bool
    timezone: str  # the property's: its dates and times are shown there


@dataclass(frozen=True)
class LeasePage:
    lease: LeaseInfo
    statement: Statement
    documents: list[DocumentRow]
    payments: list[PaymentLine]


def payment_lines(session: Session, lease_id: int, limit: int | None = None) -> list[PaymentLine]:
    """A lease's payments, newest first (callers have checked who may see the lease)."""
    rows = session.exec(
        select(Payment)
        .where(Payment.lease_id == lease_id)
        .order_by(col(Payment.created_at).desc())
        .limit(limit)
    ).all()
    return [line_of(p) for p in rows]


def line_of(p: Payment) -> PaymentLine:
    return PaymentLine(
        p.id or 0,
        p.created_at,
        p.amount,
        p.method,
        p.status,
        p.receipt_no or "",
        p.mpesa_receipt or "",
        p.result_code,
        p.result_desc or "",
        p.reference or "",
        p.status == PaymentStatus.PAID and p.method in VOIDABLE_METHODS and p.lease_id is not None,
    )


def lease_info(session: Session, lease: Lease) -> LeaseInfo:
    prop = session.get(Property, lease.property_id)
    unit = session.get(Unit, lease.unit_id)
    tenant = session.get(User, lease.tenant_id)
    return LeaseInfo(
        lease.id or 0,
        lease.property_id,
        prop.name if prop else "",
        unit.label if unit else "",
        tenant.full_name if tenant else "",
        tenant.email if tenant else "",
        lease.rent,
        lease.deposit,
        lease.due_day,
        lease.start_date,
        lease.end_date,
        lease.ended_on,
        lease.account_ref,
        lease.status,
        lease.status == LeaseStatus.ACTIVE,
        prop.timezone if prop else "",
    )


def lease_page(session: Session, actor: User | None, lease_id: int, today: date) -> LeasePage:
    """/lease for the property's managers (NotFound for anyone else)."""
    lease = leases.get_managed_lease(session, actor, lease_id)
    lid = lease.id or 0
    return LeasePage(
        lease_info(session, lease),
        ledger.statement(session, lid, today),
        documents.list_documents(session, actor, lid),
        payment_lines(session, lid),
    )
