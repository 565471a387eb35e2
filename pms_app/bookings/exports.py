"""Exports: a facility's bookings as CSV (safe to open in a spreadsheet) and one booking as an
iCalendar (.ics) file."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.bookings.facilities import get_managed_facility
from pms_app.bookings.lifecycle import get_own_or_managed_booking
from pms_app.bookings.listings import facility_bookings
from pms_app.bookings.models import BookingStatus
from pms_app.bookings.times import facility_tz
from pms_app.core import formats
from pms_app.core.timestamps import utcnow


def bookings_csv(session: Session, actor: User | None, facility_id: int) -> str:
    facility = get_managed_facility(session, actor, facility_id)
    tz = facility_tz(session, facility)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["number", "facility", "resident", "start", "end", "guests", "status", "due_kes"]
    )
    for r in facility_bookings(session, actor, facility_id, limit=None):  # the export is complete
        writer.writerow(
            [
                r.number,
                _safe(r.facility),
                _safe(r.booker),
                formats.file_moment(r.start, tz),
                formats.file_moment(r.end, tz),
                r.guests,
                r.status,
                r.due,
            ]
        )
    return out.getvalue()


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def booking_ics(session: Session, actor: User | None, booking_id: int) -> tuple[str, str]:
    """(file name, iCalendar text) for the booker or a manager."""
    booking, facility, _ = get_own_or_managed_booking(session, actor, booking_id)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")

    def fmt(dt: datetime) -> str:
        return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def esc(text: str) -> str:
        return (
            text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//pms//bookings//EN",
        "BEGIN:VEVENT",
        f"UID:{booking.number}@pms",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{fmt(booking.start_at)}",
        f"DTEND:{fmt(booking.end_at)}",
        f"SUMMARY:{esc(facility.name)} ({booking.number})",
        f"DESCRIPTION:{esc(facility.description)}",
        f"STATUS:{'CANCELLED' if booking.status not in BookingStatus.ACTIVE else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return f"{booking.number}.ics", "".join(_fold(line) + "\r\n" for line in lines)


def _fold(line: str) -> str:
    """RFC 5545 §3.1: content lines of at most 75 octets; a longer one continues on lines that
    start with a space. Never splits a UTF-8 character."""
    parts: list[str] = []
    current, size = "", 0
    for ch in line:
        n = len(ch.encode())
        if size + n > (75 if not parts else 74):  # a continuation's leading space counts
            parts.append(current)
            current, size = "", 0
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts)
