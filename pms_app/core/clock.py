"""The one clock: every "now" and "today" in pms_app comes from here.

`PMS_CLOCK_OFFSET_DAYS` (whole days, may be negative; default 0) shifts the calendar for tests and
demos: time keeps moving (sessions, expiry and timeouts still work) and every process started with
the same setting agrees on the date. Never set it in production. Durations use time.monotonic().
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from pms_app.core.settings import get_settings

OFFSET_ENV = "PMS_CLOCK_OFFSET_DAYS"

_offset: timedelta | None = None  # cached: now() runs on hot paths (every row's created_at)


def _read_env() -> timedelta:
    raw = os.environ.get(OFFSET_ENV, "").strip()
    if not raw:
        return timedelta(0)
    try:
        return timedelta(days=int(raw))
    except ValueError:
        raise ValueError(f"{OFFSET_ENV} must be a whole number of days, not {raw!r}") from None


def offset_days() -> int:
    """The shift in days currently applied (from the environment unless set_offset() was used)."""
    global _offset
    if _offset is None:
        _offset = _read_env()
    return _offset.days


def set_offset(days: int | None) -> None:
    """Shift the clock by `days` in this process; None re-reads PMS_CLOCK_OFFSET_DAYS."""
    global _offset
    _offset = None if days is None else timedelta(days=days)


@contextmanager
def shifted(days: int) -> Iterator[None]:
    """The clock `days` further on (on top of the current offset) for the block."""
    before = offset_days()
    set_offset(before + days)
    try:
        yield
    finally:
        set_offset(before)


def now() -> datetime:
    """Aware UTC now (shifted by the offset)."""
    offset = _offset if _offset is not None else timedelta(days=offset_days())
    return datetime.now(UTC) + offset


def today(tz_name: str | None = None) -> date:
    """Today's date in `tz_name` (default: the install's TIMEZONE)."""
    if tz_name is None:
        tz_name = get_settings().timezone
    return now().astimezone(ZoneInfo(tz_name)).date()


def today_local() -> date:
    """Today in the install's timezone (due days and rent months are local dates)."""
    return today()
