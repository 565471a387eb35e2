"""The floor: a bare Reflex app with the same shape as what bench/ui_latency.py measures in pms.

Two pages linked by `a.nav-link`s like pms's nav bar (/dashboard and /payments, no on_load, no
database) and one cheap event: the Cards/Table switch (`#view-cards`, `#view-table`) flipping a
var that re-renders a list. Whatever pms costs beyond this is pms's own.
"""

import reflex as rx

ROWS = [f"Property {i}" for i in range(1, 4)]


class FloorState(rx.State):
    view: str = "cards"

    @rx.event
    def set_view(self, value: str | list[str]) -> None:
        self.view = value if isinstance(value, str) else value[0]


def nav() -> rx.Component:
    return rx.hstack(
        rx.link("Dashboard", href="/dashboard", class_name="nav-link"),
        rx.link("Payments", href="/payments", class_name="nav-link"),
    )


def dashboard() -> rx.Component:
    return rx.vstack(
        nav(),
        rx.heading("Dashboard"),
        rx.segmented_control.root(
            rx.segmented_control.item("Cards", value="cards", id="view-cards"),
            rx.segmented_control.item("Table", value="table", id="view-table"),
            value=FloorState.view,
            on_change=FloorState.set_view,
        ),
        rx.cond(
            FloorState.view == "cards",
            rx.hstack(*[rx.card(r) for r in ROWS]),
            rx.vstack(*[rx.text(r) for r in ROWS]),
        ),
    )


def payments() -> rx.Component:
    return rx.vstack(nav(), rx.heading("Payments"), rx.text("No payments."))


app = rx.App()
app.add_page(dashboard, route="/dashboard")
app.add_page(payments, route="/payments")
