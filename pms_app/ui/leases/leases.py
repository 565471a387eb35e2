"""/leases?property=… (list, create) and /lease?id=… (statement, payments, adjustments, end)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import col, select

from pms_app.accounts.models import Role, User
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.documents import service as documents
from pms_app.leases import service as leases
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger import service as ledger
from pms_app.payments import service as payments
from pms_app.payments.models import Payment
from pms_app.properties import service as properties
from pms_app.properties.access import get_managed_property
from pms_app.properties.models import Membership, MembershipStatus, Property, Unit
from pms_app.ui.components.forms import field, form_error, form_notice
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.components.tables import data_table
from pms_app.ui.shell.formatting import METHOD_LABELS
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.session import FormActions, SessionState


def _select(name: str, options: Any, placeholder: str) -> rx.Component:
    return rx.el.select(
        rx.el.option(placeholder, value=""),
        rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["id"])),
        name=name,
        id=name,
        required=True,
        style={"padding": "8px", "border-radius": "6px", "width": "100%"},
    )


@live_page("/leases")
class LeasesState(SessionState):
    property_id: int = 0
    property_name: str = ""
    rows: list[dict[str, Any]] = []
    tenant_options: list[dict[str, str]] = []
    unit_options: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    error: str = ""
    notice: str = ""
    not_found: bool = False

    @rx.event
    def load(self) -> None:
        self.errors, self.error, self.notice = {}, "", ""
        self.property_id = int_or_none(self.router.url.query_parameters.get("property", "")) or 0
        self._reload()

    @rx.event
    def refresh(self) -> None:
        self._reload()

    def _reload(self) -> None:
        def _load(session: Any, actor: Any) -> None:
            prop = get_managed_property(session, actor, self.property_id)
            self.property_name = prop.name
            self.rows = [
                {
                    "id": r.id,
                    "unit": r.unit_label,
                    "tenant": r.tenant_name,
                    "rent": f"{r.rent:,}",
                    "status": r.status,
                    "start": r.start_date.isoformat(),
                    "ref": r.account_ref,
                    "balance": f"{r.balance:,}",
                }
                for r in ledger.list_leases(session, actor, prop.id or 0)
            ]
            busy_units = set(
                session.exec(
                    select(Lease.unit_id).where(
                        Lease.property_id == prop.id, Lease.status == LeaseStatus.ACTIVE
                    )
                ).all()
            )
            busy_tenants = set(
                session.exec(
                    select(Lease.tenant_id).where(
                        Lease.property_id == prop.id, Lease.status == LeaseStatus.ACTIVE
                    )
                ).all()
            )
            self.unit_options = [
                {
                    "id": str(u.id),
                    "label": f"{u.label} (KES {u.effective_rent:,})"
                    if u.effective_rent
                    else u.label,
                }
                for u in properties.list_units(session, actor, prop.id or 0)
                if u.id not in busy_units
            ]
            tenants = session.exec(
                select(User, Membership)
                .join(Membership, col(Membership.user_id) == User.id)
                .where(
                    Membership.property_id == prop.id,
                    Membership.role == Role.TENANT,
                    Membership.status == MembershipStatus.APPROVED,
                )
                .order_by(User.full_name)
            ).all()
            labels = dict(
                session.exec(select(Unit.id, Unit.label).where(Unit.property_id == prop.id)).all()
            )  # type: ignore[arg-type]
            self.tenant_options = [
                {
                    "id": str(u.id),
                    "label": u.full_name + (f" ({labels.get(m.unit_id)})" if m.unit_id else ""),
                }
                for u, m in tenants
                if u.id not in busy_tenants
            ]

        try:
            self._with_actor(_load)
            self.not_found = False
        except ServiceError:
            self.not_found, self.rows = True, []

    @rx.event
    def create(self, form: dict[str, Any]) -> None:
        self.errors, self.error, self.notice = {}, "", ""
        try:
            self._with_actor(
                lambda s, a: leases.create_lease(
                    s,
                    a,
                    int_or_none(text(form, "unit", 20)) or 0,
                    int_or_none(text(form, "tenant", 20)) or 0,
                    text(form, "rent", 20),
                    text(form, "deposit", 20),
                    text(form, "due_day", 5),
                    text(form, "start_date", 20),
                    text(form, "end_date", 20),
                )
            )
        except ValidationError as exc:
            self.errors = {exc.field or "form": exc.message}
            self.error = exc.message
            return
        except ServiceError as exc:
            self.error = exc.message
            return
        self.notice = "Lease created; the deposit and the first rent are on the tenant's statement."
        self._reload()


def leases_page() -> rx.Component:
    S = LeasesState
    return app_shell(
        rx.cond(
            S.not_found,
            empty_state("That property was not found.", "Back to the dashboard", "/dashboard"),
            rx.vstack(
                rx.heading("Leases · ", S.property_name, size="7"),
                rx.link("← Property", href="/property?id=" + S.property_id.to_string()),
                form_error(S.error),
                form_notice(S.notice),
                rx.cond(
                    S.rows.length() == 0,
                    empty_state("No leases yet. Create one below for an approved tenant."),
                    data_table(
                        ("Unit", "Tenant", "Rent", "Start", "Account no.", "Balance", "Status"),
                        S.rows,
                        lambda r: [
                            rx.table.cell(
                                rx.link(r["unit"], href="/lease?id=" + r["id"].to_string())
                            ),
                            rx.table.cell(r["tenant"]),
                            rx.table.cell(r["rent"]),
                            rx.table.cell(r["start"]),
                            rx.table.cell(r["ref"]),
                            rx.table.cell(r["balance"]),
                            rx.table.cell(rx.badge(r["status"])),
                        ],
                        row_class="lease-row",
                    ),
                ),
                rx.card(
                    rx.form(
                        rx.vstack(
                            rx.heading("New lease", size="4"),
                            rx.text("Tenant", size="2", weight="medium"),
                            _select("tenant", S.tenant_options, "Choose an approved tenant…"),
                            rx.cond(
                                S.errors.contains("tenant"),
                                rx.text(S.errors["tenant"], color_scheme="red", size="2"),
                            ),
                            rx.text("Unit", size="2", weight="medium"),
                            _select("unit", S.unit_options, "Choose a unit without a lease…"),
                            rx.cond(
                                S.errors.contains("unit"),
                                rx.text(S.errors["unit"], color_scheme="red", size="2"),
                            ),
                            field("Monthly rent (KES)", "rent", S.errors, "number"),
                            field("Deposit (KES)", "deposit", S.errors, "number", required=False),
                            field(
                                "Rent due day (1–28)",
                                "due_day",
                                S.errors,
                                "number",
                                default_value="5",
                            ),
                            field("Start date", "start_date", S.errors, "date"),
                            field(
                                "End date (optional)", "end_date", S.errors, "date", required=False
                            ),
                            rx.button("Create lease", type="submit", id="create-lease"),
                            spacing="3",
                        ),
                        method="post",
                        on_submit=S.create,
                        reset_on_submit=False,
                    ),
                    width="100%",
                    max_width="480px",
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )


@live_page("/lease")
class LeaseState(FormActions, SessionState):
    lease_id: int = 0
    info: dict[str, str] = {}
    active: bool = False
    lines: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    balance: str = ""
    arrears: str = ""
    not_found: bool = False
    documents: list[dict[str, str]] = []
    uploading: bool = False

    @rx.event
    def load(self) -> None:
        self.errors, self.error, self.notice = {}, "", ""
        self.lease_id = int_or_none(self.router.url.query_parameters.get("id", "")) or 0
        self._reload()

    @rx.event
    def refresh(self) -> None:
        self._reload()

    def _reload(self) -> None:
        def _load(session: Any, actor: Any) -> None:
            lease = leases.get_managed_lease(session, actor, self.lease_id)
            prop = session.get(Property, lease.property_id)
            unit = session.get(Unit, lease.unit_id)
            tenant = session.get(User, lease.tenant_id)
            self.active = lease.status == LeaseStatus.ACTIVE
            self.info = {
                "property": prop.name if prop else "",
                "property_id": str(lease.property_id),
                "unit": unit.label if unit else "",
                "tenant": tenant.full_name if tenant else "",
                "email": tenant.email if tenant else "",
                "rent": f"{lease.rent:,}",
                "deposit": f"{lease.deposit:,}",
                "due_day": str(lease.due_day),
                "start": lease.start_date.isoformat(),
                "end": lease.end_date.isoformat() if lease.end_date else "",
                "ended_on": lease.ended_on.isoformat() if lease.ended_on else "",
                "ref": lease.account_ref,
                "status": lease.status,
            }
            st = ledger.statement(session, lease.id or 0, leases.today_local())
            self.balance, self.arrears = f"{st.balance:,}", f"{st.arrears:,}"
            self.lines = [
                {
                    "date": line.due_date.isoformat(),
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
                    "date": d.uploaded_at.strftime("%Y-%m-%d"),
                }
                for d in documents.list_documents(session, actor, lease.id or 0)
            ]
            self.payments = [
                {
                    "date": p.created_at.strftime("%Y-%m-%d %H:%M"),
                    "amount": f"{p.amount:,}",
                    "method": METHOD_LABELS.get(p.method, p.method),
                    "status": p.status,
                    "receipt": p.receipt_no or "",
                    "detail": p.result_desc or p.mpesa_receipt or p.reference,
                    "url": f"/api/receipts/{p.id}.pdf" if p.receipt_no else "",
                }
                for p in session.exec(
                    select(Payment)
                    .where(Payment.lease_id == lease.id)
                    .order_by(col(Payment.created_at).desc())
                ).all()
            ]

        try:
            self._with_actor(_load)
            self.not_found = False
        except ServiceError:
            self.not_found, self.info = True, {}

    @rx.event
    def record_payment(self, form: dict[str, Any]) -> None:
        self._act(
            lambda s, a: payments.record_manual_payment(
                s,
                a,
                self.lease_id,
                text(form, "amount", 20),
                text(form, "method", 10),
                text(form, "paid_on", 20),
                text(form, "reference", 100),
            ),
            "Payment recorded; a receipt was emailed to the tenant.",
        )

    @rx.event
    def adjust(self, form: dict[str, Any]) -> None:
        self._act(
            lambda s, a: ledger.post_adjustment(
                s,
                a,
                self.lease_id,
                text(form, "adj_amount", 20),
                text(form, "direction", 10),
                text(form, "reason", 200),
                text(form, "adj_date", 20),
            ),
            "Adjustment posted.",
        )

    @rx.event
    async def upload_document(self, files: list[rx.UploadFile]) -> Any:
        self.errors, self.error, self.notice = {}, "", ""
        upload = files[0] if isinstance(files, list) and files else None
        if not hasattr(upload, "read"):  # nothing chosen, or not a file (a forged event)
            self.error = "Choose a file first."
            return None
        # The browser's size limit is only a hint: stop reading past the server's limit.
        data = await upload.read(documents.MAX_BYTES + 1)
        name = str(upload.name or upload.filename or "document")
        self._act(
            lambda s, a: documents.upload(s, a, self.lease_id, name, data),
            "Document uploaded.",
        )
        return rx.clear_selected_files("lease-doc")

    @rx.event
    def delete_document(self, document_id: str) -> None:
        self._act(
            lambda s, a: documents.delete_document(s, a, int_or_none(document_id) or 0),
            "Document deleted.",
        )

    @rx.event
    def end(self, form: dict[str, Any]) -> None:
        self._act(
            lambda s, a: leases.end_lease(s, a, self.lease_id, text(form, "move_out", 20)),
            "Lease ended.",
        )


def _documents_section() -> rx.Component:
    S = LeaseState
    return rx.vstack(
        rx.heading("Documents", size="5"),
        rx.cond(
            S.documents.length() == 0,
            rx.text(
                "No documents yet. Upload the signed lease (PDF, JPEG or PNG, up to 10 MB).",
                size="2",
                color_scheme="gray",
            ),
            rx.vstack(
                rx.foreach(
                    S.documents,
                    lambda d: rx.hstack(
                        rx.link(
                            d["name"],
                            href="/api/documents/" + d["id"],
                            is_external=True,
                            class_name="document-link",
                        ),
                        rx.text(d["size"], " · ", d["date"], size="1", color_scheme="gray"),
                        rx.button(
                            "Delete",
                            size="1",
                            variant="ghost",
                            color_scheme="red",
                            on_click=S.delete_document(d["id"]),
                        ),
                        align="center",
                    ),
                ),
                spacing="1",
            ),
        ),
        rx.upload(
            rx.vstack(
                rx.text("Drop the signed lease here, or click to choose a file", size="2"),
                rx.foreach(rx.selected_files("lease-doc"), lambda name: rx.text(name, size="1")),
                align="center",
            ),
            id="lease-doc",
            max_files=1,
            max_size=documents.MAX_BYTES,
            accept={
                "application/pdf": [".pdf"],
                "image/jpeg": [".jpg", ".jpeg"],
                "image/png": [".png"],
            },
            border="1px dashed var(--gray-a7)",
            padding="1em",
            width="100%",
            max_width="520px",
        ),
        rx.button(
            "Upload document",
            on_click=S.upload_document(rx.upload_files(upload_id="lease-doc")),
            variant="outline",
            id="upload-document",
        ),
        width="100%",
        spacing="2",
    )


def lease_page() -> rx.Component:
    S = LeaseState
    i = S.info
    return app_shell(
        rx.cond(
            S.not_found,
            empty_state("That lease was not found.", "Back to the dashboard", "/dashboard"),
            rx.vstack(
                rx.heading(i["tenant"], " · unit ", i["unit"], size="7"),
                rx.link(
                    "← Leases of " + i["property"].to(str),
                    href="/leases?property=" + i["property_id"].to(str),
                ),
                rx.text(
                    "Rent KES ",
                    i["rent"],
                    " due on day ",
                    i["due_day"],
                    " · deposit KES ",
                    i["deposit"],
                    " · from ",
                    i["start"],
                    " · paybill account ",
                    rx.text.strong(i["ref"]),
                    " · ",
                    rx.badge(i["status"]),
                ),
                form_error(S.error),
                form_notice(S.notice),
                rx.flex(
                    rx.card(
                        rx.vstack(
                            rx.text("Balance (KES)", size="2", color_scheme="gray"),
                            rx.heading(S.balance, id="lease-balance"),
                        )
                    ),
                    rx.card(
                        rx.vstack(
                            rx.text("Overdue (KES)", size="2", color_scheme="gray"),
                            rx.heading(S.arrears, id="lease-arrears"),
                        )
                    ),
                    spacing="3",
                ),
                rx.cond(
                    S.active,
                    rx.flex(
                        rx.card(
                            rx.form(
                                rx.vstack(
                                    rx.heading("Record a cash or bank payment", size="3"),
                                    field("Amount (KES)", "amount", S.errors, "number"),
                                    rx.select(
                                        ["cash", "bank"], name="method", default_value="cash"
                                    ),
                                    field("Paid on", "paid_on", S.errors, "date"),
                                    field(
                                        "Reference (slip no., optional)",
                                        "reference",
                                        S.errors,
                                        required=False,
                                    ),
                                    rx.button("Record payment", type="submit", id="record-payment"),
                                    spacing="2",
                                ),
                                method="post",
                                on_submit=S.record_payment,
                            ),
                            width="100%",
                            max_width="340px",
                        ),
                        rx.card(
                            rx.form(
                                rx.vstack(
                                    rx.heading("Adjustment", size="3"),
                                    field("Amount (KES)", "adj_amount", S.errors, "number"),
                                    rx.select.root(
                                        rx.select.trigger(),
                                        rx.select.content(
                                            rx.select.item(
                                                "Charge (tenant owes more)", value="debit"
                                            ),
                                            rx.select.item(
                                                "Credit (tenant owes less)", value="credit"
                                            ),
                                        ),
                                        name="direction",
                                        default_value="debit",
                                    ),
                                    field("Reason", "reason", S.errors),
                                    field(
                                        "Date (optional)",
                                        "adj_date",
                                        S.errors,
                                        "date",
                                        required=False,
                                    ),
                                    rx.button("Post adjustment", type="submit", variant="outline"),
                                    spacing="2",
                                ),
                                method="post",
                                on_submit=S.adjust,
                            ),
                            width="100%",
                            max_width="340px",
                        ),
                        rx.card(
                            rx.form(
                                rx.vstack(
                                    rx.heading("End the lease", size="3"),
                                    field("Move-out date", "move_out", S.errors, "date"),
                                    rx.alert_dialog.root(
                                        rx.alert_dialog.trigger(
                                            rx.button(
                                                "End lease",
                                                color_scheme="red",
                                                variant="soft",
                                                type="button",
                                            )
                                        ),
                                        rx.alert_dialog.content(
                                            rx.alert_dialog.title("End this lease?"),
                                            rx.alert_dialog.description(
                                                "No rent is charged after the move-out date."
                                            ),
                                            rx.hstack(
                                                rx.alert_dialog.cancel(
                                                    rx.button(
                                                        "Cancel", variant="soft", type="button"
                                                    )
                                                ),
                                                rx.alert_dialog.action(
                                                    rx.button(
                                                        "End lease",
                                                        color_scheme="red",
                                                        type="submit",
                                                        form="end-lease-form",
                                                    )
                                                ),
                                                spacing="3",
                                                justify="end",
                                            ),
                                        ),
                                    ),
                                    spacing="2",
                                ),
                                id="end-lease-form",
                                method="post",
                                on_submit=S.end,
                            ),
                            width="100%",
                            max_width="300px",
                        ),
                        spacing="3",
                        wrap="wrap",
                    ),
                ),
                _documents_section(),
                rx.heading("Payments", size="5"),
                rx.cond(
                    S.payments.length() == 0,
                    empty_state("No payments yet."),
                    data_table(
                        ("Date", "Amount", "Method", "Status", "Receipt", "Detail"),
                        S.payments,
                        lambda p: [
                            rx.table.cell(p["date"]),
                            rx.table.cell(p["amount"]),
                            rx.table.cell(p["method"]),
                            rx.table.cell(rx.badge(p["status"])),
                            rx.table.cell(
                                rx.cond(
                                    p["url"] != "",
                                    rx.link(p["receipt"], href=p["url"], is_external=True),
                                )
                            ),
                            rx.table.cell(p["detail"]),
                        ],
                        "lease-payments",
                    ),
                ),
                rx.heading("Statement", size="5"),
                data_table(
                    ("Date", "Description", "Charge", "Paid", "Balance", "Unpaid"),
                    S.lines,
                    lambda r: [
                        rx.table.cell(r["date"]),
                        rx.table.cell(r["description"]),
                        rx.table.cell(r["charge"]),
                        rx.table.cell(r["credit"]),
                        rx.table.cell(r["balance"]),
                        rx.table.cell(r["outstanding"]),
                    ],
                    "statement",
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )
