"""Form fields with inline errors. `errors` is a state dict var: field name → message."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import Var

from pms_app.ui.shell.forms import FORM_ID_FIELD, SUBMISSION_FIELD
from pms_app.ui.shell.i18n import t


def field(
    label: str | Var,
    name: str,
    errors: Var,
    type_: str = "text",
    placeholder: str | Var = "",
    required: bool = True,
    hint: str | Var = "",
    default_value: str | Var = "",
    auto_complete: str = "",
) -> rx.Component:
    return rx.vstack(
        # A real <label for=…>: rx.text's html_for became a CSS prop, leaving inputs unnamed.
        rx.el.label(
            label, html_for=name, style={"fontSize": "var(--font-size-2)", "fontWeight": 500}
        ),
        rx.input(
            id=name,
            name=name,
            type=type_,
            placeholder=placeholder,
            required=required,
            default_value=default_value,
            auto_complete=auto_complete or None,
            width="100%",
            size="3",
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        field_error(errors, name),
        spacing="1",
        width="100%",
        align="start",
    )


def field_error(errors: Var, name: str) -> rx.Component:
    """`errors[name]` in red, with the id `<name>-error`, for an input not built by `field()`
    (a row of small inputs, a day's opening hours)."""
    return rx.cond(
        errors.contains(name),  # type: ignore[attr-defined]
        rx.text(errors[name], color_scheme="red", size="2", id=f"{name}-error"),  # type: ignore[index]
    )


def named_upload(label: str, *children: rx.Component, **props: Any) -> rx.Component:
    """rx.upload whose file input has an accessible name: Reflex builds that <input> itself and
    takes no props for it, so the name is set on the child it made (axe: label)."""
    upload = rx.upload(*children, **props)
    zone = upload.children[0]
    file_input = zone.children[0]
    assert getattr(file_input, "tag", "") == "input", "rx.upload's structure changed"
    file_input.custom_attrs = {**file_input.custom_attrs, "aria-label": label}
    return upload


# The result of an action, where the person is looking: above the form on a wide screen, and
# on a phone (where the page's top may be a screen or two above the button) a toast pinned to
# the bottom of the viewport (assets/layout.css `.pms-toast`). Errors stay until the next action;
# notices fade after a few seconds there. role=alert/status: screen readers announce them.


def form_error(message: Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle_alert",
            color_scheme="red",
            width="100%",
            id="form-error",
            role="alert",
            class_name="pms-toast pms-alert",
        ),
    )


def form_notice(message: Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="check",
            color_scheme="green",
            width="100%",
            id="form-notice",
            role="status",
            class_name="pms-toast pms-notice",
        ),
    )


# Every rx.form in pages/ sets method="post": if someone submits before the page has hydrated,
# the browser's native submit must never put field values (passwords!) into the URL.


def write_form(
    *children: rx.Component,
    state: type,
    form_id: str | Var,
    on_submit: object,
    **form_props: object,
) -> rx.Component:
    """A form that writes. It carries the page's submission key, so the server writes a
    submission once however often it arrives (PageState._act with `form=`), and its
    `submit_button` spins and takes no clicks from the submit until the page has answered.
    `form_props` go to the form (reset_on_submit, a key that re-mounts it, a width)."""
    S: Any = state
    return rx.form(
        rx.el.input(type="hidden", name=SUBMISSION_FIELD, value=S.submission),
        # mark_busy reads the id from the form's data: the submit chain is compiled outside
        # any rx.foreach, where a row's id (a loop variable) does not exist.
        rx.el.input(type="hidden", name=FORM_ID_FIELD, value=form_id),
        *children,
        id=form_id,
        method="post",
        on_submit=[S.mark_busy, on_submit, S.clear_busy],  # type: ignore[list-item]
        **form_props,  # type: ignore[arg-type]
    )


def submit_button(label: str | Var, state: type, form_id: str | Var, **props: Any) -> rx.Component:
    """The submit button of `write_form(form_id=…)`: busy while its form is being sent."""
    S: Any = state
    return rx.button(
        label,
        type="submit",
        form=form_id,
        loading=S.busy == form_id,
        **props,
    )


def form_card(
    *children: rx.Component,
    state: type,
    form_id: str,
    on_submit: object,
    max_width: str,
    spacing: str = "2",
    **form_props: object,
) -> rx.Component:
    """A card holding one writing form, its children stacked."""
    return rx.card(
        write_form(
            rx.vstack(*children, spacing=spacing),
            state=state,
            form_id=form_id,
            on_submit=on_submit,
            **form_props,
        ),
        width="100%",
        max_width=max_width,
    )


def confirm_button(
    label: str | Var,
    title: str | Var,
    detail: str | Var,
    on_confirm: object,
    color: str = "red",
    variant: str = "soft",
) -> rx.Component:
    """A small button that asks first: `title` and `detail` in a dialog, Cancel or `label`."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(label, size="1", color_scheme=color, variant=variant)),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(detail),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft")),
                rx.alert_dialog.action(
                    rx.button(label, color_scheme=color, on_click=on_confirm)  # type: ignore[arg-type]
                ),
                spacing="3",
                justify="end",
            ),
        ),
    )


def confirm_submit(
    label: str | Var,
    title: str | Var,
    detail: str | Var,
    state: type,
    form_id: str | Var,
    color: str = "red",
    **trigger_props: Any,
) -> rx.Component:
    """A writing form's submit button that asks first; the dialog's button submits the form
    (`form=` reaches it from the dialog, which is rendered outside the form)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(label, color_scheme=color, variant="soft", type="button", **trigger_props)
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(detail),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button(t("Cancel"), variant="soft", type="button")),
                rx.alert_dialog.action(submit_button(label, state, form_id, color_scheme=color)),
                spacing="3",
                justify="end",
            ),
        ),
    )


def check_filter(name: str, checked: Var, label: Any) -> rx.Component:
    """A list's checkbox filter ("In arrears", "Vacant only"): the box inside its label, sent
    with the search form as `name`."""
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, id=f"filter-{name}", default_checked=checked),
        " ",
        label,
    )
