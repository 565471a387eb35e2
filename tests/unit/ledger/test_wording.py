"""Statements show each stored (English) ledger description in the reader's language."""

from __future__ import annotations

import pytest

from pms_app.core.i18n import use_language
from pms_app.ledger.models import EntryKind
from pms_app.ledger.wording import shown

CASES = [
    (EntryKind.RENT, "2026-12", "Rent 2026-12", "Rent December 2026", "Kodi ya Desemba 2026"),
    (
        EntryKind.LATE_FEE,
        "2026-11",
        "Late fee 2026-11",
        "Late fee November 2026",
        "Faini ya kuchelewa ya Novemba 2026",
    ),
    (EntryKind.DEPOSIT, "", "Deposit", "Deposit", "Amana"),
    (
        EntryKind.ADJUSTMENT,
        "",
        "Charge: Broken window",
        "Charge: Broken window",
        "Tozo: Broken window",
    ),
    (EntryKind.ADJUSTMENT, "", "Credit: Goodwill", "Credit: Goodwill", "Salio: Goodwill"),
    (
        EntryKind.PAYMENT,
        "",
        "M-Pesa payment QAB12",
        "M-Pesa payment QAB12",
        "Malipo ya M-Pesa QAB12",
    ),
    (EntryKind.PAYMENT, "", "Cash payment", "Cash payment", "Malipo ya pesa taslimu"),
    (
        EntryKind.PAYMENT,
        "",
        "Void of M-Pesa paybill payment QX1: entered twice",
        "Void of M-Pesa paybill payment QX1: entered twice",
        "Kufutwa kwa Malipo ya M-Pesa paybill QX1: entered twice",
    ),
    # Text the app did not write in a known shape stays as stored.
    (EntryKind.ADJUSTMENT, "", "Opening balance", "Opening balance", "Opening balance"),
    (EntryKind.RENT, "", "Rent", "Rent", "Rent"),
]


@pytest.mark.parametrize(("kind", "period", "stored", "english", "swahili"), CASES)
def test_a_stored_description_reads_in_each_language(
    kind: str, period: str, stored: str, english: str, swahili: str
) -> None:
    with use_language("en"):
        assert shown(kind, period, stored) == english
    with use_language("sw"):
        assert shown(kind, period, stored) == swahili
