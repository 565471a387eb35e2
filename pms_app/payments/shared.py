"""What the payments modules share: the conditional status change, who hears of a change, the
label a payment goes by, and the one read of a single payment every page does."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.core.errors import NotFound, ServiceError
from pms_app.core.i18n import N_, gettext
from pms_app.core.realtime import notify_after_commit
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.leases.models import Lease
from pms_app.payments.models import Payment, PaymentMethod
from pms_app.properties.access import managed_property_ids, require_approved
from pms_app.properties.audience import property_audience


def require_mpesa(message: str) -> None:
    """No real Daraja credentials and no simulator: nothing can be sent, so refuse clearly."""
    if not get_settings().mpesa_enabled:
        raise ServiceError(message)


def payment_audience(session: Session, payment: Payment, tenant_id: int | None = None) -> set[int]:
    """Who sees this payment change live: the property's managers, the tenant, the payer."""
    audience = property_audience(session, payment.property_id)
    if tenant_id is None and payment.lease_id:
        lease = session.get(Lease, payment.lease_id)
        tenant_id = lease.tenant_id if lease else None
    if tenant_id:
        audience.add(tenant_id)
    if payment.initiated_by_id:
        audience.add(payment.initiated_by_id)
    return audience


def notify_payment(session: Session, payment: Payment) -> None:
    notify_after_commit(session, payment_audience(session, payment), "payments")


_PAYMENTS = Payment.__table__  # type: ignore[attr-defined]


@lru_cache(maxsize=32)
def _transition(keys: tuple[str, ...]) -> Any:
    """UPDATE payments SET <keys> WHERE id = :id AND status IN :from RETURNING *, built once per
    set of keys and run with parameters (building it with inlined values costs more than
    running it)."""
    return (
        update(_PAYMENTS)
        .where(
            _PAYMENTS.c.id == bindparam("p_id"),
            _PAYMENTS.c.status.in_(bindparam("p_from", expanding=True)),
        )
        .values({k: bindparam(f"v_{k}") for k in keys})
        .returning(*_PAYMENTS.c)
    )


def set_status(
    session: Session, payment: Payment, from_: tuple[str, ...], **values: object
) -> bool:
    """Conditional state change: True only for the one caller that moved it. The winner's object
    is refreshed from the row the UPDATE returns (one statement, no re-read)."""
    session.flush()  # the caller's pending changes first: the returned row replaces the object's
    values["updated_at"] = utcnow()
    params = {f"v_{k}": v for k, v in values.items()}
    stmt = _transition(tuple(sorted(values)))
    row = session.execute(stmt, {"p_id": payment.id, "p_from": list(from_), **params}).first()
    if row is None:
        return False
    for key, value in row._mapping.items():
        set_committed_value(payment, key, value)
    return True


def payment_label(p: Payment) -> str:
    ref = p.mpesa_receipt or p.trans_id or p.reference
    name = {
        PaymentMethod.STK: "M-Pesa",
        PaymentMethod.C2B: "M-Pesa paybill",
        PaymentMethod.CASH: "Cash",
        PaymentMethod.BANK: "Bank",
    }.get(p.method, p.method)
    return f"{name} payment" + (f" {ref}" if ref else "")


# The same label in the current language, for emails and receipts (the ledger keeps English).
_PAYMENT_WORDS = {
    PaymentMethod.STK: N_("M-Pesa payment"),
    PaymentMethod.C2B: N_("M-Pesa paybill payment"),
    PaymentMethod.CASH: N_("Cash payment"),
    PaymentMethod.BANK: N_("Bank payment"),
}


def payment_label_shown(p: Payment) -> str:
    """`payment_label` in the current language: "Malipo ya M-Pesa QAB12"."""
    ref = p.mpesa_receipt or p.trans_id or p.reference
    words = _PAYMENT_WORDS.get(p.method)  # type: ignore[call-overload]
    name = gettext(words) if words else f"{p.method} payment"
    return name + (f" {ref}" if ref else "")


def get_visible_payment(session: Session, actor: User | None, payment_id: int) -> Payment:
    """The payer's tenant, or a manager of the payment's property."""
    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None:
        raise NotFound("payment")
    lease = session.get(Lease, payment.lease_id) if payment.lease_id else None
    if lease and lease.tenant_id == user.id:
        return payment
    if payment.booking_id is not None and payment.initiated_by_id == user.id:
        return payment
    if payment.property_id is not None and payment.property_id in managed_property_ids(
        session, user
    ):
        return payment
    raise NotFound("payment")
