"""/property?id=…: a property's details, rent rules, units and people (state: property_state)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.ui.components.forms import (
    confirm_button,
    field,
    form_card,
    form_error,
    form_notice,
    submit_button,
    write_form,
)
from pms_app.ui.components.layout import app_shell, empty_state, not_found_view
from pms_app.ui.properties.property_state import PropertyState
from pms_app.ui.shell.formatting import in_currency


def _unit_row(unit: Any) -> rx.Component:
    S = PropertyState
    return rx.table.row(
        rx.table.cell(
            rx.cond(
                S.can_manage,
                write_form(
                    rx.hstack(
                        rx.el.input(type="hidden", name="unit_id", value=unit["id"].to_string()),
                        rx.input(
                            name="label",
                            default_value=unit["label"],
                            width="90px",
                            aria_label="Unit label",
                            class_name="unit-label-input",
                        ),
                        rx.input(
                            name="rent",
                            default_value=unit["rent"],
                            placeholder="default",
                            width="110px",
                            aria_label="Rent",
                            type="number",
                        ),
                        submit_button(
                            "Save",
                            S,
                            "unit-form-" + unit["id"].to_string(),
                            size="1",
                            variant="soft",
                        ),
                        spacing="2",
                    ),
                    state=S,
                    form_id="unit-form-" + unit["id"].to_string(),
                    on_submit=S.save_unit,
                    reset_on_submit=False,
                    # Re-mount when the saved values change so the inputs show what was stored.
                    key=unit["id"].to_string()
                    + "|"
                    + unit["label"].to(str)
                    + "|"
                    + unit["rent"].to(str),
                ),
                rx.text(unit["label"]),
            )
        ),
        rx.table.cell(unit["effective_rent"]),
        rx.table.cell(unit["tenants"]),
        rx.table.cell(
            rx.cond(
                S.can_manage & ~unit["occupied"].to(bool),
                confirm_button(
                    "Delete",
                    "Delete unit " + unit["label"].to(str) + "?",
                    "This cannot be undone.",
                    S.delete_unit(unit["id"]),
                    variant="ghost",
                ),
            )
        ),
        align="center",
    )


def _rules_section() -> rx.Component:
    S = PropertyState
    return rx.cond(
        S.can_manage,
        form_card(
            rx.heading("Rent rules", size="4", as_="h2"),
            rx.el.label(
                "Late fee",
                html_for="late_fee_kind",
                style={"fontSize": "var(--font-size-2)", "fontWeight": 500},
            ),
            rx.el.select(
                rx.el.option("No late fee", value="none"),
                rx.el.option(in_currency("Fixed amount"), value="fixed"),
                rx.el.option("Percent of the unpaid rent", value="percent"),
                name="late_fee_kind",
                id="late_fee_kind",
                default_value=S.rules["late_fee_kind"],
                style={"padding": "6px"},
            ),
            field(
                "Late fee amount or percent",
                "late_fee_value",
                S.errors,
                "number",
                default_value=S.rules["late_fee_value"],
                required=False,
            ),
            field(
                "Grace days after the due day",
                "grace_days",
                S.errors,
                "number",
                default_value=S.rules["grace_days"],
                required=False,
            ),
            field(
                "Email a reminder N days before the due day (0 = off)",
                "remind_before",
                S.errors,
                "number",
                default_value=S.rules["remind_before"],
                required=False,
            ),
            field(
                "…and N days after it if unpaid (0 = off)",
                "remind_after",
                S.errors,
                "number",
                default_value=S.rules["remind_after"],
                required=False,
            ),
            submit_button("Save rules", S, "rules-form", variant="outline"),
            state=S,
            form_id="rules-form",
            on_submit=S.save_rules,
            max_width="520px",
            reset_on_submit=False,
            key=S.rules.to_string(),
        ),
    )


def _units_section() -> rx.Component:
    S = PropertyState
    return rx.vstack(
        rx.heading("Units", size="5", as_="h2"),
        rx.cond(
            S.units.length() == 0,
            empty_state("This property has no units yet. Add one below."),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Unit / rent"),
                            rx.table.column_header_cell(in_currency("Monthly rent")),
                            rx.table.column_header_cell("Tenant"),
                            rx.table.column_header_cell(""),
                        )
                    ),
                    rx.table.body(rx.foreach(S.units, _unit_row)),
                    width="100%",
                    id="units-table",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        rx.cond(
            S.can_manage,
            write_form(
                rx.hstack(
                    rx.input(
                        name="label",
                        placeholder="New unit label",
                        aria_label="New unit label",
                        width="150px",
                        required=True,
                    ),
                    rx.input(
                        name="rent",
                        placeholder="Rent (optional)",
                        aria_label="Rent of the new unit (optional)",
                        width="150px",
                        type="number",
                    ),
                    submit_button("Add unit", S, "add-unit-form", variant="outline"),
                    wrap="wrap",
                ),
                state=S,
                form_id="add-unit-form",
                on_submit=S.add_unit,
            ),
        ),
        width="100%",
        spacing="3",
    )


def _details_section() -> rx.Component:
    S = PropertyState
    return rx.cond(
        S.can_manage,
        form_card(
            rx.heading("Details", size="4", as_="h2"),
            field("Name", "name", S.errors, default_value=S.name),
            field("Address", "address", S.errors, default_value=S.address),
            field(
                in_currency("Default monthly rent"),
                "default_rent",
                S.errors,
                "number",
                required=False,
                default_value=S.default_rent,
            ),
            submit_button("Save details", S, "details-form"),
            state=S,
            form_id="details-form",
            on_submit=S.save_details,
            max_width="520px",
            spacing="3",
            reset_on_submit=False,
            key=S.name,
        ),
        rx.text(S.address),
    )


def _people_section() -> rx.Component:
    S = PropertyState
    return rx.cond(
        S.can_manage,
        rx.vstack(
            rx.heading("People", size="5", as_="h2"),
            rx.callout(
                rx.el.span(  # inline: the callout's text is already a <p>
                    "Tenants sign up with the code ",
                    rx.code(S.code, id="signup-code"),
                    " (their paybill account numbers start with it), or this link: ",
                    rx.link(S.signup_link, href=S.signup_link, id="signup-link"),
                ),
                icon="user_plus",
                width="100%",
            ),
            rx.cond(
                S.people.length() == 0,
                empty_state("No tenants or staff yet. Tenants sign up and appear under Approvals."),
                rx.vstack(
                    rx.foreach(
                        S.people,
                        lambda p: rx.hstack(
                            rx.badge(p["role"]),
                            rx.text(p["name"], weight="medium"),
                            rx.text(p["email"], color_scheme="gray", size="2"),
                            rx.cond(p["unit"] != "", rx.text("unit " + p["unit"], size="2")),
                            wrap="wrap",
                        ),
                    ),
                    spacing="2",
                ),
            ),
            write_form(
                rx.hstack(
                    rx.input(
                        name="email",
                        type="email",
                        placeholder="Email to invite",
                        aria_label="Email to invite",
                        required=True,
                        width="240px",
                    ),
                    rx.select(
                        ["staff", "manager"],
                        name="role",
                        default_value="staff",
                        custom_attrs={"aria-label": "Role"},
                    ),
                    submit_button("Send invitation", S, "invite-form", variant="outline"),
                    wrap="wrap",
                ),
                state=S,
                form_id="invite-form",
                on_submit=S.invite,
            ),
            rx.text(
                "Managers act for you (e.g. estate committee members); staff are caretakers. "
                "Only the owner can invite managers.",
                size="1",
                color_scheme="gray",
            ),
            width="100%",
            spacing="3",
        ),
    )


def property_page() -> rx.Component:
    S = PropertyState
    return app_shell(
        rx.cond(
            S.not_found,
            not_found_view("That property was not found.", "Back to the dashboard", "/dashboard"),
            rx.vstack(
                rx.heading(S.name, size="7", id="property-name"),
                rx.cond(
                    S.can_manage,
                    rx.button(
                        rx.link(
                            "Leases and rent", href="/leases?property=" + S.property_id.to_string()
                        ),
                        variant="soft",
                        id="leases-link",
                        as_child=True,
                    ),
                ),
                form_error(S.error),
                form_notice(S.notice),
                rx.flex(
                    _details_section(), _rules_section(), spacing="3", wrap="wrap", width="100%"
                ),
                _units_section(),
                _people_section(),
                spacing="5",
                width="100%",
            ),
        ),
    )
