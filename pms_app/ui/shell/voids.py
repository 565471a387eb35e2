"""Voiding a cash/bank payment from a page (#10.7): the payments list and the lease page mix this
in (before PageState) and render components/voids.void_dialog. The dialog asks for the reason
and is the confirmation; the service decides who may void what."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.core.errors import ValidationError
from pms_app.payments import voids
from pms_app.ui.shell.forms import int_or_none, text

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User

VOID_REASON = "void_reason"  # the dialog's input (the lease page has another "reason")


class VoidMixin(rx.State, mixin=True):
    void_id: int = 0  # the payment whose dialog is open (0: closed)
    void_label: str = ""  # what the dialog names ("KES 5,000 cash payment of 1 Dec 2026")

    @rx.event
    def open_void(self, payment_id: int, label: str) -> None:
        self.void_id = int_or_none(payment_id) or 0
        self.void_label = label[:120] if isinstance(label, str) else ""
        self.errors = {}  # type: ignore[attr-defined]

    @rx.event
    def void_open_change(self, is_open: bool) -> None:
        if is_open is not True:
            self.void_id = 0

    @rx.event
    async def void(self, form: dict[str, Any]) -> None:
        pid = self.void_id

        def work(s: Session, a: User | None) -> None:
            try:
                voids.void_payment(s, a, pid, text(form, VOID_REASON, 5000))
            except ValidationError as exc:  # beside the dialog's input
                field = VOID_REASON if exc.field == "reason" else exc.field
                raise ValidationError(exc.message, field) from exc

        ok = await self._act(  # type: ignore[attr-defined]
            work,
            "Payment voided: it stays listed as Voided, and the tenant owes the amount again.",
            form,
        )
        if ok:
            self.void_id = 0
