"""/bookings: my bookings (pay, cancel with the fee shown first, .ics) and waiting-list offers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.bookings import lifecycle, paying, views, waitlist
from pms_app.core import clock, formats
from pms_app.core.i18n import gettext
from pms_app.core.settings import get_settings
from pms_app.payments import booking_fees
from pms_app.ui.bookings.shared import STATUS_LABELS, cancel_outcome_text, cancelled_money_text
from pms_app.ui.components.forms import form_error, form_notice, submit_button, write_form
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.shell.formatting import money
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.i18n import t
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


@live_page("/bookings")
class MyBookingsState(PageState, SessionState):
    rows: list[dict[str, Any]] = []
    offers: list[dict[str, Any]] = []
    quote: dict[str, str] = {}  # booking id → fee text shown before confirming a cancellation
    phone: str = ""
    mpesa: bool = False  # off: no Pay button, the fee is paid to a manager

    def _clear(self) -> None:
        self.rows, self.offers, self.quote = [], [], {}

    def _load(self, session: Session, actor: User) -> None:
        self.phone = actor.phone if actor else ""
        self.mpesa = get_settings().mpesa_enabled
        page = views.my_bookings_page(session, actor, clock.now())
        self.quote = {
            str(b.row.id): cancel_outcome_text(b.outcome)
            for b in page.bookings
            if b.outcome is not None
        }
        self.rows = [_row(b) for b in page.bookings]
        self.offers = [
            {
                "id": e.id,
                "facility": e.facility,
                "when": formats.moment(e.start, e.tz),
                "status": e.status,
                "expires": formats.clock_time(e.offer_expires_at, e.tz)
                if e.offer_expires_at
                else "",
            }
            for e in page.offers
        ]

    @rx.event
    async def cancel(self, booking_id: int) -> None:
        said: list[str] = []

        def work(s: Session, a: User | None) -> None:
            b = lifecycle.cancel(s, a, int_or_none(booking_id) or 0, now=clock.now())
            # Read now, in the reader's language: the page's re-read expires the row.
            said.append(cancelled_money_text(b.cancel_fee, b.refund_due, False))

        if await self._act(work):
            self.notice = (
                self._tr("Booking cancelled. {money}.", money=said[0])
                if said[0]
                else self._tr("Booking cancelled.")
            )

    @rx.event
    async def pay(self, form: dict[str, Any]) -> None:
        bid = int_or_none(text(form, "booking_id", 12)) or 0
        await self._act(
            lambda s, a: paying.start_booking_payment(s, a, bid, text(form, "phone", 40)),
            "Check your phone and enter your M-Pesa PIN.",
            form,
        )

    @rx.event
    async def accept(self, entry_id: int) -> None:
        await self._act(
            lambda s, a: waitlist.accept_offer(s, a, int_or_none(entry_id) or 0),
            "Booked from the waiting list.",
        )

    @rx.event
    async def leave(self, entry_id: int) -> None:
        await self._act(
            lambda s, a: waitlist.leave_waitlist(s, a, int_or_none(entry_id) or 0),
            "Removed from the waiting list.",
        )


def _row(b: views.MyBooking) -> dict[str, Any]:
    r, tz = b.row, b.tz
    return {
        "id": r.id,
        "number": r.number,
        "facility": r.facility,
        "when": formats.span(r.start, r.end, tz),
        "status": r.status,
        "label": gettext(STATUS_LABELS.get(r.status, r.status)),  # in the event's language
        "due": money(r.due),
        "active": b.active,
        "cancellable": b.cancellable,  # not once it has started
        "hold": formats.clock_time(r.hold_expires_at, tz) if r.hold_expires_at else "",
        "money": cancelled_money_text(r.cancel_fee, r.refund_due, r.refunded)
        if r.status == "cancelled"
        else "",
    }


def _booking_card(b: Any) -> rx.Component:
    S = MyBookingsState
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(b["number"], weight="bold"),
                rx.text(b["facility"]),
                rx.text(b["when"], size="2"),
                rx.badge(b["label"], class_name="booking-status"),
                rx.cond(
                    b["money"] != "",
                    rx.badge(b["money"], color_scheme="orange", class_name="booking-money"),
                ),
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                (b["status"] == "awaiting_payment") & ~S.mpesa,
                rx.text(
                    t("Pay {amount} before {time}.", amount=b["due"], time=b["hold"]),
                    " ",
                    t(booking_fees.MPESA_OFF_BOOKING),
                    size="2",
                    class_name="booking-mpesa-off",
                ),
            ),
            rx.cond(
                (b["status"] == "awaiting_payment") & S.mpesa,
                write_form(
                    rx.hstack(
                        rx.text(
                            t("Pay {amount} before {time}", amount=b["due"], time=b["hold"]),
                            size="2",
                        ),
                        rx.el.input(type="hidden", name="booking_id", value=b["id"].to_string()),
                        rx.input(
                            name="phone",
                            default_value=S.phone,
                            width="160px",
                            aria_label=t("M-Pesa phone"),
                        ),
                        submit_button(
                            t("Pay with M-Pesa"),
                            S,
                            "booking-pay-" + b["id"].to_string(),
                            size="1",
                            class_name="booking-pay",
                        ),
                        wrap="wrap",
                        align="center",
                    ),
                    state=S,
                    form_id="booking-pay-" + b["id"].to_string(),
                    on_submit=S.pay,
                ),
            ),
            rx.hstack(
                rx.link(
                    t("Add to calendar (.ics)"),
                    href="/api/bookings/" + b["id"].to_string() + ".ics",
                    is_external=True,
                    size="2",
                ),
                rx.cond(
                    b["cancellable"],
                    rx.alert_dialog.root(
                        rx.alert_dialog.trigger(
                            rx.button(
                                t("Cancel booking"),
                                size="1",
                                color_scheme="red",
                                variant="soft",
                                class_name="booking-cancel",
                            )
                        ),
                        rx.alert_dialog.content(
                            rx.alert_dialog.title(t("Cancel {number}?", number=b["number"])),
                            rx.alert_dialog.description(
                                rx.cond(
                                    S.quote.contains(b["id"].to_string()),
                                    S.quote[b["id"].to_string()],
                                    t("Cancelling now is free."),
                                ),
                                id="cancel-quote",
                            ),
                            rx.hstack(
                                rx.alert_dialog.cancel(rx.button(t("Keep it"), variant="soft")),
                                rx.alert_dialog.action(
                                    rx.button(
                                        t("Cancel booking"),
                                        color_scheme="red",
                                        on_click=S.cancel(b["id"]),
                                    )
                                ),
                                spacing="3",
                                justify="end",
                            ),
                        ),
                    ),
                ),
                spacing="4",
                align="center",
            ),
            spacing="2",
        ),
        width="100%",
        class_name="my-booking",
    )


def my_bookings_page() -> rx.Component:
    S = MyBookingsState
    return app_shell(
        form_error(S.error),
        form_notice(S.notice),
        rx.cond(
            S.offers.length() > 0,
            rx.vstack(
                rx.heading(t("Waiting list"), size="5", as_="h2"),
                rx.foreach(
                    S.offers,
                    lambda e: rx.hstack(
                        rx.text(e["facility"], " · ", e["when"]),
                        rx.cond(
                            e["status"] == "offered",
                            rx.hstack(
                                rx.badge(
                                    t("free now — confirm by {time}", time=e["expires"]),
                                    color_scheme="green",
                                ),
                                rx.button(
                                    t("Confirm"),
                                    size="1",
                                    on_click=S.accept(e["id"]),
                                    class_name="accept-offer",
                                ),
                            ),
                            rx.badge(t("waiting")),
                        ),
                        rx.button(t("Leave"), size="1", variant="ghost", on_click=S.leave(e["id"])),
                        align="center",
                        wrap="wrap",
                        class_name="waitlist-entry",
                    ),
                ),
                width="100%",
            ),
        ),
        rx.cond(
            S.rows.length() == 0,
            empty_state(t("No bookings yet."), t("See the facilities"), "/facilities"),
            rx.vstack(rx.foreach(S.rows, _booking_card), width="100%"),
        ),
        title=t("My bookings"),
    )
