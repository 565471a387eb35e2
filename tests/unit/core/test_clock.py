"""The one clock (pms_app.core.clock): the offset setting moves every "now" and "today" of the app
together, and nothing in pms_app or the tests reads the computer's calendar behind its back."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from pms_app import worker
from pms_app.core import clock
from pms_app.core.timestamps import utcnow
from pms_app.leases import service as leases
from pms_app.ledger.models import EntryKind, LedgerEntry
from tests import factories as f

pytestmark = pytest.mark.dates

ROOT = Path(__file__).resolve().parents[3]
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()
NAIROBI = ZoneInfo("Africa/Nairobi")


def _shift_of(moment: datetime) -> timedelta:
    """How far `moment` is from the computer's real time (the real clock is read after it)."""
    return moment - datetime.now(UTC)


def test_the_offset_moves_now_and_today_by_whole_days() -> None:
    base = clock.offset_days()  # CI runs this file with PMS_CLOCK_OFFSET_DAYS set, too
    assert abs(_shift_of(clock.now()) - timedelta(days=base)) < timedelta(seconds=5)
    with clock.shifted(365):
        assert clock.offset_days() == base + 365
        for moment in (clock.now(), utcnow()):  # the models' timestamps follow
            assert moment.tzinfo is not None
            assert abs(_shift_of(moment) - timedelta(days=base + 365)) < timedelta(seconds=5)
        real_today = datetime.now(NAIROBI).date()
        assert clock.today("Africa/Nairobi") == real_today + timedelta(days=base + 365)
        assert clock.today_local() == leases.today_local() == clock.today("Africa/Nairobi")
        for tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 and UTC-11
            shifted_now = datetime.now(ZoneInfo(tz)) + timedelta(days=base + 365)
            assert clock.today(tz) == shifted_now.date()
    assert clock.offset_days() == base


def test_the_offset_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.OFFSET_ENV, "-200")
    clock.set_offset(None)  # forget the cached value: read the environment again
    assert clock.offset_days() == -200
    assert abs(_shift_of(utcnow()) + timedelta(days=200)) < timedelta(seconds=5)
    monkeypatch.setenv(clock.OFFSET_ENV, "next year")
    clock.set_offset(None)
    with pytest.raises(ValueError, match="PMS_CLOCK_OFFSET_DAYS must be a whole number of days"):
        clock.now()
    monkeypatch.delenv(clock.OFFSET_ENV)
    clock.set_offset(None)
    assert clock.offset_days() == 0


def test_billing_on_the_shifted_clock_charges_up_to_the_shifted_month(session: Session) -> None:
    start = f.month_start()
    lease = f.lease(session, rent=1_000, due_day=1, start=start)  # this month charged
    with clock.shifted(365):
        later = clock.today_local()
        assert worker.run_billing() == {"rent_charges": _months(start, later) - 1, "late_fees": 0}
    session.expire_all()
    periods = session.exec(
        select(LedgerEntry.period)
        .where(LedgerEntry.lease_id == lease.id, LedgerEntry.kind == EntryKind.RENT)
        .order_by(LedgerEntry.due_date)
    ).all()
    assert periods[0] == f"{start:%Y-%m}" and periods[-1] == f"{later:%Y-%m}"
    assert len(periods) == _months(start, later) == len(set(periods))


def _months(first: date, last: date) -> int:
    """Calendar months from `first`'s to `last`'s, both counted."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


# Reading the computer's calendar directly bypasses the offset: only pms_app/core/clock.py may.
CALENDAR_READS = re.compile(r"\b(datetime\.(now|utcnow|today)|date\.today)\(")


def _calendar_reads(folder: str, allowed: set[str]) -> list[str]:
    found = []
    paths = sorted((ROOT / folder).rglob("*.py"))
    assert paths and allowed <= {p.relative_to(ROOT).as_posix() for p in paths}, folder
    for path in paths:
        rel = path.relative_to(ROOT).as_posix()
        if rel in allowed:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if CALENDAR_READS.search(line):
                found.append(f"{rel}:{n}: {line.strip()}")
    return found


def test_only_the_clock_reads_the_calendar_in_the_app() -> None:
    assert _calendar_reads("pms_app", {"pms_app/core/clock.py"}) == []


def test_tests_take_today_from_the_clock_too() -> None:
    # This file compares the clock with the real time on purpose.
    assert _calendar_reads("tests", {THIS_FILE}) == []


def test_the_scan_finds_a_calendar_read() -> None:
    assert CALENDAR_READS.search("    stamp = datetime.now(UTC)")
    assert CALENDAR_READS.search("day = date.today().isoformat()")
    assert not CALENDAR_READS.search("now = clock.now()")
