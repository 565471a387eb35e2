"""The tests' calendar: every date comes from the app's clock (pms_app.core.clock)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pms_app.core import clock


def today() -> date:
    """Today per the app's clock, in the install's timezone (what the services call today)."""
    return clock.today_local()


def month_start(day: date | None = None) -> date:
    """The first day of `day`'s month (default: the clock's current month)."""
    return (day or today()).replace(day=1)


def last_year() -> int:
    """Last year per the clock: a whole calendar year that is always in the past, so tests can
    spell out month and day ("01-05") whatever today is. Fixed for the process even if the
    real year turns during a run, so dates computed before and after midnight agree."""
    return _last_year(clock.offset_days())


@lru_cache(maxsize=8)
def _last_year(_offset_days: int) -> int:
    return today().year - 1


def day(month_day: str) -> date:
    """`"03-15"` → 15 March of last_year()."""
    return date.fromisoformat(f"{last_year()}-{month_day}")


def iso(month_day: str) -> str:
    """`"03-15"` → "YYYY-03-15" of last_year(), as forms and ledger dates spell it."""
    return day(month_day).isoformat()
