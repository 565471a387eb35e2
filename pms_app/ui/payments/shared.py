"""Pieces of /payments: the booking refunds due (#10.7). A paid booking cancelled in time owes
the booker the money back; the manager returns it (cash, bank, M-Pesa reversal) and marks it
here, which the audit trail records."""

from __future__ import annotations

import reflex as rx

from pms_app.ui.components.forms import confirm_button
from pms_app.ui.payments.payments_state import PaymentsState
from pms_app.ui.shell.i18n import t


def refunds_section() -> rx.Component:
    S = PaymentsState
    return rx.cond(
        S.refunds.length() > 0,
        rx.vstack(
            rx.heading(t("Booking refunds due"), size="5", as_="h2"),
            rx.text(
                t(
                    "These paid bookings were cancelled; the money not kept under the facility's "
                    "cancellation policy goes back to the resident. Return it, then mark it "
                    "refunded."
                ),
                size="2",
            ),
            rx.foreach(
                S.refunds,
                lambda r: rx.card(
                    rx.flex(
                        rx.text(
                            t(
                                "{number} · {facility} · {booker} · cancelled {date} · refund",
                                number=r["number"],
                                facility=r["facility"],
                                booker=r["booker"],
                                date=r["date"],
                            ),
                            " ",
                            rx.text.strong(r["amount"]),
                            size="2",
                        ),
                        confirm_button(
                            t("Mark refunded"),
                            t("Mark {number} refunded?", number=r["number"]),
                            t(
                                "Only once the money is back with the resident. This is "
                                "recorded in the audit trail with your name."
                            ),
                            S.mark_refunded(r["id"]),
                            "green",
                        ),
                        justify="between",
                        align="center",
                        wrap="wrap",
                        gap="3",
                    ),
                    width="100%",
                    class_name="refund-row",
                ),
            ),
            width="100%",
        ),
    )
