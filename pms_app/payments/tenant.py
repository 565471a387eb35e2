"""The tenant's Rent page in one read: his lease, balance, statement, payments and documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.documents import service as documents
from pms_app.documents.service import DocumentRow
from pms_app.leases import service as leases
from pms_app.ledger import service as ledger
from pms_app.ledger.service import Statement
from pms_app.payments.lease_view import LeaseInfo, PaymentLine, lease_info, line_of, payment_lines
from pms_app.payments.models import Payment
from pms_app.payments.reminders import next_due

HISTORY = 20  # payments shown
STATEMENT_LINES = 24


@dataclass(frozen=True)
class RentPage:
    lease: LeaseInfo
    phone: str  # the tenant's own, the M-Pesa number suggested
    statement: Statement
    history: list[PaymentLine]
    documents: list[DocumentRow]
    current: PaymentLine | None  # the payment this tab just started, if it is his


def rent_page(
    session: Session, actor: User | None, current_id: int, today: date
) -> RentPage | None:
    """None: no active lease yet (approved tenants only: `tenant_lease` checks)."""
    lease = leases.tenant_lease(session, actor)
    if lease is None or actor is None:
        return None
    lid = lease.id or 0
    current = session.get(Payment, current_id) if current_id else None
    return RentPage(
        lease_info(session, lease),
        actor.phone,
        ledger.statement(session, lid, today),
        payment_lines(session, lid, HISTORY),
        documents.list_documents(session, actor, lid),
        line_of(current) if current is not None and current.lease_id == lid else None,
    )


@dataclass(frozen=True)
class HomeMoney:
    """The tenant home's first answer: what he owes, by when, and what is overdue."""

    balance: int  # > 0 owed, < 0 credit
    overdue: int  # due already and unpaid
    next_due: date
    next_amount: int  # the monthly rent due then


def home_money(session: Session, actor: User | None, today: date) -> HomeMoney | None:
    """None: no active lease yet (approved tenants only: `tenant_lease` checks)."""
    lease = leases.tenant_lease(session, actor)
    if lease is None:
        return None
    st = ledger.statement(session, lease.id or 0, today)
    return HomeMoney(st.balance, st.arrears, next_due(lease, today), lease.rent)
