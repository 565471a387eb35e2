"""/approvals: tenants waiting for a landlord/manager to approve or reject them."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.core.errors import ServiceError
from pms_app.properties import memberships
from pms_app.properties import service as properties
from pms_app.ui.components.forms import form_error, form_notice
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.session import SessionState


@live_page("/approvals")
class ApprovalsState(SessionState):
    rows: list[dict[str, Any]] = []
    error: str = ""
    notice: str = ""

    @rx.event
    def load(self) -> None:
        self.error, self.notice = "", ""
        self._reload()

    def _reload(self) -> None:
        def _load(session: Any, actor: Any) -> None:
            pending = memberships.pending_approvals(session, actor)
            unit_cache: dict[int, list[dict[str, str]]] = {}
            rows = []
            for p in pending:
                if p.property_id not in unit_cache:
                    unit_cache[p.property_id] = [
                        {
                            "id": str(u.id),
                            "label": u.label + ("" if not u.tenant_names else " (occupied)"),
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
                        "requested_unit": p.requested_unit_label or "not given",
                        "default_unit": str(p.requested_unit_id or ""),
                        "units": unit_cache[p.property_id],
                        "date": p.created_at.strftime("%d %b %Y"),
                    }
                )
            self.rows = rows

        try:
            self._with_actor(_load)
        except ServiceError as exc:
            self.rows, self.error = [], exc.message

    @rx.event
    def approve(self, form: dict[str, Any]) -> None:
        self._decide(form, approve=True)

    @rx.event
    def reject(self, form: dict[str, Any]) -> None:
        self._decide(form, approve=False)

    def _decide(self, form: dict[str, Any], approve: bool) -> None:
        self.error, self.notice = "", ""
        mid = int_or_none(text(form, "membership_id", 20)) or 0
        try:
            if approve:
                unit = int_or_none(text(form, "unit_id", 20))
                self._with_actor(lambda s, a: memberships.approve_tenant(s, a, mid, unit))
                self.notice = "Tenant approved and emailed."
            else:
                reason = text(form, "reason", 600)
                self._with_actor(lambda s, a: memberships.reject_tenant(s, a, mid, reason))
                self.notice = "Signup rejected; the person was emailed."
        except ServiceError as exc:
            self.error = exc.message
        self._reload()


def _row(row: Any) -> rx.Component:
    S = ApprovalsState
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row["name"], size="4"),
                rx.badge(row["property"]),
                rx.text("signed up " + row["date"].to(str), size="1", color_scheme="gray"),
                wrap="wrap",
                align="center",
            ),
            rx.text(row["email"], " · ", row["phone"], size="2"),
            rx.text("Unit asked for: ", row["requested_unit"], size="2"),
            rx.form(
                rx.hstack(
                    rx.el.input(
                        type="hidden",
                        name="membership_id",
                        value=row["membership_id"].to_string(),
                    ),
                    rx.el.select(
                        rx.el.option("Choose the unit…", value=""),
                        rx.foreach(
                            row["units"].to(list[dict[str, str]]),
                            lambda u: rx.el.option(u["label"], value=u["id"]),
                        ),
                        name="unit_id",
                        default_value=row["default_unit"],
                        required=True,
                        class_name="unit-select",
                        style={
                            "padding": "6px",
                            "border-radius": "6px",
                            "min-width": "160px",
                        },
                    ),
                    rx.button(
                        "Approve",
                        type="submit",
                        color_scheme="green",
                        class_name="approve-btn",
                    ),
                    wrap="wrap",
                    align="center",
                ),
                method="post",
                on_submit=S.approve,
            ),
            rx.form(
                rx.hstack(
                    rx.el.input(
                        type="hidden",
                        name="membership_id",
                        value=row["membership_id"].to_string(),
                    ),
                    rx.input(name="reason", placeholder="Reason (optional)", width="260px"),
                    rx.button(
                        "Reject",
                        type="submit",
                        color_scheme="red",
                        variant="soft",
                        class_name="reject-btn",
                    ),
                    wrap="wrap",
                    align="center",
                ),
                method="post",
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
                "No one is waiting for approval. Tenants who sign up for your properties appear here."
            ),
            rx.vstack(rx.foreach(S.rows, _row), width="100%", spacing="3"),
        ),
        title="Pending approvals",
    )
