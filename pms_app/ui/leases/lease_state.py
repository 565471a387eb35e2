"""/lease?id=…'s state: the lease, its statement, payments and documents; cash/bank payments,
adjustments, documents and the end of the lease."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.core import formats
from pms_app.core.errors import ValidationError
from pms_app.documents import service as documents
from pms_app.leases import service as leases
from pms_app.ledger import service as ledger
from pms_app.payments import audit_trail, lease_view
from pms_app.payments import reviews as payments
from pms_app.payments.matching import shown_status
from pms_app.ui.shell.formatting import method_label, money, status_label
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState
from pms_app.ui.shell.voids import VOID_REASON, VoidMixin

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User

# The adjustment form's inputs for the service's fields (the payment form has an "amount" too).
ADJUSTMENT_INPUTS = {"amount": "adj_amount", "date": "adj_date"}


@live_page("/lease")
class LeaseState(VoidMixin, PageState, SessionState):
    # The payment, adjustment, end-of-lease and void forms; a select's or a document's error
    # shows in the banner.
    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "amount",
            "paid_on",
            "reference",
            "adj_amount",
            "reason",
            "adj_date",
            "move_out",
            VOID_REASON,
        }
    )

    lease_id: int = 0
    info: dict[str, str] = {}
    active: bool = False
    lines: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    balance: str = ""
    arrears: str = ""
    not_found: bool = False
    documents: list[dict[str, str]] = []
    history: list[dict[str, str]] = []  # the audit trail of this lease's payments

    def _on_enter(self) -> None:
        self.lease_id = int_or_none(self.router.url.query_parameters.get("id", "")) or 0

    def _clear(self) -> None:
        self.not_found, self.info, self.history = True, {}, []

    def _load(self, session: Session, actor: User) -> None:
        page = lease_view.lease_page(session, actor, self.lease_id, leases.today_local())
        lease = page.lease
        self.active = lease.active
        self.info = {
            "property": lease.property_name,
            "property_id": str(lease.property_id),
            "unit": lease.unit_label,
            "tenant": lease.tenant_name,
            "email": lease.tenant_email,
            "rent": f"{lease.rent:,}",
            "deposit": f"{lease.deposit:,}",
            "due_day": str(lease.due_day),
            "start": formats.day(lease.start_date),
            "end": formats.day(lease.end_date) if lease.end_date else "",
            "ended_on": formats.day(lease.ended_on) if lease.ended_on else "",
            "ref": lease.account_ref,
            "status": lease.status,
            "status_text": status_label(lease.status),
        }
        st = page.statement
        self.balance, self.arrears = f"{st.balance:,}", f"{st.arrears:,}"
        self.lines = [
            {
                "date": formats.day(line.due_date),
                "description": line.description,
                "charge": f"{line.charge:,}" if line.charge else "",
                "credit": f"{line.credit:,}" if line.credit else "",
                "balance": f"{line.balance:,}",
                "outstanding": f"{line.outstanding:,}" if line.outstanding else "",
            }
            for line in reversed(st.lines)
        ]
        self.documents = [
            {
                "id": str(d.id),
                "name": d.name,
                "size": f"{d.size_kb:,} KB",
                "date": formats.day(d.uploaded_at, lease.timezone),
            }
            for d in page.documents
        ]
        tz = lease.timezone
        self.payments = [
            {
                "id": str(p.id),
                "date": formats.moment(p.created_at, tz),
                "amount": f"{p.amount:,}",
                "method": method_label(p.method),
                "status": shown_status(p.status, p.result_desc),
                "status_text": status_label(shown_status(p.status, p.result_desc)),
                "receipt": p.receipt_no,
                "detail": p.result_desc or p.mpesa_receipt or p.reference,
                "url": f"/api/receipts/{p.id}.pdf" if p.receipt_no else "",
                "voidable": "1" if p.voidable else "",
                "label": self._tr(
                    "{amount} {method} payment of {day}",
                    amount=money(p.amount),
                    method=method_label(p.method).lower(),
                    day=formats.day(p.created_at, tz),
                ),
            }
            for p in page.payments
        ]
        self.history = [
            {
                "at": formats.moment(h.at, tz),
                "line": self._audit_line(h),
            }
            for h in reversed(audit_trail.lease_history(session, actor, self.lease_id))
        ]
        self.not_found = False

    @rx.event
    async def record_payment(self, form: dict[str, Any]) -> None:
        await self._act(
            lambda s, a: payments.record_manual_payment(
                s,
                a,
                self.lease_id,
                text(form, "amount", 20),
                text(form, "method", 10),
                text(form, "paid_on", 20),
                text(form, "reference", 5000),
            ),
            "Payment recorded; a receipt was emailed to the tenant.",
            form,
        )

    @rx.event
    async def adjust(self, form: dict[str, Any]) -> None:
        def post(s: Session, a: User | None) -> None:
            try:
                ledger.post_adjustment(
                    s,
                    a,
                    self.lease_id,
                    text(form, "adj_amount", 20),
                    text(form, "direction", 10),
                    text(form, "reason", 5000),
                    text(form, "adj_date", 20),
                )
            except ValidationError as exc:  # its error beside this form's input, not the payment's
                field = ADJUSTMENT_INPUTS.get(exc.field or "", exc.field)
                raise ValidationError(exc.template, field, **exc.params) from exc

        await self._act(post, "Adjustment posted.", form)

    def _audit_line(self, h: Any) -> str:
        values = {
            "who": h.actor or self._tr("someone no longer here"),
            "payment": h.payment,
            "reason": h.reason,
            "before": money(h.before_amount),
            "after": money(h.after_amount),
        }
        if h.action == "void":
            return self._tr(
                "{who} voided the {payment} · reason: “{reason}” · counted {before} before, "
                "{after} after",
                **values,
            )
        if h.action == "mark_paid":  # an unconfirmed M-Pesa payment, from the statement (#11.7)
            return self._tr("{who} marked the {payment} paid from the M-Pesa statement", **values)
        if h.action == "mark_failed":
            return self._tr("{who} marked the {payment} failed (not on the statement)", **values)
        return self._tr(
            "{who}: {action}, the {payment} · reason: “{reason}” · counted {before} before, "
            "{after} after",
            action=h.action,
            **values,
        )

    @rx.event
    def files_rejected(self, rejected: list[Any]) -> None:
        """The browser refused the chosen file (react-dropzone's accept/max_size): say why, rather
        than "Choose a file first." when Upload is pressed. `rejected`: each refused file's
        errors ([{code, message}]), as the page sends them."""
        codes: set[str] = set()
        for errors in rejected if isinstance(rejected, list) else []:
            for err in errors if isinstance(errors, list) else []:
                if isinstance(err, dict) and isinstance(err.get("code"), str):
                    codes.add(err["code"])
        self.errors, self.notice = {}, ""
        limit_mb = documents.MAX_BYTES // (1024 * 1024)
        if "file-too-large" in codes:
            self.error = self._tr(
                "That file is larger than {limit} MB: scan it at a lower resolution.",
                limit=limit_mb,
            )
        elif "file-invalid-type" in codes:
            self.error = self._tr("Only PDF, JPEG or PNG files can be uploaded.")
        elif "too-many-files" in codes:
            self.error = self._tr("Choose one file at a time.")
        else:
            self.error = self._tr("That file cannot be uploaded: choose a PDF, JPEG or PNG.")

    @rx.event
    async def upload_document(self, files: list[rx.UploadFile]) -> Any:
        self.errors, self.error, self.notice = {}, "", ""
        upload = files[0] if isinstance(files, list) and files else None
        if not hasattr(upload, "read"):  # nothing chosen, or not a file (a forged event)
            self.error = self._tr("Choose a file first.")
            return None
        # The browser's size limit is only a hint: stop reading past the server's limit.
        data = await upload.read(documents.MAX_BYTES + 1)
        name = str(upload.name or upload.filename or "document")
        await self._act(
            lambda s, a: documents.upload(s, a, self.lease_id, name, data),
            "Document uploaded.",
        )
        return rx.clear_selected_files("lease-doc")

    @rx.event
    async def delete_document(self, document_id: str) -> None:
        await self._act(
            lambda s, a: documents.delete_document(s, a, int_or_none(document_id) or 0),
            "Document deleted.",
        )

    @rx.event
    async def end(self, form: dict[str, Any]) -> None:
        await self._act(
            lambda s, a: leases.end_lease(s, a, self.lease_id, text(form, "move_out", 20)),
            "Lease ended.",
            form,
        )
