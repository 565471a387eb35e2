"""Booking housekeeping: unpaid holds, lapsed waiting-list offers, reminders."""

from __future__ import annotations

import pms_app.bookings.paying  # noqa: F401  (registers how the payments domain settles a booking fee)
from pms_app.bookings import housekeeping
from pms_app.core import jobs
from pms_app.core.db import session_scope


@jobs.periodic("booking-housekeeping", 60.0)
@jobs.task("pms.booking_housekeeping")
def booking_housekeeping() -> dict[str, int]:
    """Expire unpaid holds and lapsed waiting-list offers; send booking reminders."""
    with session_scope() as session:
        return {
            "holds_expired": housekeeping.expire_holds(session),
            "offers_expired": housekeeping.expire_offers(session),
            "reminders": housekeeping.send_reminders(session),
        }
