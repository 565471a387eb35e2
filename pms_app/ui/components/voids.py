"""The void dialog (state: ui/shell/voids.VoidMixin): the reason, required, its error beside it;
Cancel, or Void payment (red). Opening it is the first step, submitting it the confirmation."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.ui.components.forms import field, submit_button, write_form
from pms_app.ui.shell.i18n import t

VOID_FORM = "void-form"


def void_button(state: Any, payment_id: Any, label: Any) -> rx.Component:
    return rx.button(
        t("Void"),
        size="1",
        color_scheme="red",
        variant="soft",
        type="button",
        on_click=state.open_void(payment_id, label),
        class_name="void-payment",
    )


def voided_badge() -> rx.Component:
    return rx.badge(t("Voided"), color_scheme="red", variant="solid", class_name="voided-badge")


def void_dialog(state: Any) -> rx.Component:
    S = state
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("Void this payment?")),
            rx.dialog.description(
                t(
                    "{payment}. It stays listed, marked Voided; the tenant owes the amount again "
                    "and the totals leave it out. This cannot be undone.",
                    payment=S.void_label,
                ),
                id="void-detail",
            ),
            write_form(
                rx.vstack(
                    field(
                        t("Reason (required)"),
                        "void_reason",
                        S.errors,
                        required=False,  # the server's message shows beside the field
                        hint=t("Why it was wrong, up to 300 characters. Kept in the audit trail."),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button(t("Cancel"), variant="soft", type="button")),
                        submit_button(
                            t("Void payment"), S, VOID_FORM, color_scheme="red", id="confirm-void"
                        ),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                state=S,
                form_id=VOID_FORM,
                on_submit=S.void,
                reset_on_submit=False,
            ),
        ),
        open=S.void_id != 0,
        on_open_change=S.void_open_change,
    )
