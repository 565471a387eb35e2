"""/simulator/phone: a pretend M-Pesa phone for the simulator (its state: phone_state.py).

Exists only when settings.uses_simulator; register it with `register_phone_page(app)`."""

from __future__ import annotations

import reflex as rx

from pms_app.core.settings import get_settings
from pms_app.simulator.access import LOCKED_MESSAGE
from pms_app.ui.shell.formatting import currency, in_currency
from pms_app.ui.shell.i18n import t
from pms_app.ui.simulator.phone_state import ROUTE, PhoneState


def _prompt_card() -> rx.Component:
    S = PhoneState
    return rx.card(
        rx.vstack(
            rx.text(
                t(
                    "Do you want to pay {currency} {amount} to {business} for account {account}?",
                    currency=currency(),
                    amount=S.current_amount,
                    business=S.current_business,
                    account=S.current_account,
                ),
                id="sim-prompt",
            ),
            rx.form(
                rx.hstack(
                    rx.input(
                        id="sim-pin",
                        aria_label=t("M-Pesa PIN"),
                        name="pin",
                        type="password",
                        placeholder=t("M-Pesa PIN"),
                        input_mode="numeric",
                        max_length=6,
                        auto_complete="off",
                        required=True,
                    ),
                    rx.button(t("Send"), type="submit", id="sim-send"),
                    spacing="2",
                    width="100%",
                ),
                method="post",
                on_submit=S.send_pin,
                reset_on_submit=True,
            ),
            rx.hstack(
                rx.button(
                    t("Cancel"),
                    type="button",
                    on_click=S.cancel,
                    variant="outline",
                    color_scheme="red",
                    id="sim-cancel",
                ),
                rx.button(
                    t("Let it time out"),
                    type="button",
                    on_click=S.let_time_out,
                    variant="soft",
                    color_scheme="gray",
                    id="sim-timeout",
                ),
                spacing="2",
            ),
            rx.text(t("Correct PIN in the simulator: 1234."), size="1", color_scheme="gray"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _pay_bill_form() -> rx.Component:
    S = PhoneState
    return rx.form(
        rx.vstack(
            rx.heading(t("Pay bill (C2B)"), size="4", as_="h2"),
            rx.input(
                id="sim-paybill",
                aria_label=t("Business (paybill) number"),
                name="paybill",
                placeholder=t("Business (paybill) number"),
                default_value=get_settings().daraja_shortcode,
                input_mode="numeric",
                required=True,
                width="100%",
            ),
            rx.input(
                id="sim-account",
                aria_label=t("Account number"),
                name="account",
                placeholder=t("Account number"),
                max_length=20,
                required=True,
                width="100%",
            ),
            rx.input(
                id="sim-amount",
                aria_label=t("Amount"),
                name="amount",
                placeholder=in_currency(t("Amount")),
                input_mode="numeric",
                required=True,
                width="100%",
            ),
            rx.button(t("Pay"), type="submit", id="sim-pay", width="100%"),
            rx.cond(
                S.c2b_error != "", rx.text(S.c2b_error, color_scheme="red", id="sim-c2b-error")
            ),
            rx.cond(
                S.c2b_notice != "", rx.text(S.c2b_notice, color_scheme="green", id="sim-c2b-notice")
            ),
            spacing="2",
            width="100%",
        ),
        method="post",
        on_submit=S.pay_bill,
        reset_on_submit=True,
        width="100%",
    )


def _history() -> rx.Component:
    S = PhoneState
    return rx.vstack(
        rx.foreach(
            S.history,
            lambda r: rx.text(
                t(
                    "{currency} {amount} to {business} ({account}): {result}",
                    currency=currency(),
                    amount=r["amount"],
                    business=r["business"],
                    account=r["account"],
                    result=r["result"],
                ),
                size="2",
            ),
        ),
        rx.foreach(
            S.c2b,
            lambda c: rx.text(
                t(
                    "Paybill {business} account {account}: {currency} {amount} ({status})",
                    business=c["business"],
                    account=c["account"],
                    currency=currency(),
                    amount=c["amount"],
                    status=c["status"],
                ),
                size="2",
            ),
        ),
        spacing="1",
        width="100%",
        id="sim-history",
    )


def _phone() -> rx.Component:
    S = PhoneState
    return rx.fragment(
        rx.form(
            rx.hstack(
                rx.input(
                    id="sim-phone",
                    aria_label=t("Phone number"),
                    name="phone",
                    type="tel",
                    placeholder="0712 345 678",
                    default_value=S.phone,
                    required=True,
                ),
                rx.button(t("Use this phone"), type="submit", id="sim-watch"),
                spacing="2",
            ),
            method="post",
            on_submit=S.watch,
            reset_on_submit=False,
        ),
        rx.cond(S.phone_error != "", rx.text(S.phone_error, color_scheme="red")),
        rx.cond(
            S.phone != "",
            rx.vstack(
                rx.hstack(
                    rx.text(t("Phone {phone}", phone=S.phone), id="sim-watching"),
                    rx.cond(S.polling, rx.badge(t("live"), color_scheme="green")),
                    rx.button(t("Forget"), on_click=S.forget, variant="ghost", size="1"),
                    align="center",
                    spacing="2",
                ),
                rx.cond(
                    S.current_id != "",
                    _prompt_card(),
                    rx.text(t("No M-Pesa prompt right now."), color_scheme="gray", id="sim-idle"),
                ),
                rx.cond(
                    S.prompts.length() > 1,  # type: ignore[attr-defined]
                    rx.vstack(
                        rx.text(t("Waiting behind it:"), size="2", weight="medium"),
                        rx.foreach(
                            S.prompts[1:],  # type: ignore[index]
                            lambda p: rx.text(
                                t(
                                    "{currency} {amount} to {business} ({account})",
                                    currency=currency(),
                                    amount=p["amount"],
                                    business=p["business"],
                                    account=p["account"],
                                ),
                                size="2",
                            ),
                        ),
                        spacing="1",
                    ),
                ),
                rx.cond(S.outcome != "", rx.callout(S.outcome, width="100%", id="sim-outcome")),
                rx.divider(),
                _pay_bill_form(),
                rx.divider(),
                _history(),
                spacing="3",
                width="100%",
            ),
        ),
    )


def phone_page() -> rx.Component:
    S = PhoneState
    return rx.el.main(
        rx.center(
            rx.vstack(
                rx.heading(t("M-Pesa phone (simulator)"), size="6"),
                rx.cond(
                    S.locked,
                    rx.callout(
                        t(LOCKED_MESSAGE), color_scheme="amber", width="100%", id="sim-locked"
                    ),
                    _phone(),
                ),
                spacing="4",
                width="100%",
                max_width="420px",
                padding="4",
            ),
            width="100%",
        )
    )


def register_phone_page(app: rx.App) -> bool:
    """Add /simulator/phone to `app` when the simulator is in use. True if added."""
    if not get_settings().uses_simulator:
        return False
    app.add_page(
        phone_page,
        route=ROUTE,
        title=t("M-Pesa phone (simulator)") + " · pms",
        on_load=PhoneState.load,
    )
    return True
