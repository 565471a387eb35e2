"""Home, about and contact."""

from __future__ import annotations

import reflex as rx

from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.session import SessionState


def index_page() -> rx.Component:
    return public_shell(
        rx.heading(t("Property management without the spreadsheet"), size="8"),
        rx.text(
            t(
                "Landlords, managers and caretakers keep properties, units and tenants in one "
                "place: a rent ledger per lease, rent paid by M-Pesa (a prompt on the tenant's "
                "phone or the paybill), receipts, rent reminders and bookings of shared "
                "facilities such as the hall. Tenants see what they owe and pay from their phone."
            ),
            size="4",
        ),
        rx.cond(
            SessionState.logged_in,
            rx.button(
                rx.link(t("Go to your dashboard"), href="/dashboard"), size="3", as_child=True
            ),
            rx.hstack(
                rx.button(rx.link(t("I'm a landlord"), href="/signup"), size="3", as_child=True),
                rx.button(
                    rx.link(t("I'm a tenant"), href="/signup/tenant"),
                    size="3",
                    variant="outline",
                    as_child=True,
                ),
                rx.link(t("Log in"), href="/login"),
                align="center",
                spacing="4",
                wrap="wrap",
            ),
        ),
    )


def about_page() -> rx.Component:
    return public_shell(
        rx.heading(t("About pms"), size="7"),
        rx.text(
            t(
                "pms is a self-hosted property-management app for landlords, managers, estate "
                "committees, caretakers and tenants. It runs on your own server; your data stays "
                "with you."
            )
        ),
    )


def contact_page() -> rx.Component:
    return public_shell(
        rx.heading(t("Contact"), size="7"),
        rx.text(t("Tenants: contact your landlord or property manager first.")),
        rx.text(t("Landlords: write to the administrator of this pms installation.")),
    )
