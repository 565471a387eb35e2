"""A responsive data table: header cells, one row per item, horizontal scroll on phones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx


def data_table(
    headers: Sequence[str],
    rows: Any,
    cells: Callable[[Any], list[rx.Component]],
    table_id: str = "",
    row_class: str = "",
) -> rx.Component:
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
    )
