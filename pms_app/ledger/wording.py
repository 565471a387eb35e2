"""A ledger line's description in the reader's language.

The ledger stores its descriptions in English (they are part of the record: audits, exports to an
accountant, support); statements show them in the language of whoever reads them. Rent and late
fees are worded from their period, so the month's name follows the language too; payments,
voids and adjustments carry free text (a receipt number, a manager's reason) after a fixed
English prefix, which is the part translated — the free text stays as it was typed.
"""

from __future__ import annotations

from datetime import date

from pms_app.core import formats
from pms_app.core.i18n import N_, gettext
from pms_app.ledger.models import EntryKind

# The stored English prefixes (payments/shared.payment_label) and their msgids, longest first so
# "M-Pesa paybill payment" is not read as "M-Pesa payment".
_PAYMENT_NAMES = (
    ("M-Pesa paybill payment", N_("M-Pesa paybill payment")),
    ("M-Pesa payment", N_("M-Pesa payment")),
    ("Cash payment", N_("Cash payment")),
    ("Bank payment", N_("Bank payment")),
)
_ADJUSTMENTS = (("Charge: ", N_("Charge: {reason}")), ("Credit: ", N_("Credit: {reason}")))
_VOID = "Void of "


def _month_of(period: str) -> str | None:
    try:
        year, month = (int(part) for part in period.split("-"))
        return formats.month(date(year, month, 1))
    except ValueError:
        return None


def _payment(text: str) -> str:
    for english, msgid in _PAYMENT_NAMES:
        if text == english or text.startswith(english + " "):
            return gettext(msgid) + text[len(english) :]
    return text


def shown(kind: str, period: str, description: str) -> str:
    """`Rent December 2026` / `Kodi Desemba 2026` for a stored `Rent 2026-12`."""
    month = _month_of(period) if period else None
    if kind == EntryKind.RENT and month:
        return gettext("Rent {month}", month=month)
    if kind == EntryKind.LATE_FEE and month:
        return gettext("Late fee {month}", month=month)
    if kind == EntryKind.DEPOSIT and description == "Deposit":
        return gettext("Deposit")
    if kind == EntryKind.ADJUSTMENT:
        for prefix, msgid in _ADJUSTMENTS:
            if description.startswith(prefix):
                return gettext(msgid, reason=description[len(prefix) :])
    if kind == EntryKind.PAYMENT:
        if description.startswith(_VOID) and ": " in description:
            label, reason = description[len(_VOID) :].split(": ", 1)
            return gettext("Void of {payment}: {reason}", payment=_payment(label), reason=reason)
        return _payment(description)
    return description
