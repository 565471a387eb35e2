"""Facility bookings: /facilities (list, new), /facility?id= (day calendar, book, waiting list,
manager tools) and /bookings (my bookings: pay, cancel with the fee shown first, .ics, offers)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import reflex as rx
from sqlmodel import select

from pms_app.bookings import service as bookings
from pms_app.bookings.models import BookingStatus, Facility
from pms_app.bookings.service import WEEKDAYS, FacilityForm
from pms_app.core import clock
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.core.settings import get_settings
from pms_app.core.validation import check_date_range
from pms_app.payments import service as payments
from pms_app.properties.access import managed_property_ids
from pms_app.properties.models import Property
from pms_app.ui.components.forms import field, form_error, form_notice
from pms_app.ui.components.layout import app_shell, empty_state
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.live import live_page
from pms_app.ui.shell.session import FormActions, SessionState

STATE_COLORS = {
    "free": "green",
    "taken": "gray",
    "mine": "blue",
    "blocked": "orange",
    "past": "gray",
}
STATUS_LABELS = {
    "requested": "waiting for approval",
    "awaiting_payment": "awaiting payment",
    "confirmed": "confirmed",
    "cancelled": "cancelled",
    "expired": "expired (unpaid)",
    "declined": "declined",
}


def _form_from(form: dict[str, Any]) -> FacilityForm:
    hours = {d: (text(form, f"open_{d}", 5), text(form, f"close_{d}", 5)) for d in range(7)}
    return FacilityForm(
        name=text(form, "name", 100),
        description=text(form, "description", 600),
        capacity=text(form, "capacity", 6),
        hours=hours,
        slot_minutes=text(form, "slot_minutes", 5),
        min_minutes=text(form, "min_minutes", 5),
        max_minutes=text(form, "max_minutes", 6),
        advance_days=text(form, "advance_days", 4),
        max_active_per_resident=text(form, "max_active_per_resident", 3),
        fee=text(form, "fee", 8),
        deposit=text(form, "deposit", 8),
        requires_approval=text(form, "requires_approval", 5) in ("on", "true", "1"),
        free_cancel_hours=text(form, "free_cancel_hours", 4),
        cancel_fee_kind=text(form, "cancel_fee_kind", 8),
        cancel_fee_value=text(form, "cancel_fee_value", 8),
        hold_minutes=text(form, "hold_minutes", 6),
        offer_minutes=text(form, "offer_minutes", 6),
    )


DEFAULTS: dict[str, str] = {
    "name": "",
    "description": "",
    "capacity": "50",
    **{f"open_{d}": "06:00" for d in range(7)},
    **{f"close_{d}": "22:00" for d in range(7)},
    "slot_minutes": "60",
    "min_minutes": "60",
    "max_minutes": "240",
    "advance_days": "30",
    "max_active_per_resident": "2",
    "fee": "0",
    "deposit": "0",
    "requires_approval": "",
    "free_cancel_hours": "24",
    "cancel_fee_kind": "percent",
    "cancel_fee_value": "50",
    "hold_minutes": "30",
    "offer_minutes": "60",
}


@live_page("/facilities")
class FacilitiesState(FormActions, SessionState):
    rows: list[dict[str, Any]] = []
    property_options: list[dict[str, str]] = []
    defaults: dict[str, str] = DEFAULTS

    @rx.event
    def load(self) -> None:
        self.errors, self.error, self.notice = {}, "", ""
        self._reload()

    def _reload(self) -> None:
        def _load(session: Any, actor: Any) -> None:
            self.rows = [
                {
                    "id": f.id,
                    "name": f.name,
                    "description": f.description,
                    "fee": f"KES {f.fee + f.deposit:,}" if f.fee + f.deposit else "free",
                    "active": f.active,
                }
                for f in bookings.list_facilities(session, actor)
            ]
            ids = managed_property_ids(session, actor) if actor else []
            self.property_options = [
                {"id": str(p.id), "label": p.name}
                for p in session.exec(select(Property).where(Property.id.in_(ids))).all()  # type: ignore[union-attr]
            ]

        try:
            self._with_actor(_load)
        except ServiceError as exc:
            self.rows, self.error = [], exc.message

    @rx.event
    def create(self, form: dict[str, Any]) -> Any:
        pid = int_or_none(text(form, "property", 12)) or 0
        created: list[int] = []

        def _create(s: Any, a: Any) -> None:
            created.append(bookings.create_facility(s, a, pid, _form_from(form)).id or 0)

        if self._act(_create, "Facility created."):
            return rx.redirect(f"/facility?id={created[0]}")
        return None


def facility_values(facility: Facility) -> dict[str, str]:
    """A facility as form values (the edit form's defaults)."""
    values = {k: str(getattr(facility, k, "") or "") for k in DEFAULTS if hasattr(facility, k)}
    for d in range(7):
        span = facility.hours.get(str(d)) or ["", ""]
        values[f"open_{d}"], values[f"close_{d}"] = span[0], span[1]
    values["slot_minutes"] = str(facility.slot_minutes or "")
    values["requires_approval"] = "on" if facility.requires_approval else ""
    for key in ("fee", "deposit", "free_cancel_hours", "cancel_fee_value"):
        values[key] = str(getattr(facility, key))
    return values


def facility_fields(errors: Any, v: Any) -> list[rx.Component]:
    """The facility form's fields; `v` is a dict var of default values."""

    def num(label: str, name: str, required: bool = True) -> rx.Component:
        return field(label, name, errors, "number", default_value=v[name], required=required)

    return [
        field("Name", "name", errors, placeholder="Community hall", default_value=v["name"]),
        field("Description", "description", errors, required=False, default_value=v["description"]),
        num("Capacity (guests per booking)", "capacity"),
        rx.text("Opening hours (leave a day empty to close it)", size="2", weight="medium"),
        *[
            rx.hstack(
                rx.text(WEEKDAYS[d], width="100px", size="2"),
                rx.input(
                    name=f"open_{d}",
                    default_value=v[f"open_{d}"],
                    width="90px",
                    aria_label=f"{WEEKDAYS[d]} opens",
                ),
                rx.text("–"),
                rx.input(
                    name=f"close_{d}",
                    default_value=v[f"close_{d}"],
                    width="90px",
                    aria_label=f"{WEEKDAYS[d]} closes",
                ),
                align="center",
            )
            for d in range(7)
        ],
        rx.cond(
            errors.contains("hours_0"), rx.text(errors["hours_0"], color_scheme="red", size="2")
        ),
        num("Slot length in minutes (empty = free start/end)", "slot_minutes", required=False),
        num("Shortest booking (minutes)", "min_minutes"),
        num("Longest booking (minutes)", "max_minutes"),
        num("Bookable up to N days ahead", "advance_days"),
        num("Upcoming bookings per resident", "max_active_per_resident"),
        num("Fee (KES)", "fee", required=False),
        num("Refundable deposit (KES)", "deposit", required=False),
        rx.checkbox(
            "Bookings need a manager's approval",
            name="requires_approval",
            default_checked=v["requires_approval"] == "on",
        ),
        num("Free cancellation until N hours before", "free_cancel_hours"),
        rx.el.select(
            rx.el.option("Late cancellation: percent of the fee", value="percent"),
            rx.el.option("Late cancellation: fixed amount (KES)", value="fixed"),
            name="cancel_fee_kind",
            default_value=v["cancel_fee_kind"],
            style={"padding": "6px"},
        ),
        num("Late cancellation fee (percent or KES)", "cancel_fee_value"),
        num("Unpaid bookings are released after (minutes)", "hold_minutes"),
        num("Waiting-list offers last (minutes)", "offer_minutes"),
    ]


def facilities_page() -> rx.Component:
    S = FacilitiesState
    return app_shell(
        form_error(S.error),
        form_notice(S.notice),
        rx.cond(
            S.rows.length() == 0,
            empty_state("No facilities yet. Managers add the hall, pool, gym… here."),
            rx.vstack(
                rx.foreach(
                    S.rows,
                    lambda r: rx.card(
                        rx.hstack(
                            rx.link(
                                rx.heading(r["name"], size="4"),
                                href="/facility?id=" + r["id"].to_string(),
                            ),
                            rx.text(r["description"], size="2", color_scheme="gray"),
                            rx.badge(r["fee"]),
                            wrap="wrap",
                            align="center",
                        ),
                        width="100%",
                        class_name="facility-card",
                    ),
                ),
                width="100%",
            ),
        ),
        rx.cond(
            S.property_options.length() > 0,
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("New facility", size="4"),
                        rx.el.select(
                            rx.foreach(
                                S.property_options,
                                lambda o: rx.el.option(o["label"], value=o["id"]),
                            ),
                            name="property",
                            style={"padding": "6px"},
                        ),
                        *facility_fields(S.errors, S.defaults),
                        rx.button("Create facility", type="submit", id="create-facility"),
                        spacing="2",
                    ),
                    method="post",
                    on_submit=S.create,
                    reset_on_submit=False,
                ),
                width="100%",
                max_width="560px",
            ),
        ),
        title="Facilities",
    )


@live_page("/facility")
class FacilityState(FormActions, SessionState):
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
    waitlist_slot: str = ""

    @rx.event
    def load(self) -> None:
        self.errors, self.error, self.notice, self.selected = {}, "", "", ""
        self.facility_id = int_or_none(self.router.url.query_parameters.get("id", "")) or 0
        if not self.day:
            self.day = clock.today_local().isoformat()
        self._reload()

    def _reload(self) -> None:
        def _load(session: Any, actor: Any) -> None:
            facility = bookings.get_visible_facility(session, actor, self.facility_id)
            tz = bookings.facility_tz(session, facility)
            self.manager = facility.property_id in managed_property_ids(session, actor)
            self.values = facility_values(facility) if self.manager else {}
            self.info = {
                "name": facility.name,
                "description": facility.description,
                "capacity": str(facility.capacity),
                "due": f"KES {facility.fee:,} + deposit KES {facility.deposit:,}"
                if facility.fee or facility.deposit
                else "free",
                "policy": f"Free cancellation until {facility.free_cancel_hours} h before; then "
                + (
                    f"{facility.cancel_fee_value}% of the fee"
                    if facility.cancel_fee_kind == "percent"
                    else f"KES {facility.cancel_fee_value:,}"
                ),
                "step": str(facility.slot_minutes or 60),
                "max_slots": str(max(1, facility.max_minutes // (facility.slot_minutes or 60))),
            }
            day = date.fromisoformat(self.day)
            self.day_label = f"{day:%A %d %B %Y}"
            self.week = [
                {
                    "date": d.isoformat(),
                    "label": f"{d:%a %d}",
                    "free": str(sum(sl.state == "free" for sl in day_slots)),
                    "mine": str(sum(sl.state == "mine" for sl in day_slots)),
                }
                for d, day_slots in bookings.week_slots(
                    session, actor, facility.id or 0, day, 7
                ).items()
            ]
            self.slots = [
                {
                    "start": s.start.isoformat(),
                    "label": f"{s.start.astimezone(tz):%H:%M}–{s.end.astimezone(tz):%H:%M}",
                    "state": s.state,
                }
                for s in bookings.day_slots(session, actor, facility.id or 0, day)
            ]
            self.day_bookings = (
                [
                    {
                        "id": r.id,
                        "number": r.number,
                        "who": r.booker,
                        "when": f"{r.start.astimezone(tz):%H:%M}–{r.end.astimezone(tz):%H:%M}",
                        "guests": str(r.guests),
                        "status": r.status,
                        "label": STATUS_LABELS.get(r.status, r.status),
                    }
                    for r in bookings.facility_bookings(session, actor, facility.id or 0, day)
                ]
                if self.manager
                else []
            )

        try:
            self._with_actor(_load)
            self.not_found = False
        except ServiceError:
            self.not_found, self.slots, self.info = True, [], {}

    @rx.event
    def set_day(self, value: str) -> None:
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else None
            if day is None:
                return
            check_date_range(day, "day", "a day")
        except (ValueError, ValidationError):
            return  # a date picker sends valid days; anything else is ignored
        self.day = day.isoformat()
        self.selected = ""
        self._reload()

    @rx.event
    def shift_day(self, delta: int) -> None:
        step = delta if isinstance(delta, int) and abs(delta) <= 31 else 0
        try:
            day = check_date_range(
                date.fromisoformat(self.day) + timedelta(days=step), "day", "a day"
            )
        except (ValueError, ValidationError):
            return
        self.day = day.isoformat()
        self.selected = ""
        self._reload()

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
    def book(self, form: dict[str, Any]) -> None:
        made: list[str] = []

        def _book(s: Any, a: Any) -> None:
            start, end = self._span(form, self.selected)
            booking = bookings.book(
                s,
                a,
                self.facility_id,
                start,
                end,
                text(form, "guests", 6),
                note=text(form, "note", 300),
            )
            made.append(
                f"Booked: {booking.number} ({STATUS_LABELS.get(booking.status, booking.status)})."
            )

        if self._act(_book, "Booked."):
            self.notice = made[0]
            self.selected = ""

    @rx.event
    def join_waitlist(self, start_iso: str) -> None:
        def _join(s: Any, a: Any) -> None:
            start, end = self._span({}, start_iso if isinstance(start_iso, str) else "")
            bookings.join_waitlist(s, a, self.facility_id, start, end, 1)

        self._act(_join, "You're on the waiting list; we'll email you if it frees up.")

    @rx.event
    def decide(self, booking_id: int, approve: bool) -> None:
        self._act(
            lambda s, a: bookings.decide_request(s, a, int_or_none(booking_id) or 0, bool(approve)),
            "Request approved." if approve else "Request declined.",
        )

    @rx.event
    def save_facility(self, form: dict[str, Any]) -> None:
        self._act(
            lambda s, a: bookings.update_facility(s, a, self.facility_id, _form_from(form)),
            "Facility saved.",
        )

    @rx.event
    def mark_paid(self, booking_id: int) -> None:
        self._act(
            lambda s, a: bookings.manager_mark_paid(s, a, int_or_none(booking_id) or 0),
            "Marked as paid.",
        )

    @rx.event
    def manager_cancel(self, form: dict[str, Any]) -> None:
        bid = int_or_none(text(form, "booking_id", 12)) or 0
        self._act(
            lambda s, a: bookings.cancel(s, a, bid, text(form, "reason", 300)),
            "Booking cancelled; the resident was emailed.",
        )

    @rx.event
    def export_csv(self) -> Any:
        try:
            data = self._with_actor(lambda s, a: bookings.bookings_csv(s, a, self.facility_id))
        except ServiceError as exc:
            self.error = exc.message
            return None
        return rx.download(data=data, filename=f"bookings-{self.facility_id}.csv")

    @rx.event
    def add_blackout(self, form: dict[str, Any]) -> None:
        def _add(s: Any, a: Any) -> None:
            facility = s.get(Facility, self.facility_id)
            tz = bookings.facility_tz(s, facility) if facility else None
            start = bookings.parse_local(
                text(form, "b_date", 12), text(form, "b_from", 5), "b_from"
            )
            end = bookings.parse_local(text(form, "b_date", 12), text(form, "b_to", 5), "b_to")
            bookings.add_blackout(
                s,
                a,
                self.facility_id,
                bookings.to_utc(start, tz),
                bookings.to_utc(end, tz),
                text(form, "b_reason", 200),
            )

        self._act(_add, "Blackout added.")


def _slot_button(slot: Any) -> rx.Component:
    S = FacilityState
    return rx.match(
        slot["state"],
        (
            "free",
            rx.button(
                slot["label"],
                on_click=S.choose(slot["start"]),
                color_scheme="green",
                variant=rx.cond(S.selected == slot["start"], "solid", "soft"),
                class_name="slot-free",
            ),
        ),
        (
            "taken",
            rx.hstack(
                rx.button(
                    slot["label"],
                    disabled=True,
                    variant="soft",
                    color_scheme="gray",
                    class_name="slot-taken",
                ),
                rx.button(
                    "Join waiting list",
                    size="1",
                    variant="ghost",
                    on_click=S.join_waitlist(slot["start"]),
                    class_name="join-waitlist",
                ),
                spacing="1",
            ),
        ),
        (
            "mine",
            rx.button(
                slot["label"].to(str) + " · yours",
                disabled=True,
                color_scheme="blue",
                variant="soft",
                class_name="slot-mine",
            ),
        ),
        (
            "blocked",
            rx.button(
                slot["label"].to(str) + " · closed",
                disabled=True,
                color_scheme="orange",
                variant="soft",
            ),
        ),
        rx.button(slot["label"], disabled=True, variant="ghost", color_scheme="gray"),
    )


def _manager_tools() -> rx.Component:
    S = FacilityState
    return rx.cond(
        S.manager,
        rx.vstack(
            rx.hstack(
                rx.heading("Bookings this day", size="4"),
                rx.button("Export CSV", variant="outline", size="1", on_click=S.export_csv),
                align="center",
            ),
            rx.cond(
                S.day_bookings.length() == 0,
                rx.text("No bookings this day.", size="2", color_scheme="gray"),
                rx.vstack(
                    rx.foreach(
                        S.day_bookings,
                        lambda b: rx.card(
                            rx.hstack(
                                rx.text(b["number"], weight="bold"),
                                rx.text(b["when"]),
                                rx.text(b["who"]),
                                rx.text(b["guests"], " guests", size="2"),
                                rx.badge(b["label"]),
                                rx.cond(
                                    b["status"] == "requested",
                                    rx.hstack(
                                        rx.button(
                                            "Approve", size="1", on_click=S.decide(b["id"], True)
                                        ),
                                        rx.button(
                                            "Decline",
                                            size="1",
                                            color_scheme="red",
                                            variant="soft",
                                            on_click=S.decide(b["id"], False),
                                        ),
                                    ),
                                ),
                                rx.cond(
                                    b["status"] == "awaiting_payment",
                                    rx.button(
                                        "Mark paid",
                                        size="1",
                                        variant="soft",
                                        on_click=S.mark_paid(b["id"]),
                                    ),
                                ),
                                rx.cond(
                                    (b["status"] == "confirmed")
                                    | (b["status"] == "awaiting_payment")
                                    | (b["status"] == "requested"),
                                    rx.form(
                                        rx.hstack(
                                            rx.el.input(
                                                type="hidden",
                                                name="booking_id",
                                                value=b["id"].to_string(),
                                            ),
                                            rx.input(
                                                name="reason",
                                                placeholder="Reason",
                                                size="1",
                                                required=True,
                                            ),
                                            rx.button(
                                                "Cancel",
                                                size="1",
                                                color_scheme="red",
                                                variant="ghost",
                                            ),
                                        ),
                                        method="post",
                                        on_submit=S.manager_cancel,
                                    ),
                                ),
                                wrap="wrap",
                                align="center",
                            ),
                            width="100%",
                            class_name="manager-booking",
                        ),
                    ),
                    width="100%",
                ),
            ),
            rx.accordion.root(
                rx.accordion.item(
                    header="Edit the facility's rules",
                    content=rx.form(
                        rx.vstack(
                            *facility_fields(S.errors, S.values),
                            rx.button("Save facility", type="submit", id="save-facility"),
                            spacing="2",
                        ),
                        method="post",
                        on_submit=S.save_facility,
                        reset_on_submit=False,
                        key=S.values.to_string(),
                    ),
                ),
                collapsible=True,
                width="100%",
                max_width="560px",
            ),
            rx.form(
                rx.hstack(
                    rx.text("Block for maintenance:", size="2"),
                    rx.input(type="date", name="b_date", required=True),
                    rx.input(name="b_from", placeholder="08:00", width="80px", required=True),
                    rx.input(name="b_to", placeholder="12:00", width="80px", required=True),
                    rx.input(name="b_reason", placeholder="Reason", width="160px"),
                    rx.button("Add blackout", size="1", variant="outline"),
                    wrap="wrap",
                    align="center",
                ),
                method="post",
                on_submit=S.add_blackout,
            ),
            width="100%",
        ),
    )


def facility_page() -> rx.Component:
    S = FacilityState
    return app_shell(
        rx.cond(
            S.not_found,
            empty_state("That facility was not found.", "All facilities", "/facilities"),
            rx.vstack(
                rx.heading(S.info["name"], size="7", id="facility-name"),
                rx.text(S.info["description"], color_scheme="gray"),
                rx.text(
                    "Up to ",
                    S.info["capacity"],
                    " guests · ",
                    S.info["due"],
                    " · ",
                    S.info["policy"],
                    size="2",
                ),
                form_error(S.error),
                form_notice(S.notice),
                rx.hstack(
                    rx.button(
                        "‹", on_click=S.shift_day(-1), variant="soft", aria_label="Previous day"
                    ),
                    rx.input(type="date", value=S.day, on_change=S.set_day, id="day-picker"),
                    rx.button("›", on_click=S.shift_day(1), variant="soft", aria_label="Next day"),
                    align="center",
                ),
                rx.flex(
                    rx.foreach(
                        S.week,
                        lambda d: rx.button(
                            rx.vstack(
                                rx.text(d["label"], size="1", weight="bold"),
                                rx.text(d["free"], " free", size="1"),
                                rx.cond(d["mine"] != "0", rx.text(d["mine"], " yours", size="1")),
                                spacing="0",
                                align="center",
                            ),
                            on_click=S.set_day(d["date"]),
                            variant=rx.cond(d["date"] == S.day, "solid", "outline"),
                            height="auto",
                            padding="6px",
                            class_name="week-day",
                        ),
                    ),
                    spacing="2",
                    wrap="wrap",
                    id="week",
                ),
                rx.heading(S.day_label, size="4", id="day-label"),
                rx.cond(
                    S.slots.length() == 0,
                    rx.text("Closed this day.", color_scheme="gray"),
                    rx.flex(
                        rx.foreach(S.slots, _slot_button), wrap="wrap", spacing="2", id="slots"
                    ),
                ),
                rx.cond(
                    S.selected != "",
                    rx.card(
                        rx.form(
                            rx.hstack(
                                rx.text("Slots:", size="2"),
                                rx.input(
                                    name="slots",
                                    type="number",
                                    default_value="1",
                                    min=1,
                                    max=S.info["max_slots"],
                                    width="70px",
                                ),
                                rx.text("Guests:", size="2"),
                                rx.input(
                                    name="guests",
                                    type="number",
                                    default_value="1",
                                    min=1,
                                    width="80px",
                                ),
                                rx.input(name="note", placeholder="Note (optional)", width="200px"),
                                rx.button("Book", type="submit", id="book-submit"),
                                wrap="wrap",
                                align="center",
                            ),
                            method="post",
                            on_submit=S.book,
                            reset_on_submit=False,
                        ),
                        width="100%",
                    ),
                ),
                rx.link("My bookings →", href="/bookings"),
                _manager_tools(),
                spacing="3",
                width="100%",
            ),
        ),
    )


@live_page("/bookings")
class MyBookingsState(FormActions, SessionState):
    rows: list[dict[str, Any]] = []
    offers: list[dict[str, Any]] = []
    quote: dict[str, str] = {}  # booking id → fee text shown before confirming a cancellation
    phone: str = ""
    mpesa: bool = False  # off: no Pay button, the fee is paid to a manager

    @rx.event
    def load(self) -> None:
        self.errors, self.error, self.notice = {}, "", ""
        self._reload()

    def _reload(self) -> None:
        def _load(session: Any, actor: Any) -> None:

            self.phone = actor.phone if actor else ""
            self.mpesa = get_settings().mpesa_enabled
            now = clock.now()
            rows = bookings.my_bookings(session, actor)
            facilities = {f.id: f for f in session.exec(select(Facility)).all()}
            quote: dict[str, str] = {}
            out = []
            for r in rows:
                facility = facilities[r.facility_id]
                tz = bookings.facility_tz(session, facility)
                active = r.status in BookingStatus.ACTIVE and r.end > now
                if active and r.status == "confirmed":
                    fee = bookings.quote_cancellation(session, actor, r.id)
                    quote[str(r.id)] = (
                        f"Cancelling now costs KES {fee:,}." if fee else "Cancelling now is free."
                    )
                out.append(
                    {
                        "id": r.id,
                        "number": r.number,
                        "facility": r.facility,
                        "when": f"{r.start.astimezone(tz):%a %d %b %Y %H:%M}–{r.end.astimezone(tz):%H:%M}",
                        "status": r.status,
                        "label": STATUS_LABELS.get(r.status, r.status),
                        "due": f"KES {r.due:,}",
                        "active": active,
                        "cancellable": active and r.start > now,  # not once it has started
                        "hold": f"{r.hold_expires_at.astimezone(tz):%H:%M}"
                        if r.hold_expires_at
                        else "",
                    }
                )
            self.rows, self.quote = out, quote
            self.offers = [
                {
                    "id": e.id,
                    "facility": facilities[e.facility_id].name,
                    "when": f"{e.start_at.astimezone(bookings.facility_tz(session, facilities[e.facility_id])):%a %d %b %H:%M}",
                    "status": e.status,
                    "expires": f"{e.offer_expires_at:%H:%M} UTC" if e.offer_expires_at else "",
                }
                for e in bookings.my_waitlist(session, actor)
            ]

        try:
            self._with_actor(_load)
        except ServiceError as exc:
            self.rows, self.error = [], exc.message

    @rx.event
    def cancel(self, booking_id: int) -> None:
        self._act(
            lambda s, a: bookings.cancel(s, a, int_or_none(booking_id) or 0), "Booking cancelled."
        )

    @rx.event
    def pay(self, form: dict[str, Any]) -> None:
        bid = int_or_none(text(form, "booking_id", 12)) or 0
        self._act(
            lambda s, a: bookings.start_booking_payment(s, a, bid, text(form, "phone", 40)),
            "Check your phone and enter your M-Pesa PIN.",
        )

    @rx.event
    def accept(self, entry_id: int) -> None:
        self._act(
            lambda s, a: bookings.accept_offer(s, a, int_or_none(entry_id) or 0),
            "Booked from the waiting list.",
        )

    @rx.event
    def leave(self, entry_id: int) -> None:
        self._act(
            lambda s, a: bookings.leave_waitlist(s, a, int_or_none(entry_id) or 0),
            "Removed from the waiting list.",
        )


def _booking_card(b: Any) -> rx.Component:
    S = MyBookingsState
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(b["number"], weight="bold"),
                rx.text(b["facility"]),
                rx.text(b["when"], size="2"),
                rx.badge(b["label"], class_name="booking-status"),
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                (b["status"] == "awaiting_payment") & ~S.mpesa,
                rx.text(
                    "Pay ",
                    b["due"],
                    " before ",
                    b["hold"],
                    ". ",
                    payments.MPESA_OFF_BOOKING,
                    size="2",
                    class_name="booking-mpesa-off",
                ),
            ),
            rx.cond(
                (b["status"] == "awaiting_payment") & S.mpesa,
                rx.form(
                    rx.hstack(
                        rx.text("Pay ", b["due"], " before ", b["hold"], size="2"),
                        rx.el.input(type="hidden", name="booking_id", value=b["id"].to_string()),
                        rx.input(
                            name="phone",
                            default_value=S.phone,
                            width="160px",
                            aria_label="M-Pesa phone",
                        ),
                        rx.button("Pay with M-Pesa", size="1", class_name="booking-pay"),
                        wrap="wrap",
                        align="center",
                    ),
                    method="post",
                    on_submit=S.pay,
                ),
            ),
            rx.hstack(
                rx.link(
                    "Add to calendar (.ics)",
                    href="/api/bookings/" + b["id"].to_string() + ".ics",
                    is_external=True,
                    size="2",
                ),
                rx.cond(
                    b["cancellable"],
                    rx.alert_dialog.root(
                        rx.alert_dialog.trigger(
                            rx.button(
                                "Cancel booking",
                                size="1",
                                color_scheme="red",
                                variant="soft",
                                class_name="booking-cancel",
                            )
                        ),
                        rx.alert_dialog.content(
                            rx.alert_dialog.title("Cancel " + b["number"].to(str) + "?"),
                            rx.alert_dialog.description(
                                rx.cond(
                                    S.quote.contains(b["id"].to_string()),
                                    S.quote[b["id"].to_string()],
                                    "Cancelling now is free.",
                                ),
                                id="cancel-quote",
                            ),
                            rx.hstack(
                                rx.alert_dialog.cancel(rx.button("Keep it", variant="soft")),
                                rx.alert_dialog.action(
                                    rx.button(
                                        "Cancel booking",
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
                rx.heading("Waiting list", size="5"),
                rx.foreach(
                    S.offers,
                    lambda e: rx.hstack(
                        rx.text(e["facility"], " · ", e["when"]),
                        rx.cond(
                            e["status"] == "offered",
                            rx.hstack(
                                rx.badge(
                                    "free now — confirm by " + e["expires"].to(str),
                                    color_scheme="green",
                                ),
                                rx.button(
                                    "Confirm",
                                    size="1",
                                    on_click=S.accept(e["id"]),
                                    class_name="accept-offer",
                                ),
                            ),
                            rx.badge("waiting"),
                        ),
                        rx.button("Leave", size="1", variant="ghost", on_click=S.leave(e["id"])),
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
            empty_state("No bookings yet.", "See the facilities", "/facilities"),
            rx.vstack(rx.foreach(S.rows, _booking_card), width="100%"),
        ),
        title="My bookings",
    )
