"""/payments' state: the landlord's money view — by tenant, by property or everything; billed vs
collected per month; arrears; CSV export; unallocated paybill money; reminders with progress.
Updates live when a payment lands."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.bookings import refunds
from pms_app.core import clock, formats
from pms_app.core.db import session_scope
from pms_app.core.errors import ServiceError
from pms_app.core.i18n import N_, use_language
from pms_app.leases.service import parse_date, today_local
from pms_app.payments import (
    board,
    exports,
    paybill,
    reminders,
    reports,
    reviews,
    setup_problems,
    voids,
)
from pms_app.payments.suggestions import Suggestion, accept_suggestion
from pms_app.properties.identity import session_identity
from pms_app.ui.payments.unconfirmed_state import RECEIPT_FIELD, UnconfirmedMixin, unconfirmed_row
from pms_app.ui.shell.formatting import method_label, money
from pms_app.ui.shell.forms import checked, int_or_none, text
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState
from pms_app.ui.shell.voids import VOID_REASON, VoidMixin

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


@live_page("/payments")
class PaymentsState(UnconfirmedMixin, VoidMixin, PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset({VOID_REASON, RECEIPT_FIELD})
    property_id: str = ""
    tenant_id: str = ""
    date_from: str = ""
    date_to: str = ""
    # Voided payments stay listed (marked) unless hidden; the totals never count them.
    show_voided: bool = True
    page: int = 1
    property_options: list[dict[str, str]] = []
    tenant_options: list[dict[str, str]] = []
    rows: list[dict[str, Any]] = []
    total_count: int = 0
    listed_count: int = 0  # the rows across the pages (voided ones too when shown)
    totals: dict[str, str] = {}
    months: list[dict[str, Any]] = []
    arrears: list[dict[str, Any]] = []
    unallocated: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    refunds: list[dict[str, Any]] = []  # cancelled paid bookings whose refund is still to make
    lease_options: list[dict[str, str]] = []
    selected: list[int] = []
    progress: int = 0
    progress_total: int = 0
    sending: bool = False
    mpesa_problem: str = ""  # the install's M-Pesa setup refuses pushes: what to fix

    @rx.var
    def pages(self) -> int:
        return max(1, (self.listed_count + reports.PAGE_SIZE - 1) // reports.PAGE_SIZE)

    def _filters(self) -> reports.Filters:
        return reports.Filters(
            property_id=int_or_none(self.property_id),
            tenant_id=int_or_none(self.tenant_id),
            date_from=parse_date(self.date_from, "date_from", "the start date", required=False),
            date_to=parse_date(self.date_to, "date_to", "the end date", required=False),
            show_voided=self.show_voided,
        )

    def _on_enter(self) -> None:
        self.page = 1

    def _clear(self) -> None:
        self.rows, self.months, self.arrears, self.unallocated, self.reviews = [], [], [], [], []
        self.refunds, self.unconfirmed = [], []

    def _load_key(self) -> tuple[Any, ...]:
        # Besides the database, the reader and the date (ui/shell/page.py), only the filters.
        f = (self.property_id, self.tenant_id, self.date_from, self.date_to, self.show_voided)
        return (*f, self.page)

    def _load(self, session: Session, actor: User) -> None:
        data = board.payments_page(session, actor, self._filters(), today_local(), self.page)
        self.property_options = [{"id": str(pid), "label": name} for pid, name in data.properties]
        self.tenant_options = [
            {"id": str(a.tenant_id), "label": f"{a.tenant} ({a.unit})"} for a in data.active
        ]
        self.lease_options = [
            {
                "id": str(a.lease_id),
                "label": f"{a.account_ref} — {a.tenant}",
                "property": str(a.property_id),
            }
            for a in data.active
        ]
        b = data.board
        self.rows = [
            {
                "id": r.id,
                "date": formats.moment(r.paid_at),
                "tenant": r.tenant,
                "property": r.property,
                "unit": r.unit,
                "amount": f"{r.amount:,}",
                "method": method_label(r.method),
                "receipt": r.receipt_no,
                "reference": r.reference,
                "type": self._tr(N_("Booking fee") if r.kind == "booking_fee" else N_("Rent")),
                "voided": r.status == "void",
                "refunded": self._tr("{amount} refunded", amount=money(r.refunded))
                if r.refunded
                else "",
                "voidable": r.status == "paid"
                and r.kind == "rent"
                and r.method in voids.VOIDABLE_METHODS,
                "label": self._tr(
                    "{amount} {method} payment of {date} ({tenant})",
                    amount=money(r.amount),
                    method=method_label(r.method).lower(),
                    date=formats.day(r.paid_at),
                    tenant=r.tenant,
                ),
                "lease": str(r.lease_id or ""),
            }
            for r in b.rows
        ]
        self.total_count, self.listed_count = b.total_count, b.listed_count
        self.totals = {
            "collected": f"{b.total_collected:,}",
            "billed": f"{b.total_billed:,}",
            "arrears": f"{b.total_arrears:,}",
            "count": str(b.total_count),
        }
        self.months = [
            {"month": m.month, "billed": m.billed, "collected": m.collected} for m in b.months
        ]
        self.arrears = [
            {
                "lease_id": a.lease_id,
                "tenant": a.tenant,
                "property": a.property,
                "unit": a.unit,
                "arrears": f"{a.arrears:,}",
            }
            for a in b.arrears
        ]
        self.unallocated = [
            {
                "id": q.id,
                "date": formats.moment(q.created_at),
                "amount": f"{q.amount:,}",
                "ref": q.account_ref,
                "payer": q.payer_name,
                "trans": q.trans_id,
                # Its money may go only to a lease of the property its prefix names
                # (none: an admin's to place anywhere).
                "property": str(q.property_id or ""),
                **_suggested(q.suggestion, self._tr),
            }
            for q in data.queue
            if q.status == "unallocated"
        ]
        self.reviews = [_review_row(q) for q in data.queue if q.status == "review"]
        self.unconfirmed = [unconfirmed_row(q) for q in data.queue if q.status == "unconfirmed"]
        notice = setup_problems.setup_problem(session, actor)
        self.mpesa_problem = (
            self._tr(
                "M-Pesa is refusing payment prompts because of the install's setup (refused: "
                "{count}, the last {when}): {problem}",
                count=notice.refused,
                when=formats.moment(notice.last_at),
                problem=notice.problem.text(),
            )
            if notice
            else ""
        )
        self.refunds = [
            {
                "id": r.booking_id,
                "number": r.number,
                "facility": r.facility,
                "booker": r.booker,
                "amount": money(r.amount),
                "date": formats.moment(r.cancelled_at),
            }
            for r in refunds.refunds_due(session, actor)
        ]

    @rx.event
    async def refresh(self) -> None:
        await self._refresh()

    @rx.event
    async def apply_filters(self, form: dict[str, Any]) -> None:
        self.property_id = text(form, "property", 12)
        self.tenant_id = text(form, "tenant", 12)
        self.date_from = text(form, "date_from", 12)
        self.date_to = text(form, "date_to", 12)
        self.show_voided = checked(form, "show_voided")
        self.page, self.errors, self.error = 1, {}, ""
        await self._refresh()

    @rx.event
    async def go(self, delta: int) -> None:
        step = delta if isinstance(delta, int) and not isinstance(delta, bool) else 0
        self.page = min(max(1, self.page + step), self.pages)
        await self._refresh()

    @rx.event
    async def export_csv(self) -> Any:
        data = await self._attempt(lambda s, a: exports.payments_csv(s, a, self._filters()))
        if data is None:
            return None
        return rx.download(data=data, filename=f"payments-{today_local().isoformat()}.csv")

    @rx.event
    async def assign(self, form: dict[str, Any]) -> None:
        pid = int_or_none(text(form, "payment_id", 20)) or 0
        lid = int_or_none(text(form, "lease_id", 20)) or 0
        await self._act(
            lambda s, a: paybill.assign_unallocated(s, a, pid, lid),
            "Payment assigned and credited.",
            form,
        )

    @rx.event
    async def accept_suggestion(self, form: dict[str, Any]) -> None:
        pid = int_or_none(text(form, "payment_id", 20)) or 0
        lid = int_or_none(text(form, "lease_id", 20)) or 0
        await self._act(
            lambda s, a: accept_suggestion(s, a, pid, lid),
            "Payment assigned and credited.",
            form,
        )

    @rx.event
    async def resolve(self, payment_id: int, accept: bool) -> None:
        pid = int_or_none(payment_id) or 0
        credit = accept is True
        done: list[tuple[int, str]] = []

        def work(s: Session, a: User | None) -> None:
            p = reviews.resolve_review(s, a, pid, credit)
            done.append((p.amount, p.receipt_no or ""))  # read now: the page re-read expires it

        ok = await self._act(work)
        if ok:
            amount, receipt_no = done[0]
            self.notice = (
                self._tr(
                    "{amount} credited, receipt {receipt}.",
                    amount=money(amount),
                    receipt=receipt_no,
                )
                if credit
                else self._tr("Payment rejected: nothing was credited.")
            )

    @rx.event
    async def mark_refunded(self, booking_id: int) -> None:
        bid = int_or_none(booking_id) or 0
        await self._act(
            lambda s, a: refunds.mark_refunded(s, a, bid, now=clock.now()),
            "Refund marked as made; it is recorded in the audit trail.",
        )

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
                actor = session_identity(session, token).user
                return reminders.reminder_targets(
                    session, actor, selected, bool(arrears_only), today_local()
                )

        try:
            targets = await asyncio.to_thread(_targets)
        except ServiceError as exc:
            async with self:
                self.error = exc.in_language(self.lang)
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
            with use_language(self.lang):  # a background event: no language set around it
                sent = formats.plural(queued, "{n} reminder(s) sent", "{n} reminders sent")
                if already:
                    self.notice = self._tr(
                        "{sent}; {already}.",
                        sent=sent,
                        already=formats.plural(
                            already,
                            "{n} tenant was already reminded today",
                            "{n} tenants were already reminded today",
                        ),
                    )
                else:
                    self.notice = self._tr("{sent}.", sent=sent)


def _suggested(found: Suggestion | None, tr: Any) -> dict[str, str]:
    """The lease queued money is probably for, and why, as the unallocated row shows it."""
    if found is None:
        return {"suggested_id": "", "suggested": "", "suggested_why": ""}
    return {
        "suggested_id": str(found.lease_id),
        "suggested": f"{found.account_ref} — {found.tenant}",
        "suggested_why": " · ".join(tr(reason) for reason in found.reasons),
    }


def _review_row(q: board.QueuedPayment) -> dict[str, Any]:
    paid = q.received_amount if q.received_amount is not None else q.amount
    return {
        "id": q.id,
        "date": formats.moment(q.created_at),
        "who": " · ".join(x for x in (q.tenant, q.unit) if x) or q.account_ref,
        "phone": q.phone,
        "asked": f"{q.amount:,}",
        "paid": f"{paid:,}",
        "differs": q.received_amount is not None and q.received_amount != q.amount,
        "receipt": q.receipt,
        "why": q.why,
    }
