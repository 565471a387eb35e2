"""/payments: the landlord's money view — by tenant, by property or everything; billed vs
collected per month; arrears; CSV export; unallocated paybill money; reminders with progress.
Updates live when a payment lands."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from pms_app.accounts.models import User
from pms_app.accounts.service import user_for_token
from pms_app.core.db import session_scope
from pms_app.core.errors import ServiceError
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.leases.service import parse_date, today_local
from pms_app.payments import reminders, reports
from pms_app.payments import service as payments
from pms_app.properties.access import managed_property_ids
from pms_app.properties.models import Property, Unit
from pms_app.ui.components.forms import confirm_button, form_error, form_notice
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.components.tables import data_table
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.session import SessionState

METHOD_LABELS = {"mpesa_stk": "M-Pesa", "mpesa_paybill": "Paybill", "cash": "Cash", "bank": "Bank"}


@live_page("/payments")
class PaymentsState(SessionState):
    property_id: str = ""
    tenant_id: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    property_options: list[dict[str, str]] = []
    tenant_options: list[dict[str, str]] = []
    rows: list[dict[str, Any]] = []
    total_count: int = 0
    totals: dict[str, str] = {}
    months: list[dict[str, Any]] = []
    arrears: list[dict[str, Any]] = []
    unallocated: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    lease_options: list[dict[str, str]] = []
    selected: list[int] = []
    progress: int = 0
    progress_total: int = 0
    sending: bool = False
    error: str = ""
    notice: str = ""

    @rx.var
    def pages(self) -> int:
        return max(1, (self.total_count + reports.PAGE_SIZE - 1) // reports.PAGE_SIZE)

    def _filters(self) -> reports.Filters:
        return reports.Filters(
            property_id=int_or_none(self.property_id),
            tenant_id=int_or_none(self.tenant_id),
            date_from=parse_date(self.date_from, "date_from", "the start date", required=False),
            date_to=parse_date(self.date_to, "date_to", "the end date", required=False),
        )

    @rx.event
    def load(self) -> None:
        self.error, self.notice, self.page = "", "", 1
        self._reload()

    @rx.event
    def refresh(self) -> None:
        self._reload()

    def _reload(self) -> None:
        from sqlmodel import col, select

        def _load(session: Any, actor: Any) -> None:
            board = reports.dashboard(session, actor, self._filters(), today_local(), self.page)
            ids = managed_property_ids(session, actor) if actor else []
            self.property_options = [
                {"id": str(p.id), "label": p.name}
                for p in session.exec(
                    select(Property).where(col(Property.id).in_(ids)).order_by(Property.name)
                ).all()
            ]
            active = session.exec(
                select(Lease, User, Unit)
                .join(User, col(User.id) == Lease.tenant_id)
                .join(Unit, col(Unit.id) == Lease.unit_id)
                .where(col(Lease.property_id).in_(ids), Lease.status == LeaseStatus.ACTIVE)
                .order_by(User.full_name)
            ).all()
            self.tenant_options = [
                {"id": str(u.id), "label": f"{u.full_name} ({unit.label})"}
                for _l, u, unit in active
            ]
            self.lease_options = [
                {
                    "id": str(lease.id),
                    "label": f"{lease.account_ref} — {u.full_name}",
                    "property": str(lease.property_id),
                }
                for lease, u, _unit in active
            ]
            self.rows = [
                {
                    "id": r.id,
                    "date": r.paid_at.strftime("%Y-%m-%d %H:%M"),
                    "tenant": r.tenant,
                    "property": r.property,
                    "unit": r.unit,
                    "amount": f"{r.amount:,}",
                    "method": METHOD_LABELS.get(r.method, r.method),
                    "receipt": r.receipt_no,
                    "reference": r.reference,
                }
                for r in board.rows
            ]
            self.total_count = board.total_count
            self.totals = {
                "collected": f"{board.total_collected:,}",
                "billed": f"{board.total_billed:,}",
                "arrears": f"{board.total_arrears:,}",
                "count": str(board.total_count),
            }
            self.months = [
                {"month": m.month, "billed": m.billed, "collected": m.collected}
                for m in board.months
            ]
            self.arrears = [
                {
                    "lease_id": a.lease_id,
                    "tenant": a.tenant,
                    "property": a.property,
                    "unit": a.unit,
                    "arrears": f"{a.arrears:,}",
                }
                for a in board.arrears
            ]
            self.unallocated = [
                {
                    "id": p.id,
                    "date": p.created_at.strftime("%Y-%m-%d %H:%M"),
                    "amount": f"{p.amount:,}",
                    "ref": p.account_ref,
                    "payer": p.payer_name,
                    "trans": p.trans_id or "",
                    # Its money may go only to a lease of the property its prefix names
                    # (none: an admin's to place anywhere).
                    "property": str(p.property_id or ""),
                }
                for p in payments.visible_unallocated(session, actor)
            ]
            self.reviews = [
                _review_row(session, p) for p in payments.visible_reviews(session, actor)
            ]

        try:
            self._with_actor(_load)
        except ServiceError as exc:
            self.rows, self.months, self.arrears, self.error = [], [], [], exc.message

    @rx.event
    def apply_filters(self, form: dict[str, Any]) -> None:
        self.property_id = text(form, "property", 12)
        self.tenant_id = text(form, "tenant", 12)
        self.date_from = text(form, "date_from", 12)
        self.date_to = text(form, "date_to", 12)
        self.page, self.error = 1, ""
        self._reload()

    @rx.event
    def go(self, delta: int) -> None:
        step = delta if isinstance(delta, int) else 0
        self.page = min(max(1, self.page + step), self.pages)
        self._reload()

    @rx.event
    def export_csv(self) -> Any:
        try:
            data = self._with_actor(lambda s, a: reports.payments_csv(s, a, self._filters()))
        except ServiceError as exc:
            self.error = exc.message
            return None
        return rx.download(data=data, filename=f"payments-{today_local().isoformat()}.csv")

    @rx.event
    def assign(self, form: dict[str, Any]) -> None:
        self.error, self.notice = "", ""
        pid = int_or_none(text(form, "payment_id", 20)) or 0
        lid = int_or_none(text(form, "lease_id", 20)) or 0
        try:
            self._with_actor(lambda s, a: payments.assign_unallocated(s, a, pid, lid))
            self.notice = "Payment assigned and credited."
        except ServiceError as exc:
            self.error = exc.message
        self._reload()

    @rx.event
    def resolve(self, payment_id: int, accept: bool) -> None:
        self.error, self.notice = "", ""
        pid = int_or_none(payment_id) or 0
        credit = accept is True
        try:
            p = self._with_actor(lambda s, a: payments.resolve_review(s, a, pid, credit))
            self.notice = (
                f"KES {p.amount:,} credited, receipt {p.receipt_no}."
                if credit
                else "Payment rejected: nothing was credited."
            )
        except ServiceError as exc:
            self.error = exc.message
        self._reload()

    @rx.event
    def toggle(self, lease_id: int, on: bool) -> None:
        lid = int_or_none(lease_id)
        if lid is None:
            return
        chosen = set(self.selected)
        chosen.add(lid) if on else chosen.discard(lid)
        self.selected = sorted(chosen)

    @rx.event(background=True)
    async def send_reminders(self, arrears_only: bool) -> Any:
        """Queue reminder emails one by one, showing progress (large sends take a while)."""
        async with self:
            if self.sending:
                return
            self.error, self.notice = "", ""
            token, selected = self.session_token, list(self.selected)

        def _targets() -> list[int]:

            with session_scope() as session:
                actor = user_for_token(session, token)
                return reminders.reminder_targets(
                    session, actor, selected, bool(arrears_only), today_local()
                )

        try:
            targets = await asyncio.to_thread(_targets)
        except ServiceError as exc:
            async with self:
                self.error = exc.message
            return
        async with self:
            self.sending, self.progress, self.progress_total = True, 0, len(targets)
        queued = 0
        for i, lease_id in enumerate(targets, start=1):

            def _one(lid: int = lease_id) -> bool:
                with session_scope() as session:
                    return reminders.queue_reminder(session, lid, today_local())

            queued += await asyncio.to_thread(_one)
            if i % 5 == 0 or i == len(targets):
                async with self:
                    self.progress = i
        async with self:
            self.sending = False
            self.selected = []
            already = len(targets) - queued
            self.notice = f"{queued} reminder(s) sent" + (
                f"; {already} tenant(s) were already reminded today." if already else "."
            )


def _stat(label: str, value: Any, id_: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"), rx.heading(value, size="6", id=id_)
        ),
        min_width="160px",
    )


def _filters() -> rx.Component:
    S = PaymentsState

    def sel(name: str, options: Any, label: str, value: Any) -> rx.Component:
        return rx.el.select(
            rx.el.option(label, value=""),
            rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["id"])),
            name=name,
            id=f"filter-{name}",
            default_value=value,
            style={"padding": "6px", "border-radius": "6px"},
        )

    return rx.form(
        rx.hstack(
            sel("property", S.property_options, "All properties", S.property_id),
            sel("tenant", S.tenant_options, "All tenants", S.tenant_id),
            rx.input(type="date", name="date_from", default_value=S.date_from, aria_label="From"),
            rx.input(type="date", name="date_to", default_value=S.date_to, aria_label="To"),
            rx.button("Apply", type="submit", id="apply-filters"),
            rx.button(
                "Export CSV",
                type="button",
                variant="outline",
                on_click=S.export_csv,
                id="export-csv",
            ),
            wrap="wrap",
            align="center",
        ),
        method="post",
        on_submit=S.apply_filters,
        reset_on_submit=False,
    )


def _chart() -> rx.Component:
    return rx.cond(
        PaymentsState.months.length() > 0,
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="billed", fill="var(--gray-8)", name="Billed"),
            rx.recharts.bar(data_key="collected", fill="var(--teal-9)", name="Collected"),
            rx.recharts.x_axis(data_key="month"),
            rx.recharts.y_axis(),
            rx.recharts.legend(),
            rx.recharts.graphing_tooltip(),
            data=PaymentsState.months,
            width="100%",
            height=260,
        ),
    )


def _review_row(session: Any, p: Any) -> dict[str, Any]:

    lease = session.get(Lease, p.lease_id) if p.lease_id else None
    tenant = session.get(User, lease.tenant_id) if lease else None
    unit = session.get(Unit, lease.unit_id) if lease else None
    paid = p.received_amount if p.received_amount is not None else p.amount
    return {
        "id": p.id,
        "date": p.created_at.strftime("%Y-%m-%d %H:%M"),
        "who": " · ".join(
            x for x in (tenant.full_name if tenant else "", unit.label if unit else "") if x
        )
        or p.account_ref,
        "phone": p.phone,
        "asked": f"{p.amount:,}",
        "paid": f"{paid:,}",
        "differs": p.received_amount is not None and p.received_amount != p.amount,
        "receipt": p.mpesa_receipt or "",
        "why": p.result_desc.removeprefix("Check before crediting: "),
    }


def _reviews() -> rx.Component:
    S = PaymentsState
    return rx.cond(
        S.reviews.length() > 0,
        rx.vstack(
            rx.heading("Payments to check", size="5"),
            rx.text(
                "M-Pesa confirmed these payments but something did not match the request. "
                "Check each against your M-Pesa statement before crediting it.",
                size="2",
            ),
            rx.foreach(
                S.reviews,
                lambda r: rx.card(
                    rx.flex(
                        rx.vstack(
                            rx.text(r["date"], " · ", r["who"], " · ", r["phone"], size="2"),
                            rx.text(
                                "M-Pesa reports KES ",
                                rx.text.strong(r["paid"]),
                                rx.cond(
                                    r["differs"], " (asked KES " + r["asked"].to(str) + ")", ""
                                ),
                                rx.cond(
                                    r["receipt"] != "", " · receipt " + r["receipt"].to(str), ""
                                ),
                            ),
                            rx.text(r["why"], size="2", color_scheme="orange"),
                            spacing="1",
                        ),
                        rx.hstack(
                            confirm_button(
                                "Credit KES " + r["paid"].to(str),
                                "Credit KES " + r["paid"].to(str) + " to this tenant?",
                                "Only if the money is on your M-Pesa statement. A receipt is sent.",
                                S.resolve(r["id"], True),
                                "green",
                            ),
                            confirm_button(
                                "Reject",
                                "Reject this payment?",
                                "Nothing is credited. Refund the payer through M-Pesa if needed.",
                                S.resolve(r["id"], False),
                                "red",
                            ),
                            spacing="2",
                        ),
                        justify="between",
                        align="center",
                        wrap="wrap",
                        gap="3",
                    ),
                    width="100%",
                    class_name="review-row",
                ),
            ),
            width="100%",
        ),
    )


def _unallocated() -> rx.Component:
    S = PaymentsState
    return rx.cond(
        S.unallocated.length() > 0,
        rx.vstack(
            rx.heading("Unallocated paybill payments", size="5"),
            rx.text(
                "The account number matched no lease. Assign each to the right tenant.", size="2"
            ),
            rx.foreach(
                S.unallocated,
                lambda p: rx.card(
                    rx.form(
                        rx.hstack(
                            rx.text(p["date"], size="2"),
                            rx.text("KES ", p["amount"], weight="bold"),
                            rx.text(
                                "account “",
                                p["ref"],
                                "” from ",
                                p["payer"],
                                " · ",
                                p["trans"],
                                size="2",
                            ),
                            rx.el.input(
                                type="hidden", name="payment_id", value=p["id"].to_string()
                            ),
                            rx.el.select(
                                rx.el.option("Assign to…", value=""),
                                rx.foreach(
                                    S.lease_options,
                                    lambda o: rx.cond(
                                        (o["property"] == p["property"]) | (p["property"] == ""),
                                        rx.el.option(o["label"], value=o["id"]),
                                        rx.fragment(),
                                    ),
                                ),
                                name="lease_id",
                                required=True,
                                style={"padding": "6px"},
                            ),
                            rx.button("Assign", type="submit", size="1"),
                            wrap="wrap",
                            align="center",
                        ),
                        method="post",
                        on_submit=S.assign,
                    ),
                    width="100%",
                    class_name="unallocated-row",
                ),
            ),
            width="100%",
        ),
    )


def _arrears() -> rx.Component:
    S = PaymentsState
    return rx.vstack(
        rx.hstack(
            rx.heading("Arrears", size="5"),
            rx.spacer(),
            rx.button(
                "Remind selected",
                on_click=S.send_reminders(False),
                disabled=S.sending,
                variant="outline",
                id="remind-selected",
            ),
            rx.button(
                "Remind all in arrears",
                on_click=S.send_reminders(True),
                disabled=S.sending,
                id="remind-all",
            ),
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            S.sending | (S.progress_total > 0),
            rx.vstack(
                rx.progress(
                    value=rx.cond(S.progress_total > 0, S.progress * 100 / S.progress_total, 0),
                    width="100%",
                ),
                rx.text(S.progress, " / ", S.progress_total, size="1", id="reminder-progress"),
                width="100%",
            ),
        ),
        rx.cond(
            S.arrears.length() == 0,
            empty_state("Nobody is in arrears."),
            rx.vstack(
                rx.foreach(
                    S.arrears,
                    lambda a: rx.hstack(
                        rx.checkbox(
                            checked=S.selected.contains(a["lease_id"]),
                            on_change=lambda on: S.toggle(a["lease_id"], on),
                        ),
                        rx.link(a["tenant"], href="/lease?id=" + a["lease_id"].to_string()),
                        rx.text(a["property"], " ", a["unit"], size="2", color_scheme="gray"),
                        rx.text("KES ", a["arrears"], weight="bold"),
                        class_name="arrears-row",
                        align="center",
                    ),
                ),
                spacing="2",
            ),
        ),
        width="100%",
    )


def payments_page() -> rx.Component:
    S = PaymentsState
    return app_shell(
        form_error(S.error),
        form_notice(S.notice),
        _filters(),
        rx.flex(
            _stat("Collected (KES)", S.totals["collected"], "total-collected"),
            _stat("Billed (KES)", S.totals["billed"], "total-billed"),
            _stat("In arrears (KES)", S.totals["arrears"], "total-arrears"),
            _stat("Payments", S.totals["count"], "total-count"),
            spacing="3",
            wrap="wrap",
        ),
        _chart(),
        _reviews(),
        _unallocated(),
        rx.heading("Payments", size="5"),
        rx.cond(
            S.rows.length() == 0,
            empty_state("No payments in this view yet."),
            data_table(
                ("Date", "Tenant", "Property", "Unit", "KES", "Method", "Receipt", "Reference"),
                S.rows,
                lambda r: [
                    rx.table.cell(r["date"]),
                    rx.table.cell(r["tenant"]),
                    rx.table.cell(r["property"]),
                    rx.table.cell(r["unit"]),
                    rx.table.cell(r["amount"]),
                    rx.table.cell(r["method"]),
                    rx.table.cell(
                        rx.link(
                            r["receipt"],
                            href="/api/receipts/" + r["id"].to_string() + ".pdf",
                            is_external=True,
                        )
                    ),
                    rx.table.cell(r["reference"]),
                ],
                table_id="payments-table",
                row_class="payment-row",
            ),
        ),
        rx.hstack(
            rx.button("Previous", on_click=S.go(-1), disabled=S.page <= 1, variant="soft"),
            rx.text("Page ", S.page, " of ", S.pages),
            rx.button("Next", on_click=S.go(1), disabled=S.page >= S.pages, variant="soft"),
            align="center",
        ),
        _arrears(),
        title="Payments",
    )
