"""/admin: every user (search, pages, deactivate) and every property."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.accounts import admin
from pms_app.core.i18n import N_
from pms_app.payments import setup_problems
from pms_app.properties import service as properties
from pms_app.ui.components.forms import confirm_button, form_error, form_notice
from pms_app.ui.components.layout import app_shell, empty_state, role_name
from pms_app.ui.components.tables import data_table
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.i18n import t, tn
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


class AdminState(PageState, SessionState):
    users: list[dict[str, Any]] = []
    total: int = 0
    page: int = 1
    search: str = ""
    props: list[dict[str, Any]] = []
    mpesa_lines: list[str] = []  # paybill or till, numbers, environment (never a secret)
    mpesa_problems: list[str] = []

    @rx.var
    def pages(self) -> int:
        return max(1, (self.total + admin.PAGE_SIZE - 1) // admin.PAGE_SIZE)

    def _clear(self) -> None:
        self.users, self.props = [], []

    def _load(self, session: Session, actor: User) -> None:
        rows, self.total = admin.list_users(session, actor, self.search, self.page)
        self.users = [
            {
                "id": r.id,
                "name": r.full_name,
                "email": r.email,
                "role": r.role,
                "active": r.is_active,
                "me": r.id == actor.id,  # an admin does not lock himself out
            }
            for r in rows
        ]
        self.props = [
            {"id": p.id, "name": p.name, "address": p.address, "owner": p.owner_name}
            for p in properties.list_all_properties(session, actor)
        ]
        setup = setup_problems.mpesa_setup(actor)
        self.mpesa_lines, self.mpesa_problems = setup.lines, setup.problems

    @rx.event
    async def do_search(self, form: dict[str, Any]) -> None:
        self.search, self.page = text(form, "q", 100), 1
        self.errors, self.error, self.notice = {}, "", ""
        await self._refresh()

    @rx.event
    async def go(self, delta: int) -> None:
        step = int_or_none(delta) if not isinstance(delta, int) else delta
        self.page = min(max(1, self.page + (step or 0)), self.pages)
        self.errors, self.error, self.notice = {}, "", ""
        await self._refresh()

    @rx.event
    async def set_active(self, user_id: int, active: bool) -> None:
        uid = int_or_none(user_id) or 0
        await self._act(
            lambda s, a: admin.set_user_active(s, a, uid, bool(active)), "User updated."
        )


def _user_cells(u: Any) -> list[rx.Component]:
    S = AdminState
    return [
        rx.table.cell(
            u["name"],
            # On a phone the email column is left out: the address goes under the name.
            rx.text(
                u["email"],
                size="1",
                color_scheme="gray",
                word_break="break-all",
                display=rx.breakpoints(initial="block", md="none"),
            ),
        ),
        rx.table.cell(u["email"]),
        rx.table.cell(rx.badge(role_name(u["role"]))),
        rx.table.cell(
            rx.cond(
                u["active"],
                rx.badge(t("active"), color_scheme="green"),
                rx.badge(t("deactivated"), color_scheme="gray"),
            )
        ),
        rx.table.cell(
            rx.cond(
                u["me"],
                rx.text(t("you"), size="1", color_scheme="gray"),
                rx.cond(
                    u["active"],
                    confirm_button(
                        t("Deactivate"),
                        t("Deactivate {email}?", email=u["email"].to(str)),
                        t("They are logged out everywhere and can't log in."),
                        S.set_active(u["id"], False),
                    ),
                    rx.button(
                        t("Reactivate"),
                        size="1",
                        variant="soft",
                        on_click=S.set_active(u["id"], True),
                    ),
                ),
            )
        ),
    ]


def _mpesa_setup() -> rx.Component:
    """What M-Pesa this install takes and what its settings get wrong (`cli check` also tries
    the keys against Safaricom)."""
    S = AdminState
    return rx.vstack(
        rx.heading(t("M-Pesa"), size="5", as_="h2"),
        rx.foreach(S.mpesa_lines, lambda line: rx.text(line, size="2")),
        rx.cond(
            S.mpesa_problems.length() > 0,
            # The root, not rx.callout: a list may not sit inside the callout's text <p>.
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle_alert")),
                rx.el.ul(rx.foreach(S.mpesa_problems, lambda p: rx.el.li(p))),
                color_scheme="red",
                id="mpesa-config-problems",
            ),
        ),
        id="mpesa-setup",
        spacing="1",
    )


def admin_page() -> rx.Component:
    S = AdminState
    return app_shell(
        form_error(S.error),
        form_notice(S.notice),
        rx.form(
            rx.hstack(
                rx.input(
                    name="q",
                    placeholder=t("Search name or email"),
                    aria_label=t("Search users"),
                ),
                rx.button(t("Search"), type="submit"),
            ),
            method="post",
            on_submit=S.do_search,
            reset_on_submit=False,
        ),
        data_table(
            [t(h) if h else "" for h in (N_("Name"), N_("Email"), N_("Role"), N_("Status"), "")],
            S.users,
            _user_cells,
            phone_hidden=(1, 3),  # email (under the name instead), status (the button says it)
        ),
        rx.hstack(
            rx.button(t("Previous"), on_click=S.go(-1), disabled=S.page <= 1, variant="soft"),
            rx.text(
                t("Page {page} of {pages}", page=S.page, pages=S.pages),
                " · ",
                tn("{n} user", "{n} users", S.total),
            ),
            rx.button(t("Next"), on_click=S.go(1), disabled=S.page >= S.pages, variant="soft"),
            align="center",
        ),
        rx.heading(t("Properties"), size="5", as_="h2"),
        rx.cond(
            S.props.length() == 0,
            empty_state(t("No properties yet.")),
            rx.vstack(
                rx.foreach(
                    S.props,
                    lambda p: rx.hstack(
                        rx.link(p["name"], href="/property?id=" + p["id"].to_string()),
                        rx.text(p["address"], size="2", color_scheme="gray"),
                        rx.text(t("Owner: {name}", name=p["owner"]), size="2"),
                        wrap="wrap",
                    ),
                ),
                spacing="2",
            ),
        ),
        _mpesa_setup(),
        title=t("Administration"),
    )
