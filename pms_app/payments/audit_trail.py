"""Reading the audit trail of payments (#10.7): who voided a payment, when, why, and what it
counted before and after. Only the property's landlord and managers (and the admin) read it,
as only they may void; everyone else gets NotFound, as for the payment itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core import audit
from pms_app.core.errors import NotFound
from pms_app.leases import service as leases
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.shared import payment_label_shown
from pms_app.properties.access import managed_property_ids, require_approved


@dataclass(frozen=True)
class AuditLine:
    payment_id: int
    at: datetime  # UTC: pages show it through core/formats in the property's timezone
    actor: str  # the person's name ("" if the account is gone)
    action: str  # "void"
    reason: str
    payment: str  # "cash (slip 1)", as receipts name it
    # What the payment counted towards "collected" before and after (a void: amount → 0).
    before_amount: int
    after_amount: int


def _counted(snapshot: dict[str, Any]) -> int:
    amount = snapshot.get("amount")
    paid = snapshot.get("status") == PaymentStatus.PAID
    return amount if paid and isinstance(amount, int) else 0


def _lines(session: Session, payments: list[Payment]) -> list[AuditLine]:
    by_id = {p.id or 0: p for p in payments}
    events = audit.histories(session, "payment", list(by_id))
    actor_ids = {e.actor_user_id for e in events if e.actor_user_id is not None}
    names = dict(
        session.exec(select(User.id, User.full_name).where(col(User.id).in_(actor_ids))).all()
    )
    return [
        AuditLine(
            e.object_id,
            e.at,
            names.get(e.actor_user_id, "") if e.actor_user_id is not None else "",
            e.action,
            e.reason,
            payment_label_shown(by_id[e.object_id]),  # the reader's language
            _counted(e.before),
            _counted(e.after),
        )
        for e in events
    ]


def payment_history(session: Session, actor: User | None, payment_id: int) -> list[AuditLine]:
    """One payment's trail, oldest first, for a manager of its property."""
    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None or payment.property_id not in managed_property_ids(session, user):
        raise NotFound("payment")
    return _lines(session, [payment])


def lease_history(session: Session, actor: User | None, lease_id: int) -> list[AuditLine]:
    """The trail of every payment of a lease, oldest first, for the property's managers."""
    lease = leases.get_managed_lease(session, actor, lease_id)
    payments = list(session.exec(select(Payment).where(Payment.lease_id == lease.id)).all())
    return _lines(session, payments)
