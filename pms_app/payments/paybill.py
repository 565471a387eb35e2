"""Paybill (C2B): confirmations matched to a lease by account number, deduplicated on TransID;
the unallocated queue and assigning its money to a lease."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.core.errors import NotFound, ServiceError
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.leases.service import get_managed_lease
from pms_app.payments.crediting import credit_payment
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.shared import notify_payment
from pms_app.properties.access import managed_property_ids, require_approved
from pms_app.properties.account_numbers import normalise_ref, property_for_ref

if TYPE_CHECKING:
    from pms_app.integrations.daraja_wire import C2BPayment


def process_c2b_confirmation(session: Session, c2b: C2BPayment) -> Payment:
    """Credit a paybill payment by its account number, or queue it; deduplicated on TransID."""
    existing = session.exec(select(Payment).where(Payment.trans_id == c2b.trans_id)).first()
    if existing:
        return existing
    ref = normalise_ref(c2b.bill_ref)
    lease = session.exec(
        select(Lease).where(Lease.account_ref == ref, Lease.status == LeaseStatus.ACTIVE)
    ).first()
    guessed_property = lease.property_id if lease else property_for_ref(session, ref)
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
    try:
        session.flush()
    except IntegrityError:  # the same TransID arrived concurrently
        session.rollback()
        return session.exec(select(Payment).where(Payment.trans_id == c2b.trans_id)).one()
    if lease:
        credit_payment(session, payment)
    else:
        notify_payment(session, payment)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return session.exec(select(Payment).where(Payment.trans_id == c2b.trans_id)).one()
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
