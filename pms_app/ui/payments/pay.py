"""/pay: the tenant's balance, statement, M-Pesa payment (live status) and receipts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.core import formats
from pms_app.core.i18n import N_
from pms_app.core.settings import get_settings
from pms_app.leases import service as leases
from pms_app.payments import stk, tenant
from pms_app.ui.components.forms import field, form_error, submit_button, write_form
from pms_app.ui.components.layout import app_shell, empty_state, figure
from pms_app.ui.payments.pay_state import payment_view
from pms_app.ui.shell.formatting import in_currency, money, money_var
from pms_app.ui.shell.forms import text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


@live_page("/pay")
class PayState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset({"amount", "phone"})

    has_lease: bool = False
    balance: int = 0
    arrears: int = 0
    credit: int = 0
    property_name: str = ""
    unit_label: str = ""
    account_ref: str = ""
    paybill: str = ""  # the number payers type: the paybill, or the till for Buy Goods
    till: bool = False
    default_phone: str = ""
    simulator: bool = False
    mpesa: bool = False  # real Daraja or the simulator; off → no Pay button, a plain notice
    documents: list[dict[str, str]] = []
    lines: list[dict[str, str]] = []
    history: list[dict[str, Any]] = []
    current: dict[str, str] = {}  # the payment just started: id, status, message, receipt
    # Set with the balance, not computed: a computed var reading `lang` would be recomputed and
    # sent on every event of every page (the language cookie is synced on each navigation).
    balance_text: str = ""
    _current_id: int = 0

    @rx.var
    def default_amount(self) -> str:
        return str(self.balance) if self.balance > 0 else ""

    def _clear(self) -> None:
        self.has_lease = False

    def _load(self, session: Session, actor: User) -> None:
        settings = get_settings()
        self.mpesa = settings.mpesa_enabled
        page = tenant.rent_page(session, actor, self._current_id, leases.today_local())
        self.has_lease = page is not None
        if page is None:
            return
        st = page.statement
        self.balance, self.arrears, self.credit = st.balance, st.arrears, st.credit
        self.balance_text = (
            money(st.balance)
            if st.balance >= 0
            else self._tr("{amount} in credit", amount=money(-st.balance))
        )
        self.property_name = page.lease.property_name
        self.unit_label = page.lease.unit_label
        self.account_ref = page.lease.account_ref
        self.paybill, self.till = settings.daraja_party_b, settings.is_till
        self.simulator = settings.uses_simulator
        self.default_phone = page.phone
        self.lines = [
            {
                "date": formats.day(line.due_date),
                "description": line.description,
                "charge": f"{line.charge:,}" if line.charge else "",
                "credit": f"{line.credit:,}" if line.credit else "",
                "balance": f"{line.balance:,}",
            }
            for line in reversed(st.lines[-tenant.STATEMENT_LINES :])
        ]
        self.history = [payment_view(p, page.lease.timezone) for p in page.history]
        self.documents = [{"id": str(d.id), "name": d.name} for d in page.documents]
        if self._current_id:
            self.current = payment_view(page.current, page.lease.timezone) if page.current else {}

    @rx.event
    async def pay(self, form: dict[str, Any]) -> None:
        amount, phone = text(form, "amount", 20), text(form, "phone", 40)
        started: list[int] = []

        def start(s: Session, a: User | None) -> None:
            started.append(stk.start_stk_payment(s, a, amount, phone).id or 0)
            self._current_id = started[0]  # read by the page's re-read that follows

        await self._act(start, form=form)


# "counted": an STK payment whose paybill echo was recorded first: the money is in, once.
_ICONS = (("paid", "check"), ("counted", "check"), ("failed", "triangle_alert"))
_COLOURS = (("paid", "green"), ("counted", "green"), ("failed", "red"))


def _current_payment() -> rx.Component:
    c = PayState.current
    return rx.cond(
        PayState.current.contains("status"),
        rx.callout(
            # Spans, not a stack of <p>s: the callout's text is already a <p>.
            rx.el.span(
                rx.text(
                    c["amount"],
                    " · ",
                    c["label"],
                    weight="bold",
                    id="payment-status",
                    as_="span",
                    display="block",
                ),
                rx.text(c["message"], id="payment-message", as_="span", display="block"),
                rx.cond(
                    c["receipt_url"] != "",
                    rx.link(
                        t("Download the receipt (PDF)"),
                        href=c["receipt_url"],
                        id="receipt-link",
                        is_external=True,
                    ),
                ),
            ),
            icon=rx.match(c["status"], *_ICONS, "loader"),
            color_scheme=rx.match(c["status"], *_COLOURS, "blue"),
            width="100%",
            id="current-payment",
        ),
    )


def _pay_form() -> rx.Component:
    S = PayState
    return rx.card(
        write_form(
            rx.vstack(
                rx.heading(t("Pay with M-Pesa"), size="4", as_="h2"),
                field(
                    in_currency(t("Amount")),
                    "amount",
                    S.errors,
                    "number",
                    default_value=S.default_amount,
                ),
                field(
                    t("M-Pesa phone number"),
                    "phone",
                    S.errors,
                    "tel",
                    default_value=S.default_phone,
                    hint="07…, 01… or +254…",
                ),
                submit_button(t("Pay now"), S, "pay-form", size="3", id="pay-submit"),
                spacing="3",
            ),
            state=S,
            form_id="pay-form",
            on_submit=S.pay,
            reset_on_submit=False,
            key=S.default_amount + S.default_phone,
        ),
        width="100%",
        max_width="420px",
    )


def _pay_to() -> rx.Component:
    """The number to pay to from the phone's M-Pesa menu: a paybill with the account number, or
    a Buy Goods till (its payments carry no account number: "Pay now" is what finds the lease)."""
    S = PayState
    return rx.cond(
        S.till,
        rx.text(
            t("Buy Goods till number"),
            " ",
            rx.text.strong(S.paybill, id="till-number"),
            ". ",
            t("Use Pay now below so the payment finds your account"),
            " (",
            rx.text.strong(S.account_ref, id="account-ref"),
            ").",
            size="2",
        ),
        rx.text(
            t("Pay by paybill: business number"),
            " ",
            rx.text.strong(S.paybill, id="paybill-number"),
            ", ",
            t("account"),
            " ",
            rx.text.strong(S.account_ref, id="account-ref"),
            size="2",
        ),
    )


def _account_only() -> rx.Component:
    return rx.text(
        t("Account number"),
        " ",
        rx.text.strong(PayState.account_ref, id="account-ref"),
        size="2",
    )


def _mpesa_off() -> rx.Component:
    return rx.callout(
        t(stk.MPESA_OFF),
        icon="info",
        color_scheme="gray",
        width="100%",
        max_width="520px",
        id="mpesa-off",
    )


def pay_page() -> rx.Component:
    S = PayState
    return app_shell(
        form_error(S.error),
        rx.cond(
            ~S.has_lease,
            empty_state(
                t("You have no active lease yet. Your landlord sets it up; then you can pay here.")
            ),
            rx.vstack(
                rx.flex(
                    rx.card(
                        rx.vstack(
                            rx.text(t("Balance"), size="2", color_scheme="gray"),
                            figure(S.balance_text, "7", "balance"),
                            rx.text(
                                t("Overdue: {amount}", amount=money_var(S.arrears)),
                                size="2",
                                id="arrears",
                            ),
                        ),
                        min_width="240px",
                    ),
                    rx.card(
                        rx.vstack(
                            rx.text(
                                t(
                                    "{property} · unit {unit}",
                                    property=S.property_name,
                                    unit=S.unit_label,
                                ),
                                weight="bold",
                            ),
                            rx.cond(S.mpesa, _pay_to(), _account_only()),
                        ),
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.cond(S.mpesa, _pay_form(), _mpesa_off()),
                _current_payment(),
                rx.cond(
                    S.simulator,
                    rx.text(
                        t(
                            "This installation uses the built-in M-Pesa simulator: answer the "
                            "prompt on"
                        ),
                        " ",
                        rx.link(
                            t("the simulated phone"), href="/simulator/phone", is_external=True
                        ),
                        " ",
                        t("(it needs the key printed when the app started, or an admin login)."),
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.heading(t("Payments"), size="5", as_="h2"),
                rx.cond(
                    S.history.length() == 0,
                    empty_state(t("No payments yet.")),
                    rx.vstack(
                        rx.foreach(
                            S.history,
                            lambda p: rx.hstack(
                                rx.text(p["date"], size="2"),
                                rx.text(p["amount"], weight="bold"),
                                rx.badge(p["label"]),
                                rx.cond(
                                    p["receipt_url"] != "",
                                    rx.link(t("Receipt"), href=p["receipt_url"], is_external=True),
                                ),
                                wrap="wrap",
                                class_name="payment-row",
                            ),
                        ),
                        spacing="2",
                    ),
                ),
                rx.cond(
                    S.documents.length() > 0,
                    rx.vstack(
                        rx.heading(t("Lease documents"), size="5", as_="h2"),
                        rx.foreach(
                            S.documents,
                            lambda d: rx.link(
                                d["name"],
                                href="/api/documents/" + d["id"],
                                is_external=True,
                                class_name="document-link",
                            ),
                        ),
                    ),
                ),
                rx.heading(t("Statement"), size="5", as_="h2"),
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(t(h))
                                    for h in (
                                        N_("Date"),
                                        N_("Description"),
                                        N_("Charge"),
                                        N_("Paid"),
                                        N_("Balance"),
                                    )
                                ]
                            )
                        ),
                        rx.table.body(
                            rx.foreach(
                                S.lines,
                                lambda line: rx.table.row(
                                    rx.table.cell(line["date"]),
                                    rx.table.cell(line["description"]),
                                    rx.table.cell(line["charge"]),
                                    rx.table.cell(line["credit"]),
                                    rx.table.cell(line["balance"]),
                                ),
                            )
                        ),
                        width="100%",
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        title=t("Rent"),
    )
