"""/properties/new and /property?id=…: create a property, edit it and its units, invite people."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.core.errors import ServiceError, ValidationError
from pms_app.properties import invitations, memberships
from pms_app.properties import service as properties
from pms_app.properties.access import can_own, get_managed_property, get_visible_property
from pms_app.ui.components.forms import confirm_button, field, form_error, form_notice
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.session import FormActions, SessionState


class NewPropertyState(SessionState):
    errors: dict[str, str] = {}
    error: str = ""

    @rx.event
    def submit(self, form: dict[str, Any]) -> Any:
        self.errors, self.error = {}, ""
        try:
            prop = self._with_actor(
                lambda s, actor: properties.create_property(
                    s,
                    actor,
                    text(form, "name", 300),
                    text(form, "address", 500),
                    text(form, "unit_count", 20),
                    text(form, "default_rent", 20),
                    text(form, "label_prefix", 20),
                )
            )
        except ValidationError as exc:
            self.errors = {exc.field or "form": exc.message}
            self.error = "" if exc.field else exc.message
            return None
        except ServiceError as exc:
            self.error = exc.message
            return None
        return rx.redirect(f"/property?id={prop.id}")


def new_property_page() -> rx.Component:
    S = NewPropertyState
    return app_shell(
        rx.form(
            rx.vstack(
                form_error(S.error),
                field("Name", "name", S.errors, placeholder="Sunrise Apartments"),
                field("Address", "address", S.errors, placeholder="Ngong Road, Nairobi"),
                field(
                    "Number of units",
                    "unit_count",
                    S.errors,
                    "number",
                    placeholder="10",
                    hint="Units are created as A1, A2, … — you can rename them next.",
                ),
                field(
                    "Unit label prefix",
                    "label_prefix",
                    S.errors,
                    default_value="A",
                    required=False,
                ),
                field(
                    "Default monthly rent (KES, optional)",
                    "default_rent",
                    S.errors,
                    "number",
                    required=False,
                ),
                rx.button("Create property", type="submit", size="3", id="create-property"),
                spacing="4",
                max_width="480px",
            ),
            method="post",
            on_submit=S.submit,
            reset_on_submit=False,
        ),
        title="Add a property",
    )


class PropertyState(FormActions, SessionState):
    property_id: int = 0
    name: str = ""
    address: str = ""
    default_rent: str = ""
    rules: dict[str, str] = {}
    is_owner: bool = False
    can_manage: bool = False
    units: list[dict[str, Any]] = []
    people: list[dict[str, str]] = []
    not_found: bool = False

    @rx.event
    def load(self) -> None:
        self.errors, self.error, self.notice = {}, "", ""
        pid = int_or_none(self.router.url.query_parameters.get("id", ""))
        self.property_id = pid or 0
        self._reload()

    def _reload(self) -> None:
        def _load(session: Any, actor: Any) -> None:
            prop = get_visible_property(session, actor, self.property_id)
            self.name, self.address = prop.name, prop.address
            self.default_rent = str(prop.default_rent) if prop.default_rent is not None else ""
            self.rules = {
                "late_fee_kind": prop.late_fee_kind,
                "late_fee_value": str(prop.late_fee_value),
                "grace_days": str(prop.late_fee_grace_days),
                "remind_before": str(prop.remind_days_before),
                "remind_after": str(prop.remind_days_after),
            }
            try:
                get_managed_property(session, actor, self.property_id)
                self.can_manage = True
                self.is_owner = can_own(actor, prop)
            except ServiceError:
                self.can_manage, self.is_owner = False, False
            self.units = [
                {
                    "id": u.id,
                    "label": u.label,
                    "rent": "" if u.rent is None else str(u.rent),
                    "effective_rent": "—" if u.effective_rent is None else f"{u.effective_rent:,}",
                    "tenants": ", ".join(u.tenant_names) or "Vacant",
                    "occupied": bool(u.tenant_names),
                }
                for u in properties.list_units(session, actor, self.property_id)
            ]
            self.people = (
                [
                    {
                        "name": p.full_name,
                        "email": p.email,
                        "phone": p.phone,
                        "role": p.role,
                        "unit": p.unit_label,
                    }
                    for p in memberships.property_people(session, actor, self.property_id)
                ]
                if self.can_manage
                else []
            )

        try:
            self._with_actor(_load)
            self.not_found = False
        except ServiceError:
            self.not_found = True
            self.units, self.people, self.name = [], [], ""

    @rx.event
    def save_details(self, form: dict[str, Any]) -> None:
        self._act(
            lambda s, a: properties.update_property(
                s,
                a,
                self.property_id,
                text(form, "name", 300),
                text(form, "address", 500),
                text(form, "default_rent", 20),
            ),
            "Property details saved.",
        )

    @rx.event
    def save_rules(self, form: dict[str, Any]) -> None:
        self._act(
            lambda s, a: properties.update_rules(
                s,
                a,
                self.property_id,
                text(form, "late_fee_kind", 10),
                text(form, "late_fee_value", 12),
                text(form, "grace_days", 5),
                text(form, "remind_before", 5),
                text(form, "remind_after", 5),
            ),
            "Rent rules saved.",
        )

    @rx.event
    def save_unit(self, form: dict[str, Any]) -> None:
        unit_id = int_or_none(text(form, "unit_id", 20))
        self._act(
            lambda s, a: properties.update_unit(
                s, a, unit_id or 0, text(form, "label", 40), text(form, "rent", 20)
            ),
            "Unit saved.",
        )

    @rx.event
    def add_unit(self, form: dict[str, Any]) -> None:
        self._act(
            lambda s, a: properties.add_unit(
                s, a, self.property_id, text(form, "label", 40), text(form, "rent", 20)
            ),
            "Unit added.",
        )

    @rx.event
    def delete_unit(self, unit_id: int) -> None:
        self._act(
            lambda s, a: properties.delete_unit(s, a, int_or_none(unit_id) or 0),
            "Unit deleted.",
        )

    @rx.event
    def invite(self, form: dict[str, Any]) -> None:
        answer: list[str] = []  # the service's answer: the same whoever the address belongs to
        if self._act(
            lambda s, a: answer.append(
                invitations.invite(
                    s,
                    a,
                    self.property_id,
                    text(form, "email", 300),
                    text(form, "role", 20),
                    ip=self._client_ip(),
                )
            ),
            "",
        ):
            self.notice = answer[0]


def _unit_row(unit: Any) -> rx.Component:
    S = PropertyState
    return rx.table.row(
        rx.table.cell(
            rx.cond(
                S.can_manage,
                rx.form(
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
                        rx.button("Save", type="submit", size="1", variant="soft"),
                        spacing="2",
                    ),
                    method="post",
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
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Rent rules", size="4"),
                    rx.text("Late fee", size="2", weight="medium"),
                    rx.el.select(
                        rx.el.option("No late fee", value="none"),
                        rx.el.option("Fixed amount (KES)", value="fixed"),
                        rx.el.option("Percent of the unpaid rent", value="percent"),
                        name="late_fee_kind",
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
                    rx.button("Save rules", type="submit", variant="outline"),
                    spacing="2",
                ),
                method="post",
                on_submit=S.save_rules,
                reset_on_submit=False,
                key=S.rules.to_string(),
            ),
            width="100%",
            max_width="520px",
        ),
    )


def _units_section() -> rx.Component:
    S = PropertyState
    return rx.vstack(
        rx.heading("Units", size="5"),
        rx.cond(
            S.units.length() == 0,
            empty_state("This property has no units yet. Add one below."),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Unit / rent"),
                            rx.table.column_header_cell("Monthly rent (KES)"),
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
            rx.form(
                rx.hstack(
                    rx.input(
                        name="label",
                        placeholder="New unit label",
                        width="150px",
                        required=True,
                    ),
                    rx.input(
                        name="rent",
                        placeholder="Rent (optional)",
                        width="150px",
                        type="number",
                    ),
                    rx.button("Add unit", type="submit", variant="outline"),
                    wrap="wrap",
                ),
                method="post",
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
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading("Details", size="4"),
                    field("Name", "name", S.errors, default_value=S.name),
                    field("Address", "address", S.errors, default_value=S.address),
                    field(
                        "Default monthly rent (KES)",
                        "default_rent",
                        S.errors,
                        "number",
                        required=False,
                        default_value=S.default_rent,
                    ),
                    rx.button("Save details", type="submit"),
                    spacing="3",
                ),
                method="post",
                on_submit=S.save_details,
                reset_on_submit=False,
                key=S.name,
            ),
            width="100%",
            max_width="520px",
        ),
        rx.text(S.address),
    )


def _people_section() -> rx.Component:
    S = PropertyState
    return rx.cond(
        S.can_manage,
        rx.vstack(
            rx.heading("People", size="5"),
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
            rx.form(
                rx.hstack(
                    rx.input(
                        name="email",
                        type="email",
                        placeholder="Email to invite",
                        required=True,
                        width="240px",
                    ),
                    rx.select(["staff", "manager"], name="role", default_value="staff"),
                    rx.button("Send invitation", type="submit", variant="outline"),
                    wrap="wrap",
                ),
                method="post",
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
            empty_state("That property was not found.", "Back to the dashboard", "/dashboard"),
            rx.vstack(
                rx.heading(S.name, size="7", id="property-name"),
                rx.cond(
                    S.can_manage,
                    rx.link(
                        rx.button("Leases and rent", variant="soft", id="leases-link"),
                        href="/leases?property=" + S.property_id.to_string(),
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
