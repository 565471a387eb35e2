"""The app shell: navbar (name, role, approvals count), role sidebar, footer."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.ui.shell.session import SessionState

NAV_BY_ROLE: dict[str, list[tuple[str, str]]] = {
    "landlord": [
        ("Dashboard", "/dashboard"),
        ("Tenants", "/tenants"),
        ("Units", "/units"),
        ("Payments", "/payments"),
        ("Facilities", "/facilities"),
        ("Add property", "/properties/new"),
        ("Approvals", "/approvals"),
    ],
    "manager": [
        ("Dashboard", "/dashboard"),
        ("Tenants", "/tenants"),
        ("Units", "/units"),
        ("Payments", "/payments"),
        ("Facilities", "/facilities"),
        ("Approvals", "/approvals"),
    ],
    "staff": [("Dashboard", "/dashboard"), ("Facilities", "/facilities")],
    "tenant": [
        ("My home", "/dashboard"),
        ("Rent", "/pay"),
        ("Facilities", "/facilities"),
        ("My bookings", "/bookings"),
    ],
    "admin": [
        ("Admin", "/admin"),
        ("Dashboard", "/dashboard"),
        ("Tenants", "/tenants"),
        ("Units", "/units"),
        ("Payments", "/payments"),
        ("Facilities", "/facilities"),
        ("Approvals", "/approvals"),
    ],
}


def _nav_links(direction: str = "column") -> rx.Component:
    def links_for(role: str) -> rx.Component:
        items = NAV_BY_ROLE[role] + [("Profile", "/profile")]
        return rx.flex(
            *[rx.link(label, href=href, class_name="nav-link", size="3") for label, href in items],
            direction=direction,  # type: ignore[arg-type]
            spacing="3",
            wrap="wrap",
        )

    return rx.match(
        SessionState.user_role,
        *[(role, links_for(role)) for role in NAV_BY_ROLE],
        rx.fragment(),
    )


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
            aria_label="Pending approvals",
        ),
    )


def navbar() -> rx.Component:
    return rx.hstack(
        # Not a heading: each page has its own single h1.
        rx.link(rx.text("pms", size="6", weight="bold"), href="/", underline="none"),
        rx.spacer(),
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
                    rx.badge(SessionState.user_role, variant="soft", id="nav-user-role"),
                    spacing="0",
                    align="end",
                ),
                rx.button("Log out", on_click=SessionState.logout, variant="outline", size="2"),
                spacing="4",
                align="center",
            ),
            rx.hstack(
                rx.link("Log in", href="/login"),
                rx.button(rx.link("Sign up", href="/signup"), size="2", as_child=True),
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


def footer() -> rx.Component:
    return rx.hstack(
        rx.text("pms — property management", size="1", color_scheme="gray"),
        rx.spacer(),
        rx.link("About", href="/about", size="1"),
        rx.link("Contact", href="/contact", size="1"),
        padding="1.5em",
        border_top="1px solid var(--gray-a5)",
        width="100%",
    )


def app_shell(*children: rx.Component, title: str = "") -> rx.Component:
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
        rx.mobile_only(
            rx.el.nav(_nav_links("row"), aria_label="Main", style={"padding": "0.8em 1.5em 0"})
        ),
        rx.hstack(
            rx.tablet_and_desktop(
                rx.el.nav(
                    _nav_links("column"),
                    aria_label="Sidebar",
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


def empty_state(message: str, action_label: str = "", href: str = "") -> rx.Component:
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


def not_found_view(message: str, action_label: str, href: str) -> rx.Component:
    """A detail page whose object is missing or not the reader's: still one h1 saying so."""
    return rx.vstack(
        rx.heading("Not found", size="7", as_="h1", id="not-found-title"),
        empty_state(message, action_label, href),
        spacing="4",
        width="100%",
    )
