"""/properties/new: a landlord creates a property and its units."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from pms_app.properties import service as properties
from pms_app.ui.components.forms import field, form_error, submit_button, write_form
from pms_app.ui.components.layout import app_shell
from pms_app.ui.shell.formatting import currency
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState


class NewPropertyState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {"name", "address", "default_rent", "unit_count", "label_prefix"}
    )

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        values = [
            text(form, "name", 300),
            text(form, "address", 500),
            text(form, "unit_count", 20),
            text(form, "default_rent", 20),
            text(form, "label_prefix", 20),
        ]
        prop_id = await self._attempt(
            lambda s, a: properties.create_property(s, a, *values).id, form
        )
        return None if prop_id is None else rx.redirect(f"/property?id={prop_id}")


def new_property_page() -> rx.Component:
    S = NewPropertyState
    return app_shell(
        write_form(
            rx.vstack(
                form_error(S.error),
                field(t("Name"), "name", S.errors, placeholder=t("Sunrise Apartments")),
                field(t("Address"), "address", S.errors, placeholder=t("Ngong Road, Nairobi")),
                field(
                    t("Number of units"),
                    "unit_count",
                    S.errors,
                    "number",
                    placeholder="10",
                    hint=t("Units are created as A1, A2, … — you can rename them next."),
                ),
                field(
                    t("Unit label prefix"),
                    "label_prefix",
                    S.errors,
                    default_value="A",
                    required=False,
                ),
                field(
                    t("Default monthly rent ({currency}, optional)", currency=currency()),
                    "default_rent",
                    S.errors,
                    "number",
                    required=False,
                ),
                submit_button(
                    t("Create property"), S, "property-form", size="3", id="create-property"
                ),
                spacing="4",
                max_width="480px",
            ),
            state=S,
            form_id="property-form",
            on_submit=S.submit,
            reset_on_submit=False,
        ),
        title=t("Add a property"),
    )
