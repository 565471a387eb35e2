"""Receipt documents for paid payments."""

from __future__ import annotations

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.core import formats
from pms_app.core.errors import NotFound
from pms_app.core.settings import get_settings
from pms_app.integrations.pdf import text_pdf
from pms_app.leases.models import Lease
from pms_app.ledger import service as ledger
from pms_app.payments.models import PaymentStatus
from pms_app.payments.shared import get_visible_payment, payment_label
from pms_app.properties.models import Property, Unit


def receipt_pdf(session: Session, actor: User | None, payment_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) for a paid payment the actor may see."""
    payment = get_visible_payment(session, actor, payment_id)
    # A voided payment keeps its receipt, marked VOID: a copy already handed out stays explainable.
    voided = payment.status == PaymentStatus.VOID
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.VOID) or payment.lease_id is None:
        raise NotFound("receipt")
    lease = session.get(Lease, payment.lease_id)
    assert lease is not None
    tenant = session.get(User, lease.tenant_id)
    prop = session.get(Property, lease.property_id)
    unit = session.get(Unit, lease.unit_id)
    settings = get_settings()
    tz = prop.timezone if prop else None
    paid_at = formats.moment(payment.paid_at or payment.created_at, tz)
    bal = ledger.balance(session, lease.id or 0)
    lines = [
        ("VOID - this payment was voided" if voided else "Payment receipt", 20, True),
        (f"Receipt no. {payment.receipt_no}", 12, True),
        ("", 10, False),
        (f"Received from: {tenant.full_name if tenant else ''}", 11, False),
        (f"Property: {prop.name if prop else ''}, unit {unit.label if unit else ''}", 11, False),
        (f"Account: {lease.account_ref}", 11, False),
        (f"Amount: {settings.currency} {payment.amount:,}", 14, True),
        (f"Paid: {paid_at} ({formats.zone(tz).key})", 11, False),
        (f"Method: {payment_label(payment)}", 11, False),
        ("", 10, False),
        (
            f"Balance on the account today: {settings.currency} {bal:,}"
            if bal >= 0
            else f"Credit on the account today: {settings.currency} {-bal:,}",
            11,
            False,
        ),
        ("", 10, False),
        ("Issued by pms on behalf of the property's management.", 9, False),
    ]
    return f"receipt-{payment.receipt_no}.pdf", text_pdf(
        lines, title=f"Receipt {payment.receipt_no}"
    )
