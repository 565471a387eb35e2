"""/pay's state side: one payment as the tenant reads it (status, badge label, message, receipt
link), in the reader's language. Kept apart from the page so pay.py stays a page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pms_app.core import formats
from pms_app.core.i18n import gettext
from pms_app.integrations.daraja_wire import result_message
from pms_app.payments.matching import shown_status
from pms_app.ui.shell.formatting import money, status_label

if TYPE_CHECKING:
    from pms_app.payments.lease_view import PaymentLine


def payment_view(p: PaymentLine, tz: str) -> dict[str, Any]:
    """One payment as the tenant reads it, in the reader's language (runs inside `_load`)."""
    status = shown_status(p.status, p.result_desc)
    label = status_label("voided" if status == "void" else status)
    if status == "pending":
        message = gettext("Check your phone and enter your M-Pesa PIN to complete the payment.")
    elif p.status == "paid" and p.mpesa_receipt:
        message = gettext(
            "Paid. Receipt {receipt} (M-Pesa {mpesa})", receipt=p.receipt_no, mpesa=p.mpesa_receipt
        )
    elif p.status == "paid":
        message = gettext("Paid. Receipt {receipt}", receipt=p.receipt_no)
    elif status == "counted":  # its paybill confirmation came first: counted once, not failed
        message = gettext(p.result_desc)
    elif status == "unconfirmed":  # not "failed": the money may well have moved
        label = gettext("being checked")
        message = gettext(
            "M-Pesa has not confirmed this payment yet. Your landlord is checking it against "
            "the M-Pesa statement; no need to pay again."
        )
    elif p.status == "failed":
        # result_desc holds daraja_wire's English message for the code (RESULT_MESSAGES, whose
        # Swahili is in payments_ui.po); other text shows as stored.
        message = gettext(p.result_desc or result_message(p.result_code))
    elif p.status == "void":  # a cash/bank entry made by mistake (#10.7): not "being checked"
        message = gettext(
            "Voided: recorded by mistake, it no longer counts. Receipt {receipt}.",
            receipt=p.receipt_no,
        )
    else:
        message = gettext("Received; your landlord is checking it.")
    return {
        "id": p.id,
        "status": status,
        "label": label,
        "amount": money(p.amount),
        "date": formats.moment(p.created_at, tz),
        "message": message,
        # A voided payment's receipt says VOID: the tenant can see what changed.
        "receipt_url": f"/api/receipts/{p.id}.pdf" if p.status in ("paid", "void") else "",
    }
