"""The app shell: navbar (name, role, approvals count), role sidebar, footer."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.core.i18n import LANGUAGES, N_
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.session import SessionState

# What those who manage properties see (landlords add properties; admins also see /admin).
_MANAGING: list[tuple[str, str]] = [
    (N_("Dashboard"), "/dashboard"),
    (N_("Tenants"), "/tenants"),
    (N_("Units"), "/units"),
    (N_("Payments"), "/payments"),
    (N_("Facilities"), "/facilities"),
]
_APPROVALS = (N_("Approvals"), "/approvals")

NAV_BY_ROLE: dict[str, list[tuple[str, str]]] = {
    "landlord": [*_MANAGING, (N_("Add property"), "/properties/new"), _APPROVALS],
    "manager": [*_MANAGING, _APPROVALS],
    "staff": [(N_("Dashboard"), "/dashboard"), (N_("Facilities"), "/facilities")],
    "tenant": [
        (N_("My home"), "/dashboard"),
        (N_("Rent"), "/pay"),
        (N_("Facilities"), "/facilities"),
        (N_("My bookings"), "/bookings"),
    ],
    "admin": [(N_("Admin"), "/admin"), *_MANAGING, _APPROVALS],
}


def _nav_links(direction: str = "column") -> rx.Component:
    def links_for(role: str) -> rx.Component:
        items = NAV_BY_ROLE[role] + [(N_("Profile"), "/profile")]
        return rx.flex(
            *[
                rx.link(t(label), href=href, class_name="nav-link", size="3")
                for label, href in items
            ],
            direction=direction,  # type: ignore[arg-type]
            spacing="3",
            wrap="wrap",
        )

    return rx.match(
        SessionState.user_role,
        *[(role, links_for(role)) for role in NAV_BY_ROLE],
        rx.fragment(),
    )


ROLE_NAMES = {
    "admin": N_("admin"),
    "landlord": N_("landlord"),
    "manager": N_("manager"),
    "staff": N_("staff"),
    "tenant": N_("tenant"),
}


def role_name(role: Any) -> Any:
    """A role's name in the reader's language (the role var holds its code)."""
    return rx.match(role, *[(code, t(name)) for code, name in ROLE_NAMES.items()], role)


def approvals_badge() -> rx.Component:
    return rx.cond(
        SessionState.is_manager,
        rx.link(
            rx.hstack(
                rx.icon("bell", size=18),
                rx.cond(
                    SessionState.pending_approvals > 0,
                    rx.badge(
                        SessionState.pending_approvals,
                        color_scheme="red",
                        id="approvals-count",
                    ),
                ),
                spacing="1",
                align="center",
            ),
            href="/approvals",
            aria_label=t("Pending approvals"),
        ),
    )


def language_menu() -> rx.Component:
    """English / Kiswahili, for everyone: saved in this browser, and on the account once he is
    logged in (SessionState.set_language). Each language is named in itself."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("languages", size=16),
                rx.text(t("Language"), class_name="language-label"),
                variant="ghost",
                size="2",
                id="language-menu",
                aria_label=t("Language"),
            )
        ),
        rx.menu.content(
            *[
                rx.menu.item(
                    name,
                    on_click=SessionState.set_language(code),
                    id=f"language-{code}",
                    lang=code,
                )
                for code, name in LANGUAGES.items()
            ]
        ),
    )


def navbar() -> rx.Component:
    return rx.hstack(
        # Not a heading: each page has its own single h1.
        rx.link(rx.text("pms", size="6", weight="bold"), href="/", underline="none"),
        rx.spacer(),
        language_menu(),
        rx.cond(
            SessionState.logged_in,
            rx.hstack(
                approvals_badge(),
                rx.vstack(
                    rx.text(
                        SessionState.user_name,
                        weight="bold",
                        size="2",
                        id="nav-user-name",
                    ),
                    rx.badge(role_name(SessionState.user_role), variant="soft", id="nav-user-role"),
                    spacing="0",
                    align="end",
                ),
                rx.button(t("Log out"), on_click=SessionState.logout, variant="outline", size="2"),
                spacing="4",
                align="center",
            ),
            rx.hstack(
                rx.link(t("Log in"), href="/login"),
                rx.button(rx.link(t("Sign up"), href="/signup"), size="2", as_child=True),
                spacing="4",
                align="center",
            ),
        ),
        padding_x="1.5em",
        padding_y="0.8em",
        border_bottom="1px solid var(--gray-a5)",
        width="100%",
        align="center",
    )


def failure_banner() -> rx.Component:
    """An unexpected server error, on every page (SessionState.unexpected_error): in sight (a
    toast on phones), dismissable, gone on the next page."""
    return rx.cond(
        SessionState.failure != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle_alert")),
            rx.callout.text(
                SessionState.failure,
                " ",
                rx.button(
                    t("Dismiss"), on_click=SessionState.dismiss_failure, size="1", variant="ghost"
                ),
            ),
            color_scheme="red",
            role="alert",
            id="unexpected-failure",
            class_name="pms-toast pms-alert",
            margin="0.8em 1.5em 0",
        ),
    )


def footer() -> rx.Component:
    return rx.hstack(
        rx.text(t("pms — property management"), size="1", color_scheme="gray"),
        rx.spacer(),
        rx.link(t("About"), href="/about", size="1"),
        rx.link(t("Contact"), href="/contact", size="1"),
        padding="1.5em",
        border_top="1px solid var(--gray-a5)",
        width="100%",
    )


def app_shell(*children: rx.Component, title: Any = "") -> rx.Component:
    """Logged-in page: navbar, sidebar by role (a link row on phones), content, footer."""
    content = rx.vstack(
        rx.cond(title != "", rx.heading(title, size="7", as_="h1")),  # the page's one h1
        *children,
        spacing="5",
        width="100%",
        padding="1.5em",
        max_width="1100px",
    )
    return rx.vstack(
        navbar(),
        failure_banner(),
        rx.mobile_only(
            rx.el.nav(_nav_links("row"), aria_label=t("Main"), style={"padding": "0.8em 1.5em 0"})
        ),
        rx.hstack(
            rx.tablet_and_desktop(
                rx.el.nav(
                    _nav_links("column"),
                    aria_label=t("Sidebar"),
                    min_width="180px",
                    padding="1.5em",
                    border_right="1px solid var(--gray-a5)",
                    min_height="70vh",
                )
            ),
            rx.el.main(content, style={"width": "100%"}),
            width="100%",
            align="start",
            spacing="0",
        ),
        footer(),
        spacing="0",
        min_height="100vh",
        width="100%",
    )


def public_shell(*children: rx.Component) -> rx.Component:
    """Pages for anyone (login, signup, about): navbar, a centred column, footer."""
    return rx.vstack(
        navbar(),
        failure_banner(),
        rx.el.main(
            rx.center(
                rx.vstack(*children, spacing="4", width="100%", max_width="480px", padding="1.5em"),
                width="100%",
            ),
            style={"width": "100%", "flex": "1"},
        ),
        footer(),
        spacing="0",
        min_height="100vh",
        width="100%",
    )


def figure(value: Any, size: str = "6", id_: str = "") -> rx.Component:
    """A big number (a balance, the month's total): bold text, not a heading (one h1 a page)."""
    return rx.text(value, size=size, weight="bold", id=id_ or None)  # type: ignore[arg-type]


def empty_state(message: Any, action_label: Any = "", href: str = "") -> rx.Component:
    # Inline children only: the callout's text is a <p>, and a <div> (an hstack) or a <p> in it
    # is moved out by the browser's parser, so the page no longer hydrates (React #418).
    return rx.callout.root(
        rx.callout.icon(rx.icon("info")),
        rx.callout.text(
            rx.el.span(message),
            rx.cond(
                action_label != "",
                rx.link(action_label, href=href, weight="bold", margin_left="0.75em"),
            ),
        ),
        width="100%",
    )


def not_found_view(message: Any, action_label: Any, href: str) -> rx.Component:
    """A detail page whose object is missing or not the reader's: still one h1 saying so."""
    return rx.vstack(
        rx.heading(t("Not found"), size="7", as_="h1", id="not-found-title"),
        empty_state(message, action_label, href),
        spacing="4",
        width="100%",
    )
