"""Pages of a list: the page shown, how many there are, and Previous/Next (lists that page on
the server, like /tenants and /units)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.ui.shell.i18n import t


class Paged(rx.State, mixin=True):
    page: int = 1
    pages: int = 1

    @rx.event
    async def go(self, delta: int) -> None:
        """Previous (-1) or Next (+1), kept within the pages; the list is read again."""
        step = delta if isinstance(delta, int) and not isinstance(delta, bool) else 0
        self.page = min(max(1, self.page + step), self.pages)
        await self._refresh()  # type: ignore[attr-defined]


def pager(state: Any) -> rx.Component:
    S = state
    return rx.hstack(
        rx.button(t("Previous"), on_click=S.go(-1), disabled=S.page <= 1),
        rx.text(t("Page {page} of {pages}", page=S.page, pages=S.pages)),
        rx.button(t("Next"), on_click=S.go(1), disabled=S.page >= S.pages),
        align="center",
    )
