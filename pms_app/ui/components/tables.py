"""A responsive data table: header cells, one row per item, horizontal scroll on phones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx


def data_table(
    headers: Sequence[Any],
    rows: Any,
    cells: Callable[[Any], list[rx.Component]],
    table_id: str = "",
    row_class: str = "",
    phone_hidden: Sequence[int] = (),
) -> rx.Component:
    """`phone_hidden`: the (0-based) columns left out on a phone, so the key ones (who, how
    much, when) are in view at 390 px without scrolling sideways."""
    cols = ", ".join(f"& td:nth-child({i + 1}), & th:nth-child({i + 1})" for i in phone_hidden)
    phone = {"@media (max-width: 47.99em)": {cols: {"display": "none"}}} if cols else {}
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(
                rx.foreach(rows, lambda r: rx.table.row(*cells(r), class_name=row_class or None))
            ),
            width="100%",
            id=table_id or None,
        ),
        overflow_x="auto",
        width="100%",
        style=phone,
    )
