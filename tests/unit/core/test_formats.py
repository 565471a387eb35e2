"""The one formatter: UTC in, the property's (else the install's) local time out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pms_app.core import formats

LATE_EVENING_UTC = datetime(2026, 12, 2, 22, 10, tzinfo=UTC)  # 01:10 on the 3rd in Nairobi


def test_a_utc_moment_reads_in_nairobi_time_on_the_next_day() -> None:
    assert formats.moment(LATE_EVENING_UTC, "Africa/Nairobi") == "3 Dec 2026, 01:10"
    assert formats.day(LATE_EVENING_UTC, "Africa/Nairobi") == "3 Dec 2026"
    assert formats.clock_time(LATE_EVENING_UTC, ZoneInfo("Africa/Nairobi")) == "01:10"


def test_a_naive_value_from_the_database_is_utc() -> None:
    naive = LATE_EVENING_UTC.replace(tzinfo=None)
    assert formats.moment(naive, "Africa/Nairobi") == formats.moment(
        LATE_EVENING_UTC, "Africa/Nairobi"
    )


def test_the_property_zone_wins_and_a_bad_name_falls_back_to_the_install() -> None:
    assert formats.moment(LATE_EVENING_UTC, "Europe/London") == "2 Dec 2026, 22:10"
    # The install's TIMEZONE (Africa/Nairobi by default) when none is given or the name is bad.
    assert formats.moment(LATE_EVENING_UTC, None) == formats.moment(
        LATE_EVENING_UTC, "Africa/Nairobi"
    )
    assert formats.moment(LATE_EVENING_UTC, "Mars/Olympus") == "3 Dec 2026, 01:10"


def test_dates_spans_files_and_money() -> None:
    assert formats.day(date(2026, 3, 3)) == "3 Mar 2026"
    assert formats.weekday_day(date(2026, 3, 3)) == "Tue 3 Mar 2026"
    end = datetime(2026, 12, 2, 23, 40, tzinfo=UTC)
    assert formats.span(LATE_EVENING_UTC, end, "Africa/Nairobi") == "Thu 3 Dec 2026, 01:10–02:40"
    assert formats.file_moment(LATE_EVENING_UTC, "Africa/Nairobi") == "2026-12-03 01:10"
    assert formats.money(12500) == "KES 12,500"


def test_a_count_takes_the_singular_only_for_one() -> None:
    assert formats.plural(1, "{n} guest", "{n} guests") == "1 guest"
    assert formats.plural(0, "{n} guest", "{n} guests") == "0 guests"
    assert formats.plural(2, "{n} guest", "{n} guests") == "2 guests"
    assert formats.plural(1200, "{n} unit", "{n} units") == "1,200 units"
