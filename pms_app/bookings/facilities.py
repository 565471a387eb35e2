"""Facilities: the settings form (validated as a whole before anything is written), create and
update by managers, who may see which facility, and maintenance blackouts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.models import Facility, FacilityBlackout
from pms_app.bookings.times import GRID_MINUTES, WEEKDAYS, _hhmm
from pms_app.core.errors import NotFound, ValidationError
from pms_app.core.i18n import Term
from pms_app.core.validation import clean_int, clean_text
from pms_app.properties.access import (
    get_managed_property,
    managed_property_ids,
    require_approved,
    visible_property_ids,
)


def clean_hours(hours: dict[int, tuple[str, str] | None]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for day in range(7):
        span = hours.get(day)
        if not span or not span[0] or not span[1]:
            continue
        opens, closes = _hhmm(span[0], f"hours_{day}"), _hhmm(span[1], f"hours_{day}")
        if closes <= opens:
            raise ValidationError(
                "{day}: closing must be after opening.", f"hours_{day}", day=Term(WEEKDAYS[day])
            )
        out[str(day)] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
    if not out:
        raise ValidationError("Open the facility on at least one day.", "hours_0")
    return out


@dataclass(frozen=True)
class FacilityForm:
    name: str
    description: str = ""
    capacity: str | int = 10
    hours: dict[int, tuple[str, str] | None] | None = None
    slot_minutes: str | int | None = 60
    min_minutes: str | int = 60
    max_minutes: str | int = 180
    advance_days: str | int = 30
    max_active_per_resident: str | int = 2
    fee: str | int = 0
    deposit: str | int = 0
    requires_approval: bool = False
    free_cancel_hours: str | int = 24
    cancel_fee_kind: str = "percent"
    cancel_fee_value: str | int = 50
    hold_minutes: str | int = 30
    offer_minutes: str | int = 60


def _apply_form(facility: Facility, form: FacilityForm) -> None:
    """Validate every field first, then write (a refused edit changes nothing)."""
    name = clean_text(form.name, "name", "the facility's name", 80)
    description = clean_text(
        form.description, "description", "the description", 500, required=False
    )
    hours = clean_hours(form.hours or {d: ("06:00", "22:00") for d in range(7)})
    slot = None
    if form.slot_minutes not in (None, "", 0, "0"):
        slot = clean_int(form.slot_minutes, "slot_minutes", "the slot length", 15, 24 * 60)
        if slot % GRID_MINUTES:
            raise ValidationError(
                "Slots must be a multiple of {minutes} minutes.",
                "slot_minutes",
                minutes=GRID_MINUTES,
            )
    min_m = clean_int(form.min_minutes, "min_minutes", "the shortest booking", 15, 24 * 60)
    max_m = clean_int(form.max_minutes, "max_minutes", "the longest booking", 15, 7 * 24 * 60)
    if max_m < min_m:
        raise ValidationError(
            "The longest booking can't be shorter than the shortest.", "max_minutes"
        )
    kind = form.cancel_fee_kind
    if kind not in ("fixed", "percent"):
        raise ValidationError("Choose a fixed or a percentage cancellation fee.", "cancel_fee_kind")
    cancel_value = clean_int(
        form.cancel_fee_value or 0, "cancel_fee_value", "the cancellation fee", 0, 1_000_000
    )
    if kind == "percent" and cancel_value > 100:
        raise ValidationError("A percentage can be at most 100.", "cancel_fee_value")
    values = {
        "name": name,
        "description": description,
        "hours": hours,
        "slot_minutes": slot,
        "min_minutes": min_m,
        "max_minutes": max_m,
        "capacity": clean_int(form.capacity, "capacity", "the capacity", 1, 10_000),
        "advance_days": clean_int(form.advance_days, "advance_days", "how far ahead", 1, 366),
        "max_active_per_resident": clean_int(
            form.max_active_per_resident, "max_active_per_resident", "the per-resident limit", 1, 50
        ),
        "fee": clean_int(form.fee or 0, "fee", "the fee", 0, 1_000_000),
        "deposit": clean_int(form.deposit or 0, "deposit", "the deposit", 0, 1_000_000),
        "requires_approval": bool(form.requires_approval),
        "free_cancel_hours": clean_int(
            form.free_cancel_hours or 0,
            "free_cancel_hours",
            "the free cancellation hours",
            0,
            24 * 30,
        ),
        "cancel_fee_kind": kind,
        "cancel_fee_value": cancel_value,
        "hold_minutes": clean_int(
            form.hold_minutes, "hold_minutes", "the payment hold", 5, 7 * 24 * 60
        ),
        "offer_minutes": clean_int(
            form.offer_minutes, "offer_minutes", "the offer time", 5, 7 * 24 * 60
        ),
    }
    for key, value in values.items():
        setattr(facility, key, value)


def create_facility(
    session: Session, actor: User | None, property_id: int, form: FacilityForm
) -> Facility:
    prop = get_managed_property(session, actor, property_id)
    facility = Facility(property_id=prop.id or 0, name="")
    _apply_form(facility, form)
    session.add(facility)
    session.commit()
    return facility


def update_facility(
    session: Session, actor: User | None, facility_id: int, form: FacilityForm
) -> Facility:
    facility = get_managed_facility(session, actor, facility_id)
    _apply_form(facility, form)
    session.add(facility)
    session.commit()
    return facility


def get_managed_facility(session: Session, actor: User | None, facility_id: int) -> Facility:
    facility = session.get(Facility, facility_id) if isinstance(facility_id, int) else None
    if facility is None:
        raise NotFound("facility")
    try:
        get_managed_property(session, actor, facility.property_id)
    except NotFound:
        raise NotFound("facility") from None
    return facility


def get_visible_facility(session: Session, actor: User | None, facility_id: int) -> Facility:
    """Residents (approved tenants) and staff of the property, and its managers."""
    user = require_approved(session, actor)
    facility = session.get(Facility, facility_id) if isinstance(facility_id, int) else None
    if facility is None or facility.property_id not in visible_property_ids(session, user):
        raise NotFound("facility")
    if not facility.active and facility.property_id not in managed_property_ids(session, user):
        raise NotFound("facility")
    return facility


def list_facilities(session: Session, actor: User | None) -> list[Facility]:
    user = require_approved(session, actor)
    ids = visible_property_ids(session, user)
    managed = set(managed_property_ids(session, user))
    rows = session.exec(
        select(Facility).where(col(Facility.property_id).in_(ids)).order_by(Facility.name)
    ).all()
    return [f for f in rows if f.active or f.property_id in managed]


def add_blackout(
    session: Session,
    actor: User | None,
    facility_id: int,
    start: datetime,
    end: datetime,
    reason: str,
) -> FacilityBlackout:
    facility = get_managed_facility(session, actor, facility_id)
    if end <= start:
        raise ValidationError("The blackout must end after it starts.", "end")
    row = FacilityBlackout(
        facility_id=facility.id or 0,
        start_at=start,
        end_at=end,
        reason=clean_text(reason, "reason", "the reason", 200, required=False),
    )
    session.add(row)
    session.commit()
    return row
