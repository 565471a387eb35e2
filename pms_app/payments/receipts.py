"""Receipt documents for paid payments."""

from __future__ import annotations

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.core import formats
from pms_app.core.errors import NotFound
from pms_app.core.i18n import gettext, use_language
from pms_app.integrations.pdf import text_pdf
from pms_app.leases.models import Lease
from pms_app.ledger import service as ledger
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.shared import get_visible_payment, payment_label_shown
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
    # In the tenant's language, whoever downloads it (a manager prints it for him).
    with use_language(tenant.language if tenant else ""):
        lines, title = _lines(session, payment, lease, tenant, voided)
    return f"receipt-{payment.receipt_no}.pdf", text_pdf(lines, title=title)


def _lines(
    session: Session, payment: Payment, lease: Lease, tenant: User | None, voided: bool
) -> tuple[list[tuple[str, int, bool]], str]:
    """The receipt's (text, size, bold) lines and title, in the current language."""
    prop = session.get(Property, lease.property_id)
    unit = session.get(Unit, lease.unit_id)
    tz = prop.timezone if prop else None
    paid_at = formats.moment(payment.paid_at or payment.created_at, tz)
    bal = ledger.balance(session, lease.id or 0)
    receipt = payment.receipt_no
    lines = [
        (
            gettext("VOID - this payment was voided") if voided else gettext("Payment receipt"),
            20,
            True,
        ),
        (gettext("Receipt no. {receipt}", receipt=receipt), 12, True),
        ("", 10, False),
        (gettext("Received from: {name}", name=tenant.full_name if tenant else ""), 11, False),
        (
            gettext(
                "Property: {property}, unit {unit}",
                property=prop.name if prop else "",
                unit=unit.label if unit else "",
            ),
            11,
            False,
        ),
        (gettext("Account: {account}", account=lease.account_ref), 11, False),
        (gettext("Amount: {amount}", amount=formats.money(payment.amount)), 14, True),
        (gettext("Paid: {paid} ({zone})", paid=paid_at, zone=formats.zone(tz).key), 11, False),
        (gettext("Method: {method}", method=payment_label_shown(payment)), 11, False),
        ("", 10, False),
        (
            gettext("Balance on the account today: {amount}", amount=formats.money(bal))
            if bal >= 0
            else gettext("Credit on the account today: {amount}", amount=formats.money(-bal)),
            11,
            False,
        ),
        ("", 10, False),
        (gettext("Issued by pms on behalf of the property's management."), 9, False),
    ]
    return lines, gettext("Receipt {receipt}", receipt=receipt)
