"""Pieces of /payments: M-Pesa payments to check before crediting, the lease suggested for
unallocated paybill money (#11.2: one click to credit it there), and the booking refunds due
(#10.7). A paid booking cancelled in time owes the booker the money back; the manager returns it
(cash, bank, M-Pesa reversal) and marks it here, which the audit trail records. And STK payments
M-Pesa never confirmed either way (#11.7): mark paid (a dialog asks for the receipt number from
the M-Pesa statement) or failed (confirmed first); state: unconfirmed_state.UnconfirmedMixin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from pms_app.ui.components.forms import confirm_button, field, submit_button, write_form
from pms_app.ui.payments.payments_state import PaymentsState
from pms_app.ui.payments.unconfirmed_state import RECEIPT_FIELD
from pms_app.ui.shell.formatting import currency
from pms_app.ui.shell.i18n import t


def _queue(
    rows: Any,
    heading: Any,
    intro: Any,
    row: Callable[[Any], tuple[rx.Component, rx.Component]],
    row_class: str,
) -> rx.Component:
    """A list a manager works through: its heading, what to do, and a card per item, what it is
    on the left and its actions on the right (below it on a phone). Nothing when it is empty."""

    def card(r: Any) -> rx.Component:
        what, actions = row(r)
        return rx.card(
            rx.flex(what, actions, justify="between", align="center", wrap="wrap", gap="3"),
            width="100%",
            class_name=row_class,
        )

    return rx.cond(
        rows.length() > 0,
        rx.vstack(
            rx.heading(heading, size="5", as_="h2"),
            rx.text(intro, size="2"),
            rx.foreach(rows, card),
            width="100%",
        ),
    )


def refunds_section() -> rx.Component:
    S = PaymentsState
    return _queue(
        S.refunds,
        t("Booking refunds due"),
        t(
            "These paid bookings were cancelled; the money not kept under the facility's "
            "cancellation policy goes back to the resident. Return it, then mark it "
            "refunded."
        ),
        lambda r: (
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
        ),
        "refund-row",
    )


def reviews_section() -> rx.Component:
    S = PaymentsState
    return _queue(
        S.reviews,
        t("Payments to check"),
        t(
            "M-Pesa confirmed these payments but something did not match the request. "
            "Check each against your M-Pesa statement before crediting it."
        ),
        lambda r: (
            rx.vstack(
                rx.text(r["date"], " · ", r["who"], " · ", r["phone"], size="2"),
                rx.text(
                    t("M-Pesa reports"),
                    " ",
                    rx.text.strong(currency() + " " + r["paid"].to(str)),
                    rx.cond(
                        r["differs"],
                        rx.fragment(
                            " ",
                            t(
                                "(asked {amount})",
                                amount=currency() + " " + r["asked"].to(str),
                            ),
                        ),
                    ),
                    rx.cond(
                        r["receipt"] != "",
                        rx.fragment(
                            " · ",
                            t("receipt {receipt}", receipt=r["receipt"].to(str)),
                        ),
                    ),
                ),
                rx.text(r["why"], size="2", color_scheme="orange"),
                spacing="1",
            ),
            rx.hstack(
                confirm_button(
                    t("Credit {amount}", amount=currency() + " " + r["paid"].to(str)),
                    t(
                        "Credit {amount} to this tenant?",
                        amount=currency() + " " + r["paid"].to(str),
                    ),
                    t("Only if the money is on your M-Pesa statement. A receipt is sent."),
                    S.resolve(r["id"], True),
                    "green",
                ),
                confirm_button(
                    t("Reject"),
                    t("Reject this payment?"),
                    t("Nothing is credited. Refund the payer through M-Pesa if needed."),
                    S.resolve(r["id"], False),
                    "red",
                ),
                spacing="2",
            ),
        ),
        "review-row",
    )


def suggestion(p: Any) -> rx.Component:
    """Under an unallocated payment: the lease it is probably for, why, and one button that
    credits it there (a write form: a double click writes once). Nothing when none stands out."""
    S = PaymentsState
    form_id = "suggest-" + p["id"].to_string()
    return rx.cond(
        p["suggested_id"] != "",
        write_form(
            rx.hstack(
                rx.text(
                    t("Suggested: {lease}", lease=p["suggested"].to(str)),
                    " (",
                    p["suggested_why"],
                    ")",
                    size="2",
                    class_name="suggested-lease",
                ),
                rx.el.input(type="hidden", name="payment_id", value=p["id"].to_string()),
                rx.el.input(type="hidden", name="lease_id", value=p["suggested_id"].to(str)),
                submit_button(
                    t("Confirm and credit"),
                    S,
                    form_id,
                    size="1",
                    color_scheme="green",
                    aria_label=t("Credit to {lease}", lease=p["suggested"].to(str)),
                ),
                wrap="wrap",
                align="center",
            ),
            state=S,
            form_id=form_id,
            on_submit=S.accept_suggestion,
        ),
    )


CONFIRM_FORM = "unconfirmed-form"


def unconfirmed_section() -> rx.Component:
    S = PaymentsState
    return _queue(
        S.unconfirmed,
        t("Unconfirmed M-Pesa payments"),
        t(
            "M-Pesa never confirmed these payments either way. Look each one up on your "
            "M-Pesa statement: mark it paid with its receipt number, or failed if the "
            "money is not there."
        ),
        lambda r: (
            rx.text(
                r["date"],
                " · ",
                r["who"],
                " · ",
                r["phone"],
                " · ",
                rx.text.strong(r["amount"]),
                size="2",
            ),
            rx.hstack(
                rx.button(
                    t("Mark paid"),
                    size="1",
                    color_scheme="green",
                    type="button",
                    on_click=S.open_confirm(r["id"], r["amount"]),
                    class_name="mark-paid",
                ),
                confirm_button(
                    t("Mark failed"),
                    t("Mark this payment failed?"),
                    t(
                        "Only if the money is not on your M-Pesa statement. Nothing "
                        "is credited; this is recorded in the audit trail."
                    ),
                    S.mark_unconfirmed_failed(r["id"]),
                    "red",
                ),
                spacing="2",
            ),
        ),
        "unconfirmed-row",
    )


def confirm_dialog() -> rx.Component:
    S = PaymentsState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Mark this payment paid?")),
            rx.dialog.description(
                t(
                    "{amount}: type the receipt number the M-Pesa statement shows for it. The "
                    "tenant is credited once and gets a receipt; the audit trail records it.",
                    amount=S.confirm_label,
                ),
            ),
            write_form(
                rx.vstack(
                    field(
                        t("M-Pesa receipt number"),
                        RECEIPT_FIELD,
                        S.errors,
                        required=False,  # the server's message shows beside the field
                        hint="NLJ7RT61SV",
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                        submit_button(
                            t("Mark paid"), S, CONFIRM_FORM, color_scheme="green", id="confirm-paid"
                        ),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                state=S,
                form_id=CONFIRM_FORM,
                on_submit=S.mark_unconfirmed_paid,
                reset_on_submit=False,
            ),
        ),
        open=S.confirm_id != 0,
        on_open_change=S.confirm_open_change,
    )
