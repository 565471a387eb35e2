"""Paybill (C2B): confirmations matched to a lease by account number (as typed), deduplicated
on TransID against every receipt (the STK echo); the unallocated queue and assigning its money
to a lease."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.core.errors import NotFound, ServiceError
from pms_app.leases.service import active_lease_for_ref, get_managed_lease
from pms_app.payments.crediting import credit_payment
from pms_app.payments.matching import attach_receipt, echo_twin
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.shared import notify_payment
from pms_app.properties.access import managed_property_ids, require_approved
from pms_app.properties.account_numbers import property_for_ref

if TYPE_CHECKING:
    from pms_app.integrations.daraja_wire import C2BPayment


def process_c2b_confirmation(
    session: Session, c2b: C2BPayment, paid_on: date | None = None
) -> Payment:
    """Record a paybill confirmation once: deduplicated on TransID across both kinds (an STK
    payment's receipt is the TransID of its paybill echo), given to the STK payment it echoes,
    else credited by its account number or queued. Never raises for a repeat or a race: the
    payment holding this receipt is returned. `paid_on`: the day M-Pesa completed it, when that
    was earlier (a statement import, #11.8) — the ledger is dated then."""
    for _attempt in range(5):
        try:
            recorded = _record(session, c2b, paid_on)
        except IntegrityError:  # the same receipt was stored by a concurrent message
            session.rollback()
            continue
        if recorded is not None:
            return recorded
        session.rollback()  # the STK twin moved on meanwhile: look again
    holder = _holder(session, c2b.trans_id)
    if holder is None:  # five lost races and nothing stored: not expected
        raise RuntimeError(f"paybill {c2b.trans_id} could not be recorded")
    return holder


@lru_cache(maxsize=1)
def _holder_stmt() -> Any:
    receipt = bindparam("receipt")
    return select(Payment).where(or_(Payment.trans_id == receipt, Payment.mpesa_receipt == receipt))


def _holder(session: Session, receipt: str) -> Payment | None:
    return session.exec(_holder_stmt(), params={"receipt": receipt}).first()


def _record(session: Session, c2b: C2BPayment, paid_on: date | None = None) -> Payment | None:
    holder = _holder(session, c2b.trans_id)
    if holder is not None:  # a repeat, or the echo of an STK payment already credited
        return holder
    twin = echo_twin(session, c2b)
    if twin is not None:
        if twin.status == PaymentStatus.PAID:  # credited on a query: the echo brings the receipt
            adopted = attach_receipt(session, twin, c2b.trans_id, trans_id=c2b.trans_id)
        else:
            adopted = credit_payment(
                session,
                twin,
                receipt=c2b.trans_id,
                from_=(PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.UNCONFIRMED),
                trans_id=c2b.trans_id,
                result_code="0",
                result_desc="Paid",
            )
        if not adopted:
            return None
        session.commit()
        return twin
    lease = active_lease_for_ref(session, c2b.bill_ref)
    guessed_property = lease.property_id if lease else property_for_ref(session, c2b.bill_ref)
    payment = Payment(
        lease_id=lease.id if lease else None,
        property_id=guessed_property,
        method=PaymentMethod.C2B,
        status=PaymentStatus.PENDING if lease else PaymentStatus.UNALLOCATED,
        amount=c2b.amount,
        phone=c2b.msisdn[:20],
        account_ref=c2b.bill_ref[:40],
        trans_id=c2b.trans_id,
        mpesa_receipt=c2b.trans_id,
        payer_name=f"{c2b.first_name} {c2b.last_name}".strip()[:120],
    )
    session.add(payment)
    session.flush()
    if lease:
        credit_payment(session, payment, paid_on=paid_on)
    else:
        notify_payment(session, payment)
    session.commit()
    return payment


def visible_unallocated(session: Session, actor: User | None) -> list[Payment]:
    """Paybill money no lease matched: the managers of the property its account prefix names
    see it; money whose prefix names no property is for admins only."""
    user = require_approved(session, actor)
    if user.role not in (Role.ADMIN, Role.LANDLORD, Role.MANAGER):
        raise NotFound("page")
    query = select(Payment).where(Payment.status == PaymentStatus.UNALLOCATED)
    if user.role != Role.ADMIN:
        query = query.where(col(Payment.property_id).in_(managed_property_ids(session, user)))
    return list(session.exec(query.order_by(col(Payment.created_at))).all())


def assign_unallocated(
    session: Session, actor: User | None, payment_id: int, lease_id: int
) -> Payment:
    """Credit queued paybill money to a lease: a property's managers only to that property's
    leases (the account prefix decided whose money it is); admins to any lease."""

    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None or payment.id not in {p.id for p in visible_unallocated(session, user)}:
        raise NotFound("payment")
    lease = get_managed_lease(session, user, lease_id)
    if user.role != Role.ADMIN and lease.property_id != payment.property_id:
        raise NotFound("lease")
    payment.lease_id, payment.property_id = lease.id, lease.property_id
    session.add(payment)
    if not credit_payment(session, payment, from_=(PaymentStatus.UNALLOCATED,)):
        session.rollback()
        raise ServiceError("This payment was already assigned by someone else.")
    session.commit()
    return payment
