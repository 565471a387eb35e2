"""/facility?id=…: the day calendar (slots, the week around it), booking and the waiting list;
the manager's tools below."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.ui.bookings.facility_state import FacilityState
from pms_app.ui.bookings.shared import facility_fields
from pms_app.ui.components.forms import (
    confirm_submit,
    field_error,
    form_error,
    form_notice,
    submit_button,
    write_form,
)
from pms_app.ui.components.layout import app_shell, not_found_view
from pms_app.ui.shell.i18n import t


def _slot_button(slot: Any) -> rx.Component:
    S = FacilityState
    return rx.match(
        slot["state"],
        (
            "free",
            rx.button(
                slot["label"],
                on_click=S.choose(slot["start"]),
                color_scheme="green",
                variant=rx.cond(S.selected == slot["start"], "solid", "soft"),
                class_name="slot-free",
            ),
        ),
        (
            "taken",
            rx.hstack(
                rx.button(
                    slot["label"],
                    disabled=True,
                    variant="soft",
                    color_scheme="gray",
                    class_name="slot-taken",
                ),
                rx.button(
                    t("Join waiting list"),
                    size="1",
                    variant="ghost",
                    on_click=S.join_waitlist(slot["start"]),
                    class_name="join-waitlist",
                ),
                spacing="1",
            ),
        ),
        (
            "mine",
            rx.button(
                t("{slot} · yours", slot=slot["label"]),
                disabled=True,
                color_scheme="blue",
                variant="soft",
                class_name="slot-mine",
            ),
        ),
        (
            "blocked",
            rx.button(
                t("{slot} · closed", slot=slot["label"]),
                disabled=True,
                color_scheme="orange",
                variant="soft",
            ),
        ),
        rx.button(slot["label"], disabled=True, variant="ghost", color_scheme="gray"),
    )


def _manager_tools() -> rx.Component:
    S = FacilityState
    return rx.cond(
        S.manager,
        rx.vstack(
            rx.hstack(
                rx.heading(t("Bookings this day"), size="4", as_="h3"),
                rx.button(t("Export CSV"), variant="outline", size="1", on_click=S.export_csv),
                align="center",
            ),
            rx.cond(
                S.day_bookings.length() == 0,
                rx.text(t("No bookings this day."), size="2", color_scheme="gray"),
                rx.vstack(
                    rx.foreach(
                        S.day_bookings,
                        lambda b: rx.card(
                            rx.hstack(
                                rx.text(b["number"], weight="bold"),
                                rx.text(b["when"]),
                                rx.text(b["who"]),
                                rx.text(b["guests"], size="2"),
                                rx.badge(b["label"]),
                                rx.cond(
                                    b["money"] != "",
                                    rx.badge(
                                        b["money"],
                                        color_scheme="orange",
                                        class_name="booking-money",
                                    ),
                                ),
                                rx.cond(
                                    b["status"] == "requested",
                                    rx.hstack(
                                        rx.button(
                                            t("Approve"),
                                            size="1",
                                            on_click=S.decide(b["id"], True),
                                        ),
                                        rx.button(
                                            t("Decline"),
                                            size="1",
                                            color_scheme="red",
                                            variant="soft",
                                            on_click=S.decide(b["id"], False),
                                        ),
                                    ),
                                ),
                                rx.cond(
                                    b["status"] == "awaiting_payment",
                                    rx.button(
                                        t("Mark paid"),
                                        size="1",
                                        variant="soft",
                                        on_click=S.mark_paid(b["id"]),
                                    ),
                                ),
                                rx.cond(
                                    (b["status"] == "confirmed")
                                    | (b["status"] == "awaiting_payment")
                                    | (b["status"] == "requested"),
                                    write_form(
                                        rx.hstack(
                                            rx.el.input(
                                                type="hidden",
                                                name="booking_id",
                                                value=b["id"].to_string(),
                                            ),
                                            rx.input(
                                                name="reason",
                                                placeholder=t("Reason"),
                                                aria_label=t("Reason for cancelling"),
                                                size="1",
                                                required=True,
                                            ),
                                            confirm_submit(
                                                t("Cancel booking"),
                                                t("Cancel this booking?"),
                                                t("The resident is emailed with your reason."),
                                                S,
                                                "cancel-" + b["id"].to_string(),
                                                size="1",
                                            ),
                                        ),
                                        state=S,
                                        form_id="cancel-" + b["id"].to_string(),
                                        on_submit=S.manager_cancel,
                                    ),
                                ),
                                wrap="wrap",
                                align="center",
                            ),
                            width="100%",
                            class_name="manager-booking",
                        ),
                    ),
                    width="100%",
                ),
            ),
            rx.accordion.root(
                rx.accordion.item(
                    header=t("Edit the facility's rules"),
                    content=write_form(
                        rx.vstack(
                            *facility_fields(S.errors, S.values),
                            submit_button(
                                t("Save facility"), S, "facility-form", id="save-facility"
                            ),
                            spacing="2",
                        ),
                        state=S,
                        form_id="facility-form",
                        on_submit=S.save_facility,
                        reset_on_submit=False,
                        key=S.values.to_string(),
                    ),
                ),
                collapsible=True,
                width="100%",
                max_width="560px",
            ),
            write_form(
                rx.hstack(
                    rx.text(t("Block for maintenance:"), size="2"),
                    rx.input(
                        type="date", name="b_date", required=True, aria_label=t("Blackout date")
                    ),
                    rx.input(
                        name="b_from",
                        placeholder="08:00",
                        width="80px",
                        required=True,
                        aria_label=t("Blackout from"),
                    ),
                    rx.input(
                        name="b_to",
                        placeholder="12:00",
                        width="80px",
                        required=True,
                        aria_label=t("Blackout until"),
                    ),
                    rx.input(
                        name="b_reason",
                        placeholder=t("Reason"),
                        width="160px",
                        aria_label=t("Blackout reason"),
                    ),
                    submit_button(
                        t("Add blackout"), S, "blackout-form", size="1", variant="outline"
                    ),
                    wrap="wrap",
                    align="center",
                ),
                *(field_error(S.errors, name) for name in ("date", "b_from", "b_to")),
                state=S,
                form_id="blackout-form",
                on_submit=S.add_blackout,
            ),
            width="100%",
        ),
    )


def facility_page() -> rx.Component:
    S = FacilityState
    return app_shell(
        rx.cond(
            S.not_found,
            not_found_view(t("That facility was not found."), t("All facilities"), "/facilities"),
            rx.vstack(
                rx.heading(S.info["name"], size="7", id="facility-name"),
                rx.text(S.info["description"], color_scheme="gray"),
                rx.text(
                    t("Up to {capacity}", capacity=S.info["capacity"]),
                    " · ",
                    S.info["due"],
                    " · ",
                    S.info["policy"],
                    size="2",
                ),
                form_error(S.error),
                form_notice(S.notice),
                rx.hstack(
                    rx.button(
                        "‹",
                        on_click=S.shift_day(-1),
                        variant="soft",
                        aria_label=t("Previous day"),
                    ),
                    rx.input(
                        type="date",
                        value=S.day,
                        on_change=S.set_day,
                        id="day-picker",
                        aria_label=t("Day"),
                    ),
                    rx.button(
                        "›", on_click=S.shift_day(1), variant="soft", aria_label=t("Next day")
                    ),
                    align="center",
                ),
                rx.flex(
                    rx.foreach(
                        S.week,
                        lambda d: rx.button(
                            rx.vstack(
                                rx.text(d["label"], size="1", weight="bold"),
                                rx.text(t("{n} free", n=d["free"]), size="1"),
                                rx.cond(
                                    d["mine"] != "0", rx.text(t("{n} yours", n=d["mine"]), size="1")
                                ),
                                spacing="0",
                                align="center",
                            ),
                            on_click=S.set_day(d["date"]),
                            variant=rx.cond(d["date"] == S.day, "solid", "outline"),
                            height="auto",
                            padding="6px",
                            class_name="week-day",
                        ),
                    ),
                    spacing="2",
                    wrap="wrap",
                    id="week",
                ),
                rx.heading(S.day_label, size="4", id="day-label", as_="h2"),
                rx.cond(
                    S.slots.length() == 0,
                    rx.text(t("Closed this day."), color_scheme="gray"),
                    rx.flex(
                        rx.foreach(S.slots, _slot_button), wrap="wrap", spacing="2", id="slots"
                    ),
                ),
                rx.cond(
                    S.selected != "",
                    rx.card(
                        write_form(
                            rx.hstack(
                                rx.text(t("Slots:"), size="2"),
                                rx.input(
                                    name="slots",
                                    type="number",
                                    default_value="1",
                                    min=1,
                                    max=S.info["max_slots"],
                                    width="70px",
                                    aria_label=t("Slots"),
                                ),
                                rx.text(t("Guests:"), size="2"),
                                rx.input(
                                    name="guests",
                                    type="number",
                                    default_value="1",
                                    min=1,
                                    width="80px",
                                    aria_label=t("Guests"),
                                ),
                                rx.input(
                                    name="note",
                                    placeholder=t("Note (optional)"),
                                    aria_label=t("Note (optional)"),
                                    width="200px",
                                ),
                                submit_button(t("Book"), S, "book-form", id="book-submit"),
                                wrap="wrap",
                                align="center",
                            ),
                            field_error(S.errors, "guests"),
                            state=S,
                            form_id="book-form",
                            on_submit=S.book,
                            reset_on_submit=False,
                        ),
                        width="100%",
                    ),
                ),
                rx.link(t("My bookings →"), href="/bookings"),
                _manager_tools(),
                spacing="3",
                width="100%",
            ),
        ),
    )
