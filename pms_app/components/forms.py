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
        rx.cond(
            errors.contains(name),  # type: ignore[attr-defined]
            rx.text(errors[name], color_scheme="red", size="2", id=f"{name}-error"),  # type: ignore[index]
        ),
        spacing="1",
        width="100%",
        align="start",
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
