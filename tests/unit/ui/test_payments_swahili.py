"""#10.12: what the Pay page's state builds for a payment (status badge, the message under it)
comes in the reader's language; English stays as the journeys read it."""

from __future__ import annotations

from datetime import UTC, datetime

from pms_app.core.i18n import use_language
from pms_app.integrations.daraja_wire import result_message
from pms_app.payments.lease_view import PaymentLine
from pms_app.ui.payments.pay_state import payment_view


def _line(status: str, code: str = "", desc: str = "", mpesa: str = "") -> PaymentLine:
    when = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    return PaymentLine(7, when, 1_500, "mpesa_stk", status, "RCP-7", mpesa, code, desc, "")


def test_a_payment_reads_in_swahili() -> None:
    cancelled = _line("failed", "1032", result_message("1032"))
    with use_language("sw"):
        pending = payment_view(_line("pending"), "Africa/Nairobi")
        paid = payment_view(_line("paid", mpesa="QAB12"), "Africa/Nairobi")
        failed = payment_view(cancelled, "Africa/Nairobi")
        void = payment_view(_line("void"), "Africa/Nairobi")
    assert (pending["label"], pending["message"]) == (
        "inasubiri",
        "Angalia simu yako na uweke PIN yako ya M-Pesa ili kukamilisha malipo.",
    )
    assert paid["message"] == "Imelipwa. Risiti RCP-7 (M-Pesa QAB12)"
    assert (failed["label"], failed["message"]) == ("imeshindikana", "Ulighairi ombi la M-Pesa.")
    assert void["label"] == "imebatilishwa"
    assert void["message"].startswith("Yamebatilishwa") and "RCP-7" in void["message"]
    assert "Mac 2026" in pending["date"]  # the month's Swahili name


def test_english_is_the_default() -> None:
    paid = payment_view(_line("paid"), "Africa/Nairobi")
    failed = payment_view(_line("failed", "1032", result_message("1032")), "Africa/Nairobi")
    assert (paid["label"], paid["message"]) == ("paid", "Paid. Receipt RCP-7")
    assert failed["message"] == "You cancelled the M-Pesa prompt."
