"""/facility?id=…'s state: the day's slots and the week around it, booking, the waiting list, and
the manager's tools (requests, marking paid, cancelling, the rules, blackouts, CSV)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.bookings import availability, exports, facilities, lifecycle, listings, times, waitlist
from pms_app.core import clock, formats
from pms_app.core.errors import ValidationError
from pms_app.core.i18n import N_
from pms_app.core.validation import check_date_range
from pms_app.properties.access import managed_property_ids
from pms_app.ui.bookings.shared import (
    FACILITY_FIELDS,
    STATUS_LABELS,
    cancelled_money_text,
    facility_form,
    facility_values,
)
from pms_app.ui.shell.formatting import money
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


@live_page("/facility")
class FacilityState(PageState, SessionState):
    # The rules form's inputs, the booking form's guests, the blackout's date and times. A slot's
    # start or end (chosen by button, no input of its own) goes to the banner.
    _inline_fields: ClassVar[frozenset[str]] = FACILITY_FIELDS | {
        "guests",
        "date",
        "b_from",
        "b_to",
    }
    facility_id: int = 0
    info: dict[str, str] = {}
    day: str = ""
    day_label: str = ""  # the day the slots below belong to
    slots: list[dict[str, Any]] = []
    manager: bool = False
    day_bookings: list[dict[str, Any]] = []
    not_found: bool = False
    selected: str = ""  # ISO start of the chosen free slot
    values: dict[str, str] = {}  # the edit form's current values (managers)
    week: list[dict[str, str]] = []  # the 7 days from `day`: free and own slots per day

    def _on_enter(self) -> None:
        self.selected = ""
        self.facility_id = int_or_none(self.router.url.query_parameters.get("id", "")) or 0

    def _clear(self) -> None:
        self.not_found, self.slots, self.info = True, [], {}

    def _load(self, session: Session, actor: User) -> None:
        facility = facilities.get_visible_facility(session, actor, self.facility_id)
        tz = times.facility_tz(session, facility)
        if not self.day:  # today where the facility is: not yesterday between 00:00 and 03:00
            self.day = clock.now().astimezone(tz).date().isoformat()
        self.manager = facility.property_id in managed_property_ids(session, actor)
        self.values = facility_values(facility) if self.manager else {}
        self.info = {
            "name": facility.name,
            "description": facility.description,
            "capacity": formats.plural(facility.capacity, "{n} guest", "{n} guests"),
            "due": self._tr(
                "{fee} + deposit {deposit}",
                fee=money(facility.fee),
                deposit=money(facility.deposit),
            )
            if facility.fee or facility.deposit
            else self._tr("free"),
            "policy": self._tr(
                "Free cancellation until {hours} h before; then {fee}",
                hours=facility.free_cancel_hours,
                fee=self._tr("{percent}% of the fee", percent=facility.cancel_fee_value)
                if facility.cancel_fee_kind == "percent"
                else money(facility.cancel_fee_value),
            ),
            "step": str(facility.slot_minutes or 60),
            "max_slots": str(max(1, facility.max_minutes // (facility.slot_minutes or 60))),
        }
        day = date.fromisoformat(self.day)
        self.day_label = f"{self._tr(times.WEEKDAYS[day.weekday()])} {formats.day(day)}"
        self.week = [
            {
                "date": d.isoformat(),
                "label": f"{formats.short_weekday(d)} {d.day}",
                "free": str(sum(sl.state == "free" for sl in day_slots)),
                "mine": str(sum(sl.state == "mine" for sl in day_slots)),
            }
            for d, day_slots in availability.week_slots(
                session, actor, facility.id or 0, day, 7
            ).items()
        ]
        self.slots = [
            {
                "start": s.start.isoformat(),
                "label": f"{formats.clock_time(s.start, tz)}–{formats.clock_time(s.end, tz)}",
                "state": s.state,
            }
            for s in availability.day_slots(session, actor, facility.id or 0, day)
        ]
        self.day_bookings = (
            [
                {
                    "id": r.id,
                    "number": r.number,
                    "who": r.booker,
                    "when": f"{formats.clock_time(r.start, tz)}–{formats.clock_time(r.end, tz)}",
                    "guests": formats.plural(r.guests, "{n} guest", "{n} guests"),
                    "status": r.status,
                    "label": self._tr(STATUS_LABELS.get(r.status, r.status)),
                    "money": cancelled_money_text(r.cancel_fee, r.refund_due, r.refunded)
                    if r.status == "cancelled"
                    else "",
                }
                for r in listings.facility_bookings(session, actor, facility.id or 0, day)
            ]
            if self.manager
            else []
        )
        self.not_found = False

    async def _go_to(self, day: date) -> None:
        self.day = day.isoformat()
        self.selected = ""
        await self._refresh()

    @rx.event
    async def set_day(self, value: str) -> None:
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else None
            if day is None:
                return
            check_date_range(day, "day", "a day")
        except (ValueError, ValidationError):
            return  # a date picker sends valid days; anything else is ignored
        await self._go_to(day)

    @rx.event
    async def shift_day(self, delta: int) -> None:
        step = delta if isinstance(delta, int) and abs(delta) <= 31 else 0
        try:
            day = check_date_range(
                date.fromisoformat(self.day) + timedelta(days=step), "day", "a day"
            )
        except (ValueError, ValidationError):
            return
        await self._go_to(day)

    @rx.event
    def choose(self, start: str) -> None:
        self.selected = start if isinstance(start, str) else ""
        self.errors, self.error, self.notice = {}, "", ""

    def _span(self, form: dict[str, Any], start_iso: str) -> tuple[datetime, datetime]:
        try:
            start = datetime.fromisoformat(start_iso)
        except ValueError:
            raise ValidationError("Choose a time.", "start") from None
        if start.tzinfo is None:
            raise ValidationError("Choose a time.", "start")
        check_date_range(start, "start", "a time")
        count = int_or_none(text(form, "slots", 3)) or 1
        return start, start + timedelta(
            minutes=int(self.info.get("step", "60")) * max(1, min(count, 96))
        )

    @rx.event
    async def book(self, form: dict[str, Any]) -> None:
        made: list[tuple[str, str]] = []
        selected = self.selected

        def _book(s: Session, a: User | None) -> None:
            start, end = self._span(form, selected)
            booking = lifecycle.book(
                s,
                a,
                self.facility_id,
                start,
                end,
                text(form, "guests", 6),
                note=text(form, "note", 5000),
            )
            made.append((booking.number, booking.status))

        if await self._act(_book, "Booked.", form):
            number, status = made[0]
            self.notice = self._tr(
                "Booked: {number} ({status}).",
                number=number,
                status=self._tr(STATUS_LABELS.get(status, status)),
            )
            self.selected = ""

    @rx.event
    async def join_waitlist(self, start_iso: str) -> None:
        def _join(s: Session, a: User | None) -> None:
            start, end = self._span({}, start_iso if isinstance(start_iso, str) else "")
            waitlist.join_waitlist(s, a, self.facility_id, start, end, 1)

        await self._act(_join, "You're on the waiting list; we'll email you if it frees up.")

    @rx.event
    async def decide(self, booking_id: int, approve: bool) -> None:
        await self._act(
            lambda s, a: lifecycle.decide_request(
                s, a, int_or_none(booking_id) or 0, bool(approve)
            ),
            N_("Request approved.") if approve else N_("Request declined."),
        )

    @rx.event
    async def save_facility(self, form: dict[str, Any]) -> None:
        await self._act(
            lambda s, a: facilities.update_facility(s, a, self.facility_id, facility_form(form)),
            "Facility saved.",
            form,
        )

    @rx.event
    async def mark_paid(self, booking_id: int) -> None:
        await self._act(
            lambda s, a: lifecycle.manager_mark_paid(s, a, int_or_none(booking_id) or 0),
            "Marked as paid: the payment is listed on the Payments page.",
        )

    @rx.event
    async def manager_cancel(self, form: dict[str, Any]) -> None:
        bid = int_or_none(text(form, "booking_id", 12)) or 0
        said: list[str] = []

        def work(s: Session, a: User | None) -> None:
            b = lifecycle.cancel(s, a, bid, text(form, "reason", 5000), now=clock.now())
            said.append(cancelled_money_text(b.cancel_fee, b.refund_due, False))

        if await self._act(work, form=form):
            self.notice = (
                self._tr(
                    "Booking cancelled; the resident was emailed. {owed}: it is listed on the "
                    "Payments page.",
                    owed=said[0],
                )
                if said[0]
                else self._tr("Booking cancelled; the resident was emailed.")
            )

    @rx.event
    async def export_csv(self) -> Any:
        data = await self._attempt(lambda s, a: exports.bookings_csv(s, a, self.facility_id))
        if data is None:
            return None
        return rx.download(data=data, filename=f"bookings-{self.facility_id}.csv")

    @rx.event
    async def add_blackout(self, form: dict[str, Any]) -> None:
        def _add(s: Session, a: User | None) -> None:
            tz = times.facility_tz(s, facilities.get_managed_facility(s, a, self.facility_id))
            start = times.parse_local(text(form, "b_date", 12), text(form, "b_from", 5), "b_from")
            end = times.parse_local(text(form, "b_date", 12), text(form, "b_to", 5), "b_to")
            facilities.add_blackout(
                s,
                a,
                self.facility_id,
                times.to_utc(start, tz),
                times.to_utc(end, tz),
                text(form, "b_reason", 5000),
            )

        await self._act(_add, "Blackout added.", form)
