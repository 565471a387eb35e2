"""/payments' unconfirmed STK payments (#11.7): the rows, and the manager's two answers — paid
(a dialog asks for the M-Pesa receipt number: opening it is the first step, submitting it the
confirmation) or failed (a confirm button). The service decides who may."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.core import formats
from pms_app.core.errors import ValidationError
from pms_app.payments import unconfirmed
from pms_app.ui.shell.formatting import money
from pms_app.ui.shell.forms import int_or_none, text

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User
    from pms_app.payments.board import QueuedPayment

RECEIPT_FIELD = "unconfirmed_receipt"  # the dialog's input (its error shows beside it)


def unconfirmed_row(q: QueuedPayment) -> dict[str, Any]:
    return {
        "id": q.id,
        "date": formats.moment(q.created_at),
        "who": " · ".join(x for x in (q.tenant, q.unit) if x) or q.account_ref,
        "phone": q.phone,
        "amount": money(q.amount),
    }


class UnconfirmedMixin(rx.State, mixin=True):
    unconfirmed: list[dict[str, Any]] = []
    confirm_id: int = 0  # the payment whose "mark paid" dialog is open (0: closed)
    confirm_label: str = ""

    @rx.event
    def open_confirm(self, payment_id: int, label: str) -> None:
        self.confirm_id = int_or_none(payment_id) or 0
        self.confirm_label = label[:120] if isinstance(label, str) else ""
        self.errors = {}  # type: ignore[attr-defined]

    @rx.event
    def confirm_open_change(self, is_open: bool) -> None:
        if is_open is not True:
            self.confirm_id = 0

    @rx.event
    async def mark_unconfirmed_paid(self, form: dict[str, Any]) -> None:
        pid = self.confirm_id

        def work(s: Session, a: User | None) -> None:
            try:
                unconfirmed.mark_paid(s, a, pid, text(form, RECEIPT_FIELD, 40))
            except ValidationError as exc:  # beside the dialog's input
                field = RECEIPT_FIELD if exc.field == "receipt" else exc.field
                raise ValidationError(exc.template, field, **exc.params) from exc

        ok = await self._act(  # type: ignore[attr-defined]
            work, "Payment marked paid and credited; a receipt is sent.", form
        )
        if ok:
            self.confirm_id = 0

    @rx.event
    async def mark_unconfirmed_failed(self, payment_id: int) -> None:
        pid = int_or_none(payment_id) or 0
        await self._act(  # type: ignore[attr-defined]
            lambda s, a: unconfirmed.mark_failed(s, a, pid),
            "Payment marked failed: nothing was credited.",
        )
