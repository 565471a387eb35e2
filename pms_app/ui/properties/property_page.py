"""/property?id=…: a property's details, rent rules, units and people (state: property_state;
the people section: shared)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.core.i18n import N_
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
from pms_app.ui.properties.shared import people_section
from pms_app.ui.shell.formatting import in_currency
from pms_app.ui.shell.i18n import t

# The rent rules' number inputs: (label msgid, field name).
RULE_FIELDS = (
    (N_("Late fee amount or percent"), "late_fee_value"),
    (N_("Grace days after the due day"), "grace_days"),
    (N_("Email a reminder N days before the due day (0 = off)"), "remind_before"),
    (N_("…and N days after it if unpaid (0 = off)"), "remind_after"),
)


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
                            aria_label=t("Unit label"),
                            class_name="unit-label-input",
                        ),
                        rx.input(
                            name="rent",
                            default_value=unit["rent"],
                            placeholder=t("default"),
                            width="110px",
                            aria_label=t("Rent"),
                            type="number",
                        ),
                        submit_button(
                            t("Save"),
                            S,
                            "unit-form-" + unit["id"].to_string(),
                            size="1",
                            variant="soft",
                        ),
                        spacing="2",
                        # On a phone the inputs stack so the rent and tenant columns stay in view.
                        flex_wrap="wrap",
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
                    t("Delete"),
                    t("Delete unit {unit}?", unit=unit["label"]),
                    t("This cannot be undone."),
                    S.delete_unit(unit["id"]),  # soft: a ghost button's margins overhang a phone
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
            rx.heading(t("Rent rules"), size="4", as_="h2"),
            rx.el.label(
                t("Late fee"),
                html_for="late_fee_kind",
                style={"fontSize": "var(--font-size-2)", "fontWeight": 500},
            ),
            rx.el.select(
                rx.el.option(t("No late fee"), value="none"),
                rx.el.option(in_currency(t("Fixed amount")), value="fixed"),
                rx.el.option(t("Percent of the unpaid rent"), value="percent"),
                name="late_fee_kind",
                id="late_fee_kind",
                default_value=S.rules["late_fee_kind"],
                style={"padding": "6px"},
            ),
            *[
                field(
                    t(label),
                    name,
                    S.errors,
                    "number",
                    default_value=S.rules[name],
                    required=False,
                )
                for label, name in RULE_FIELDS
            ],
            submit_button(t("Save rules"), S, "rules-form", variant="outline"),
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
        rx.heading(t("Units"), size="5", as_="h2"),
        rx.cond(
            S.units.length() == 0,
            empty_state(t("This property has no units yet. Add one below.")),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell(t("Unit / rent")),
                            rx.table.column_header_cell(in_currency(t("Monthly rent"))),
                            rx.table.column_header_cell(t("Tenant")),
                            rx.table.column_header_cell(""),
                        )
                    ),
                    rx.table.body(rx.foreach(S.units, _unit_row)),
                    width="100%",
                    id="units-table",
                    size=rx.breakpoints(initial="1", sm="2"),  # tighter cells on a phone
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
                        placeholder=t("New unit label"),
                        aria_label=t("New unit label"),
                        width="150px",
                        required=True,
                    ),
                    rx.input(
                        name="rent",
                        placeholder=t("Rent (optional)"),
                        aria_label=t("Rent of the new unit (optional)"),
                        width="150px",
                        type="number",
                    ),
                    submit_button(t("Add unit"), S, "add-unit-form", variant="outline"),
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
            rx.heading(t("Details"), size="4", as_="h2"),
            field(t("Name"), "name", S.errors, default_value=S.name),
            field(t("Address"), "address", S.errors, default_value=S.address),
            field(
                in_currency(t("Default monthly rent")),
                "default_rent",
                S.errors,
                "number",
                required=False,
                default_value=S.default_rent,
            ),
            submit_button(t("Save details"), S, "details-form"),
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


def property_page() -> rx.Component:
    S = PropertyState
    return app_shell(
        rx.cond(
            S.not_found,
            not_found_view(
                t("That property was not found."), t("Back to the dashboard"), "/dashboard"
            ),
            rx.vstack(
                rx.heading(S.name, size="7", id="property-name"),
                rx.cond(
                    S.can_manage,
                    rx.button(
                        rx.link(
                            t("Leases and rent"),
                            href="/leases?property=" + S.property_id.to_string(),
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
                people_section(),
                spacing="5",
                width="100%",
            ),
        ),
    )
