"""What the bookings pages share: status labels and the facility form (its fields, its defaults,
a facility's current values, the submitted form read into a `FacilityForm`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx

from pms_app.bookings.facilities import FacilityForm
from pms_app.bookings.times import WEEKDAYS
from pms_app.core.i18n import N_, gettext
from pms_app.ui.components.forms import field, field_error
from pms_app.ui.shell.formatting import currency, in_currency, money
from pms_app.ui.shell.forms import checked, text
from pms_app.ui.shell.i18n import t

if TYPE_CHECKING:
    from pms_app.bookings.models import Facility
    from pms_app.bookings.refunds import CancelOutcome

# A booking's status as its badge reads (msgids: states translate them with `_tr`/`gettext`).
STATUS_LABELS = {
    "requested": N_("waiting for approval"),
    "awaiting_payment": N_("awaiting payment"),
    "confirmed": N_("confirmed"),
    "cancelled": N_("cancelled"),
    "expired": N_("expired (unpaid)"),
    "declined": N_("declined"),
}


def cancel_outcome_text(o: CancelOutcome) -> str:
    """What cancelling does to the money, said before confirming (#10.7), in the reader's
    language (it runs inside the event's language context)."""
    if not o.paid:
        return gettext("Cancelling now is free: nothing was paid.")
    if not o.kept:
        return gettext(
            "Cancelling now is free. Refund due: {refund} (the estate manager returns it and "
            "marks it refunded).",
            refund=money(o.refund),
        )
    if not o.refund:
        return gettext(
            "Cancelling now keeps the {kept} you paid under the facility's cancellation policy "
            "(less than {hours} hours before the start). Nothing is refunded.",
            kept=money(o.kept),
            hours=o.free_cancel_hours,
        )
    return gettext(
        "Cancelling now keeps {kept} under the facility's cancellation policy (less than {hours} "
        "hours before the start). Refund due: {refund} (the estate manager returns it and marks "
        "it refunded).",
        kept=money(o.kept),
        hours=o.free_cancel_hours,
        refund=money(o.refund),
    )


def cancelled_money_text(cancel_fee: int, refund_due: int, refunded: bool) -> str:
    """A cancelled booking's money, after the fact ("" if nothing was paid)."""
    if refund_due:
        if refunded:
            return gettext("Refunded {amount}", amount=money(refund_due))
        return gettext("Refund due: {amount}", amount=money(refund_due))
    if cancel_fee:
        return gettext("Fee kept under the policy: {amount}", amount=money(cancel_fee))
    return ""


def facility_form(form: dict[str, Any]) -> FacilityForm:
    hours = {d: (text(form, f"open_{d}", 5), text(form, f"close_{d}", 5)) for d in range(7)}
    return FacilityForm(
        name=text(form, "name", 100),
        description=text(form, "description", 5000),
        capacity=text(form, "capacity", 6),
        hours=hours,
        slot_minutes=text(form, "slot_minutes", 5),
        min_minutes=text(form, "min_minutes", 5),
        max_minutes=text(form, "max_minutes", 6),
        advance_days=text(form, "advance_days", 4),
        max_active_per_resident=text(form, "max_active_per_resident", 3),
        fee=text(form, "fee", 8),
        deposit=text(form, "deposit", 8),
        requires_approval=checked(form, "requires_approval"),
        free_cancel_hours=text(form, "free_cancel_hours", 4),
        cancel_fee_kind=text(form, "cancel_fee_kind", 8),
        cancel_fee_value=text(form, "cancel_fee_value", 8),
        hold_minutes=text(form, "hold_minutes", 6),
        offer_minutes=text(form, "offer_minutes", 6),
    )


# The facility form's inputs that show their own error (`field()` or a day's hours); the select
# (cancel_fee_kind) has none, so its error goes to the banner.
FACILITY_FIELDS: frozenset[str] = frozenset(
    {
        "name",
        "description",
        "capacity",
        *(f"hours_{d}" for d in range(7)),
        "slot_minutes",
        "min_minutes",
        "max_minutes",
        "advance_days",
        "max_active_per_resident",
        "fee",
        "deposit",
        "free_cancel_hours",
        "cancel_fee_value",
        "hold_minutes",
        "offer_minutes",
    }
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


def _day_hours(d: int, errors: Any, v: Any) -> rx.Component:
    """One weekday's opening and closing time, its error (`hours_<d>`) under them."""
    return rx.vstack(
        rx.hstack(
            rx.text(t(WEEKDAYS[d]), width="100px", size="2"),
            rx.input(
                name=f"open_{d}",
                default_value=v[f"open_{d}"],
                width="90px",
                aria_label=t("{day} opens", day=t(WEEKDAYS[d])),
            ),
            rx.text("–"),
            rx.input(
                name=f"close_{d}",
                default_value=v[f"close_{d}"],
                width="90px",
                aria_label=t("{day} closes", day=t(WEEKDAYS[d])),
            ),
            align="center",
        ),
        field_error(errors, f"hours_{d}"),
        spacing="1",
    )


def facility_fields(errors: Any, v: Any) -> list[rx.Component]:
    """The facility form's fields; `v` is a dict var of default values."""

    def num(label: Any, name: str, required: bool = True) -> rx.Component:
        return field(label, name, errors, "number", default_value=v[name], required=required)

    return [
        field(
            t("Name"),
            "name",
            errors,
            placeholder=t("Community hall"),
            default_value=v["name"],
        ),
        field(
            t("Description"),
            "description",
            errors,
            required=False,
            default_value=v["description"],
        ),
        num(t("Capacity (guests per booking)"), "capacity"),
        rx.text(t("Opening hours (leave a day empty to close it)"), size="2", weight="medium"),
        *[_day_hours(d, errors, v) for d in range(7)],
        num(t("Slot length in minutes (empty = free start/end)"), "slot_minutes", required=False),
        num(t("Shortest booking (minutes)"), "min_minutes"),
        num(t("Longest booking (minutes)"), "max_minutes"),
        num(t("Bookable up to N days ahead"), "advance_days"),
        num(t("Upcoming bookings per resident"), "max_active_per_resident"),
        num(in_currency(t("Fee")), "fee", required=False),
        num(in_currency(t("Refundable deposit")), "deposit", required=False),
        rx.checkbox(
            t("Bookings need a manager's approval"),
            name="requires_approval",
            default_checked=v["requires_approval"] == "on",
        ),
        num(t("Free cancellation until N hours before"), "free_cancel_hours"),
        rx.el.select(
            rx.el.option(t("Late cancellation: percent of the fee"), value="percent"),
            rx.el.option(in_currency(t("Late cancellation: fixed amount")), value="fixed"),
            name="cancel_fee_kind",
            aria_label=t("Late cancellation fee kind"),
            default_value=v["cancel_fee_kind"],
            style={"padding": "6px"},
        ),
        num(
            t("Late cancellation fee (percent or {currency})", currency=currency()),
            "cancel_fee_value",
        ),
        num(t("Unpaid bookings are released after (minutes)"), "hold_minutes"),
        num(t("Waiting-list offers last (minutes)"), "offer_minutes"),
    ]
