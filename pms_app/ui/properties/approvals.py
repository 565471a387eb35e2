"""/approvals: tenants waiting for a landlord/manager to approve or reject them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.core import formats
from pms_app.properties import memberships
from pms_app.properties import service as properties
from pms_app.ui.components.forms import (
    confirm_submit,
    form_error,
    form_notice,
    submit_button,
    write_form,
)
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


@live_page("/approvals")
class ApprovalsState(PageState, SessionState):
    rows: list[dict[str, Any]] = []

    def _clear(self) -> None:
        self.rows = []

    def _load(self, session: Session, actor: User) -> None:
        unit_cache: dict[int, list[dict[str, str]]] = {}
        rows = []
        for p in memberships.pending_approvals(session, actor):
            if p.property_id not in unit_cache:
                unit_cache[p.property_id] = [
                    {
                        "id": str(u.id),
                        "label": (
                            self._tr("{unit} (occupied)", unit=u.label)
                            if u.tenant_names
                            else u.label
                        ),
                    }
                    for u in properties.list_units(session, actor, p.property_id)
                ]
            rows.append(
                {
                    "membership_id": p.membership_id,
                    "name": p.full_name,
                    "email": p.email,
                    "phone": p.phone,
                    "property": p.property_name,
                    "requested_unit": p.requested_unit_label or self._tr("not given"),
                    "default_unit": str(p.requested_unit_id or ""),
                    "units": unit_cache[p.property_id],
                    "date": formats.day(p.created_at),
                }
            )
        self.rows = rows

    @rx.event
    async def approve(self, form: dict[str, Any]) -> None:
        mid = int_or_none(text(form, "membership_id", 20)) or 0
        unit = int_or_none(text(form, "unit_id", 20))
        await self._act(
            lambda s, a: memberships.approve_tenant(s, a, mid, unit),
            "Tenant approved and emailed.",
            form,
        )

    @rx.event
    async def reject(self, form: dict[str, Any]) -> None:
        mid = int_or_none(text(form, "membership_id", 20)) or 0
        reason = text(form, "reason", 5000)
        await self._act(
            lambda s, a: memberships.reject_tenant(s, a, mid, reason),
            "Signup rejected; the person was emailed.",
            form,
        )


def _row(row: Any) -> rx.Component:
    S = ApprovalsState
    approve_id = "approve-" + row["membership_id"].to_string()
    reject_id = "reject-" + row["membership_id"].to_string()
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row["name"], size="4", as_="h2"),
                rx.badge(row["property"]),
                rx.text(t("signed up {date}", date=row["date"]), size="1", color_scheme="gray"),
                wrap="wrap",
                align="center",
            ),
            rx.text(row["email"], " · ", row["phone"], size="2"),
            rx.text(t("Unit asked for: {unit}", unit=row["requested_unit"]), size="2"),
            write_form(
                rx.hstack(
                    rx.el.input(
                        type="hidden",
                        name="membership_id",
                        value=row["membership_id"].to_string(),
                    ),
                    rx.el.select(
                        rx.el.option(t("Choose the unit…"), value=""),
                        rx.foreach(
                            row["units"].to(list[dict[str, str]]),
                            lambda u: rx.el.option(u["label"], value=u["id"]),
                        ),
                        name="unit_id",
                        default_value=row["default_unit"],
                        required=True,
                        class_name="unit-select",
                        aria_label=t("Unit"),
                        style={
                            "padding": "6px",
                            "border-radius": "6px",
                            "min-width": "160px",
                        },
                    ),
                    submit_button(
                        t("Approve"),
                        S,
                        approve_id,
                        color_scheme="green",
                        class_name="approve-btn",
                    ),
                    wrap="wrap",
                    align="center",
                ),
                state=S,
                form_id=approve_id,
                on_submit=S.approve,
            ),
            write_form(
                rx.hstack(
                    rx.el.input(
                        type="hidden",
                        name="membership_id",
                        value=row["membership_id"].to_string(),
                    ),
                    rx.input(
                        name="reason",
                        placeholder=t("Reason (optional)"),
                        aria_label=t("Reason for rejecting (optional)"),
                        width="260px",
                    ),
                    confirm_submit(
                        t("Reject"),
                        t("Reject {name}?", name=row["name"]),
                        t("They are emailed and can sign up again for this or another property."),
                        S,
                        reject_id,
                        class_name="reject-btn",
                    ),
                    wrap="wrap",
                    align="center",
                ),
                state=S,
                form_id=reject_id,
                on_submit=S.reject,
            ),
            spacing="3",
        ),
        width="100%",
        class_name="approval-card",
    )


def approvals_page() -> rx.Component:
    S = ApprovalsState
    return app_shell(
        form_error(S.error),
        form_notice(S.notice),
        rx.cond(
            S.rows.length() == 0,
            empty_state(
                t(
                    "No one is waiting for approval. "
                    "Tenants who sign up for your properties appear here."
                )
            ),
            rx.vstack(rx.foreach(S.rows, _row), width="100%", spacing="3"),
        ),
        title=t("Pending approvals"),
    )
