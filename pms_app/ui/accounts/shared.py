"""What the tenant signup and the re-apply form share: finding a property by its code."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.properties import joining
from pms_app.ui.components.forms import field_error
from pms_app.ui.shell.forms import int_or_none


class CodeFinder(rx.State, mixin=True):
    """A property code typed (or given by the landlord's link), the property it names and the
    unit chosen: the tenant signup and the re-apply form share it."""

    code: str = ""  # as given, then as found
    found: dict[str, str] = {}  # the property the code names: name, address
    unit_options: list[dict[str, str]] = []
    unit_id: str = ""

    def _forget_code(self, code: str = "") -> None:
        self.code, self.found, self.unit_options, self.unit_id = code, {}, [], ""

    async def _find(self, code: str) -> None:
        ip = self._client_ip()  # type: ignore[attr-defined]
        match = await self._attempt(  # type: ignore[attr-defined]
            lambda s, _a: joining.find_by_code(s, code, ip)
        )
        if match is None:
            self._forget_code(code)
            return
        self.code = match.code
        self.found = {"name": match.name, "address": match.address}
        self.unit_options = [{"id": str(uid), "label": label} for uid, label in match.units]
        self.unit_id = str(match.unit_id) if match.unit_id else ""

    @rx.event
    async def find_code(self, value: str) -> None:
        """The code input lost focus (Find was pressed): which property is it?"""
        code = value[:20] if isinstance(value, str) else ""
        if self.found and code.strip().upper() == self.code:
            return  # the same code, already found
        self._forget_code(code)
        if code.strip():
            await self._find(code)

    @rx.event
    def choose_unit(self, value: str) -> None:
        self.unit_id = value if isinstance(value, str) and value != "none" else ""

    def _chosen_unit(self) -> int | None:
        return int_or_none(self.unit_id) if self.found else None


def code_finder(state: Any) -> rx.Component:
    """The property code, what it found, and the unit (signup and re-apply share it)."""
    S = state
    return rx.vstack(
        # rx.el.label: rx.text's html_for becomes a CSS prop, and the input stays unnamed.
        rx.el.label(
            "Property code",
            html_for="code",
            style={"fontSize": "var(--font-size-2)", "fontWeight": 500},
        ),
        rx.hstack(
            rx.input(
                id="code",
                name="code",
                default_value=S.code,
                key=S.code,  # a link's or a found code replaces what was typed
                placeholder="e.g. SUN or SUN-A1",
                auto_complete="off",
                auto_capitalize="characters",
                on_blur=S.find_code,
                size="3",
                width="100%",
            ),
            rx.button("Find", type="button", variant="soft", size="3", id="find-code"),
            width="100%",
        ),
        rx.text(
            "Your landlord gives it to you; your paybill account number starts with it.",
            size="1",
            color_scheme="gray",
        ),
        field_error(S.errors, "code"),
        rx.cond(
            S.found.contains("name"),
            rx.vstack(
                rx.callout(
                    rx.el.span(rx.text.strong(S.found["name"]), " — ", S.found["address"]),
                    icon="house",
                    color_scheme="green",
                    width="100%",
                    id="found-property",
                ),
                rx.text("Unit (if you know it)", size="2", weight="medium", id="unit-label"),
                rx.select.root(
                    rx.select.trigger(
                        placeholder="I don't know",
                        width="100%",
                        id="unit-select",
                        aria_labelledby="unit-label",
                    ),
                    rx.select.content(
                        rx.select.item("I don't know", value="none"),
                        rx.foreach(
                            S.unit_options,
                            lambda o: rx.select.item(o["label"], value=o["id"]),
                        ),
                    ),
                    value=S.unit_id,
                    on_change=S.choose_unit,
                    size="3",
                ),
                width="100%",
                spacing="1",
            ),
        ),
        spacing="1",
        width="100%",
    )
