"""The page for an address the app does not have (Reflex's "404" route): say so, offer a way on."""

from __future__ import annotations

import reflex as rx

from pms_app.ui.components.layout import public_shell
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.session import SessionState


def not_found_page() -> rx.Component:
    return public_shell(
        rx.vstack(
            rx.text("404", size="9", weight="bold", color_scheme="teal", id="not-found-code"),
            rx.heading(t("Page not found"), size="7", id="not-found-title"),
            rx.text(
                t(
                    "There is no page at this address. It may have moved, or the link may be mistyped."
                ),
                color_scheme="gray",
            ),
            rx.hstack(
                # A link styled as a button (as_child), not a button inside a link: one control.
                rx.cond(
                    SessionState.logged_in,
                    rx.button(
                        rx.link(t("Go to your dashboard"), href="/dashboard"),
                        as_child=True,
                        size="3",
                    ),
                    rx.fragment(
                        rx.button(
                            rx.link(t("Go to the home page"), href="/"), as_child=True, size="3"
                        ),
                        rx.link(t("Log in"), href="/login"),
                    ),
                ),
                align="center",
                spacing="4",
                wrap="wrap",
                id="not-found-links",
            ),
            spacing="3",
            align="start",
            width="100%",
        )
    )
