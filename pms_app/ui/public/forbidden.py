"""The "no access" view: a member page this role may not see (ui/shell/access.py), shown in
his own role's chrome instead of the page body, with the way home."""

from __future__ import annotations

import reflex as rx

from pms_app.ui.components.layout import app_shell
from pms_app.ui.shell.session import SessionState


def forbidden_view() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.heading("You don't have access to this page", size="7", id="forbidden-title"),
            rx.text(
                "This page is for another role. Ukurasa huu si wako.",
                color_scheme="gray",
            ),
            rx.button(rx.link("Go to your home", href="/dashboard"), as_child=True, size="3"),
            spacing="3",
            align="start",
            width="100%",
            id="forbidden",
        ),
    )  # no shell title: the sentence above is the page's one h1


def guarded(page: rx.Component) -> rx.Component:
    """The page body, or the "no access" view when `_enter` found the role not allowed."""
    return rx.cond(SessionState.forbidden, forbidden_view(), page)
