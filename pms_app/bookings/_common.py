"""What booking, waiting list and housekeeping share when a booking changes: the emails, the
realtime ping, and offering a freed time to the next person waiting (private to the package)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.models import Booking, BookingStatus, Facility, WaitlistEntry, WaitStatus
from pms_app.bookings.rules import _overlapping
from pms_app.bookings.times import facility_tz
from pms_app.core import formats
from pms_app.core.i18n import N_, gettext
from pms_app.core.realtime import notify_after_commit
from pms_app.core.settings import get_settings
from pms_app.emails.service import composing_for, queue_email
from pms_app.properties.audience import property_audience


def _notify(session: Session, facility: Facility, booking: Booking) -> None:
    audience = property_audience(session, facility.property_id) | {booking.user_id}
    notify_after_commit(session, audience, "bookings")


def _when(session: Session, facility: Facility, booking: Booking | WaitlistEntry) -> str:
    return formats.span(booking.start_at, booking.end_at, facility_tz(session, facility))


# What each booking email says: (subject, sentence); the sentence for "booked" is per status.
_SUBJECTS = {
    "booked": N_("{facility}: booking {number} booked"),
    "confirmed": N_("{facility}: booking {number} confirmed"),
    "cancelled": N_("{facility}: booking {number} cancelled"),
    "declined": N_("{facility}: booking {number} declined"),
    "expired": N_("{facility}: booking {number} expired"),
    "reminder": N_("{facility}: booking {number} reminder"),
}
_CONFIRMED = N_("Your booking {number} of {facility} on {when} is confirmed.")
_SENTENCES = {
    "confirmed": _CONFIRMED,
    "cancelled": N_("Your booking {number} of {facility} on {when} was cancelled."),
    "declined": N_("Your request {number} for {facility} on {when} was declined."),
    "expired": N_(
        "Your hold {number} on {facility} ({when}) expired unpaid; the slot was released."
    ),
    "reminder": N_("Reminder: {facility} is booked for you on {when} ({number})."),
}
_BOOKED = {
    BookingStatus.CONFIRMED: _CONFIRMED,
    BookingStatus.AWAITING_PAYMENT: N_(
        "{facility} is held for you on {when} ({number}). Pay {amount} before {until} or the "
        "slot is released."
    ),
    BookingStatus.REQUESTED: N_(
        "Your request {number} for {facility} on {when} is waiting for approval."
    ),
}


def _booking_email(
    session: Session, booking: Booking, facility: Facility, user: User, what: str
) -> None:
    base = get_settings().base_url
    tz = facility_tz(session, facility)
    with composing_for(user):  # the booker's language: day and month names too
        values = {
            "number": booking.number,
            "facility": facility.name,
            "when": _when(session, facility, booking),
            # Only awaiting-payment bookings have a hold time.
            "until": formats.clock_time(booking.hold_expires_at, tz)
            if booking.hold_expires_at
            else "",
            "amount": formats.money(booking.fee + booking.deposit),
        }
        sentence = _BOOKED.get(booking.status, "") if what == "booked" else _SENTENCES[what]
        parts = [gettext(sentence, **values) if sentence else ""]
        if what in ("cancelled", "declined") and booking.cancel_reason:
            parts.append(gettext("Reason: {reason}", reason=booking.cancel_reason))
        if what == "cancelled" and booking.cancel_fee:
            parts.append(
                gettext("Cancellation fee: {amount}.", amount=formats.money(booking.cancel_fee))
            )
        if what == "cancelled" and booking.refund_due:
            parts.append(
                gettext(
                    "A refund of {amount} is due to you; the manager will return it.",
                    amount=formats.money(booking.refund_due),
                )
            )
        elif what == "cancelled" and booking.cancel_fee:
            parts.append(gettext("The fee is kept under the facility's cancellation policy."))
        queue_email(
            session,
            user.email,
            gettext(_SUBJECTS[what], **values),
            gettext(
                "Hello {name},\n\n{lines}\n\nYour bookings: {link}",
                name=user.full_name,
                lines=" ".join(parts),
                link=f"{base}/bookings",
            ),
            kind=f"booking_{what}",
            dedupe_key=f"booking:{booking.id}:{what}:{booking.status}"
            if what != "booked"
            else None,
        )


def _offer_next(
    session: Session, facility: Facility, start: datetime, end: datetime, now: datetime
) -> WaitlistEntry | None:
    """Offer a freed time to the first person waiting for a time inside it (that is now free)."""
    # Take the facility's lock (within the caller's transaction) so two workers freeing
    # overlapping holds at once see each other's result instead of both finding the time busy.
    session.exec(  # type: ignore[call-overload]
        update(Facility)
        .where(Facility.id == facility.id)  # type: ignore[arg-type]
        .values(lock_version=Facility.lock_version + 1)
    )
    for entry in session.exec(
        select(WaitlistEntry)
        .where(
            WaitlistEntry.facility_id == facility.id,
            WaitlistEntry.status == WaitStatus.WAITING,
            WaitlistEntry.start_at < end,
            WaitlistEntry.end_at > start,
        )
        .order_by(col(WaitlistEntry.created_at), col(WaitlistEntry.id))
    ).all():
        if entry.start_at <= now:
            entry.status = WaitStatus.EXPIRED
            session.add(entry)
            continue
        if _overlapping(session, facility.id or 0, entry.start_at, entry.end_at) is not None:
            continue
        if _has_open_offer(session, facility.id or 0, entry.start_at, entry.end_at):
            return None
        entry.status = WaitStatus.OFFERED
        entry.offered_at = now
        entry.offer_expires_at = now + timedelta(minutes=facility.offer_minutes)
        session.add(entry)
        user = session.get(User, entry.user_id)
        if user:
            with composing_for(user):
                tz = facility_tz(session, facility)
                queue_email(
                    session,
                    user.email,
                    gettext(
                        "{facility} is free: confirm within {minutes} minutes",
                        facility=facility.name,
                        minutes=facility.offer_minutes,
                    ),
                    gettext(
                        "Hello {name},\n\nThe time you waited for — {facility}, {when} — is "
                        "free. Confirm it before {until}: {link}",
                        name=user.full_name,
                        facility=facility.name,
                        when=_when(session, facility, entry),
                        until=formats.clock_time(entry.offer_expires_at, tz),
                        link=f"{get_settings().base_url}/bookings",
                    ),
                    kind="waitlist_offer",
                    dedupe_key=f"offer:{entry.id}",
                )
            notify_after_commit(session, [user.id or 0], "bookings")
        return entry
    return None


def _has_open_offer(session: Session, facility_id: int, start: datetime, end: datetime) -> bool:
    return (
        session.exec(
            select(WaitlistEntry.id).where(
                WaitlistEntry.facility_id == facility_id,
                WaitlistEntry.status == WaitStatus.OFFERED,
                WaitlistEntry.start_at < end,
                WaitlistEntry.end_at > start,
            )
        ).first()
        is not None
    )
