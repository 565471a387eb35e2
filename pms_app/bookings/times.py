"""Times of the bookings domain: the 15-minute grid, HH:MM parsing, and the facility's
(its property's) timezone. Times are stored in UTC; rules are read in local time."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from pms_app.bookings.models import Facility
from pms_app.core.errors import ValidationError
from pms_app.core.i18n import N_
from pms_app.core.settings import get_settings
from pms_app.core.validation import check_date_range
from pms_app.properties.models import Property

GRID_MINUTES = 15
WEEKDAYS = (  # msgids: shown through the translation layer
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def _hhmm(value: str, field: str) -> time:
    if not re.fullmatch(r"\d{2}:\d{2}", value or ""):
        raise ValidationError("Use HH:MM times, like 06:00.", field)
    h, m = int(value[:2]), int(value[3:])
    if h > 23 or m > 59 or m % GRID_MINUTES:
        raise ValidationError(
            "Use times on a {minutes}-minute grid, like 06:00 or 21:45.",
            field,
            minutes=GRID_MINUTES,
        )
    return time(h, m)


def facility_tz(session: Session, facility: Facility) -> ZoneInfo:
    prop = session.get(Property, facility.property_id)
    return ZoneInfo(prop.timezone if prop else get_settings().timezone)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


def parse_local(day: str, hhmm: str, field: str = "start") -> datetime:
    try:
        d = date.fromisoformat((day or "").strip())
    except ValueError:
        raise ValidationError("Choose a date.", "date") from None
    check_date_range(d, "date", "a date")
    return datetime.combine(d, _hhmm((hhmm or "").strip(), field))
