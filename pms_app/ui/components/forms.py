"""Form fields with inline errors. `errors` is a state dict var: field name → message."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def field(
    label: str,
    name: str,
    errors: Var,
    type_: str = "text",
    placeholder: str = "",
    required: bool = True,
    hint: str = "",
    default_value: str | Var = "",
    auto_complete: str = "",
) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=name, size="2", weight="medium"),
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


def form_error(message: Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(
            message,
            icon="triangle_alert",
            color_scheme="red",
            width="100%",
            id="form-error",
        ),
    )


def form_notice(message: Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="check", color_scheme="green", width="100%", id="form-notice"),
    )


# Every rx.form in pages/ sets method="post": if someone submits before the page has hydrated,
# the browser's native submit must never put field values (passwords!) into the URL.


def form_card(
    *children: rx.Component,
    on_submit: object,
    max_width: str,
    spacing: str = "2",
    **form_props: object,
) -> rx.Component:
    """A card holding one posted form, its children stacked; `form_props` go to the form (an id,
    reset_on_submit, a key that re-mounts it)."""
    return rx.card(
        rx.form(
            rx.vstack(*children, spacing=spacing),
            method="post",
            on_submit=on_submit,  # type: ignore[arg-type]
            **form_props,  # type: ignore[arg-type]
        ),
        width="100%",
        max_width=max_width,
    )


def confirm_button(
    label: str | Var,
    title: str | Var,
    detail: str,
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
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(
                    rx.button(label, color_scheme=color, on_click=on_confirm)  # type: ignore[arg-type]
                ),
                spacing="3",
                justify="end",
            ),
        ),
    )
