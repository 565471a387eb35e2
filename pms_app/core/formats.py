"""The one way dates, times and money are written for people: pages, emails, SMS, PDFs and CSVs.

Times are stored in UTC (a naive value from the database is UTC) and shown in the property's
timezone, else the install's `TIMEZONE`. One date style: `3 Dec 2026`; times `14:05` (24 h, as
Kenya writes them); files (CSV) get sortable `2026-12-03 14:05`. Money is integer shillings:
`KES 12,500`. Month and day names follow the current language (core/i18n): `3 Des 2026`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from pms_app.core.i18n import current_language, ngettext
from pms_app.core.settings import get_settings


@lru_cache(maxsize=8)
def _names(code: str) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """Month (short, long) and weekday names in a language, from Babel's locale data (never the
    process's C locale, which a server may set to anything)."""
    from babel.dates import get_day_names, get_month_names

    return (
        dict(get_month_names("abbreviated", locale=code)),
        dict(get_month_names("wide", locale=code)),
        dict(get_day_names("abbreviated", locale=code)),
    )


@lru_cache(maxsize=64)
def zone(tz_name: str | None = None) -> ZoneInfo:
    """The timezone named (a property's), else the install's."""
    try:
        return ZoneInfo(tz_name or get_settings().timezone)
    except (KeyError, ValueError):  # a bad name stored somewhere: the install's, not a crash
        return ZoneInfo(get_settings().timezone)


TZ = ZoneInfo | str | None  # a zone, a zone's name, or None: the install's


def local(moment: datetime, tz: TZ = None) -> datetime:
    """`moment` (UTC; naive means UTC) in `tz`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz if isinstance(tz, ZoneInfo) else zone(tz))


def day(value: date | datetime, tz: TZ = None) -> str:
    """`3 Dec 2026` (a datetime is first put in `tz`)."""
    d = local(value, tz).date() if isinstance(value, datetime) else value
    return f"{d.day} {_names(current_language())[0][d.month]} {d.year}"


def weekday_day(value: date | datetime, tz: TZ = None) -> str:
    """`Thu 3 Dec 2026`."""
    d = local(value, tz).date() if isinstance(value, datetime) else value
    return f"{_names(current_language())[2][d.weekday()]} {day(d)}"


def clock_time(moment: datetime, tz: TZ = None) -> str:
    """`01:10` in `tz`."""
    return f"{local(moment, tz):%H:%M}"


def moment(value: datetime, tz: TZ = None) -> str:
    """`3 Dec 2026, 01:10` in `tz`."""
    return f"{day(value, tz)}, {clock_time(value, tz)}"


def span(start: datetime, end: datetime, tz: TZ = None) -> str:
    """`Thu 3 Dec 2026, 10:00–11:30` (a booking)."""
    return f"{weekday_day(start, tz)}, {clock_time(start, tz)}–{clock_time(end, tz)}"


def file_moment(value: datetime, tz: TZ = None) -> str:
    """`2026-12-03 01:10` in `tz`: sortable, for CSV files."""
    return f"{local(value, tz):%Y-%m-%d %H:%M}"


def month(value: date) -> str:
    """`December 2026`: a month's name as headings and figures show it."""
    return f"{_names(current_language())[1][value.month]} {value.year}"


def money(amount: int) -> str:
    """`KES 12,500`."""
    return f"{get_settings().currency} {amount:,}"


def plural(n: int, one: str, many: str) -> str:
    """`1 guest`, `3 guests`: the one place a count meets its noun, in the current language
    (`one`/`many` are msgids: "{n} guest", "{n} guests"; callers pass both forms)."""
    return ngettext(one, many, n)
