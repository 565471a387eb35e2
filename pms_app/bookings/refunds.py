"""What happens to a paid booking's money when it is cancelled (#10.7), and the managers' list
of refunds still to make.

The facility's policy (rules.cancellation_fee): free until `free_cancel_hours` before the start,
then a fixed or percentage part of the fee is kept; the deposit always goes back. A manager who
cancels keeps nothing. Whatever is not kept is a refund due, listed for the property's managers
until one marks it refunded (the money goes back outside pms: cash, bank, M-Pesa reversal);
that mark is written to the audit trail, and the booking's payment records the refund, so the
payments page's "Collected" counts only what was kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.bookings.models import Booking, BookingStatus, Facility
from pms_app.bookings.rules import cancellation_fee
from pms_app.core import audit
from pms_app.core.db import update_or_refuse
from pms_app.core.errors import NotFound
from pms_app.core.timestamps import utcnow
from pms_app.payments import booking_fees
from pms_app.properties.access import managed_property_ids, require_approved


@dataclass(frozen=True)
class CancelOutcome:
    paid: int  # what the booker paid (fee + deposit), 0 if nothing was paid
    kept: int  # kept under the facility's cancellation policy
    refund: int  # due back to the booker
    free_cancel_hours: int  # the policy's window, to explain a fee


def is_paid(booking: Booking) -> bool:
    """Confirmed with something to pay: only a payment (M-Pesa or a manager's mark) confirms it."""
    return booking.status == BookingStatus.CONFIRMED and booking.fee + booking.deposit > 0


def cancel_outcome(
    facility: Facility, booking: Booking, now: datetime, by_manager: bool = False
) -> CancelOutcome:
    """What cancelling `booking` now does to its money."""
    paid = booking.fee + booking.deposit if is_paid(booking) else 0
    kept = 0 if by_manager or not paid else cancellation_fee(facility, booking, now)
    return CancelOutcome(paid, kept, paid - kept, facility.free_cancel_hours)


@dataclass(frozen=True)
class RefundDue:
    booking_id: int
    number: str
    facility: str
    booker: str
    amount: int
    cancelled_at: datetime  # UTC
    property_id: int


def refunds_due(session: Session, actor: User | None) -> list[RefundDue]:
    """Cancelled bookings whose refund is still to make, oldest first, across the properties
    the actor manages (nothing for anyone else)."""
    user = require_approved(session, actor)
    ids = managed_property_ids(session, user)
    if not ids:
        return []
    rows = session.exec(
        select(Booking, Facility.name, Facility.property_id, User.full_name)
        .join(Facility, col(Facility.id) == Booking.facility_id)
        .join(User, col(User.id) == Booking.user_id)
        .where(
            col(Facility.property_id).in_(ids),
            Booking.status == BookingStatus.CANCELLED,
            col(Booking.refund_due) > 0,
            col(Booking.refunded_at).is_(None),
        )
        .order_by(col(Booking.updated_at), col(Booking.id))
    ).all()
    return [
        RefundDue(b.id or 0, b.number, name, booker, b.refund_due, b.updated_at, pid)
        for b, name, pid, booker in rows
    ]


def mark_refunded(
    session: Session, actor: User | None, booking_id: int, now: datetime | None = None
) -> Booking:
    """A manager of the facility's property says the refund went back; once (audited)."""
    now = now or utcnow()
    user = require_approved(session, actor)
    booking = session.get(Booking, booking_id) if isinstance(booking_id, int) else None
    facility = session.get(Facility, booking.facility_id) if booking else None
    if booking is None or facility is None:
        raise NotFound("booking")
    if facility.property_id not in managed_property_ids(session, user):
        raise NotFound("booking")
    before = audit.snapshot(booking, ("status", "refund_due", "refunded_at"))
    update_or_refuse(
        session,
        update(Booking)
        .where(
            Booking.id == booking.id,  # type: ignore[arg-type]
            Booking.status == BookingStatus.CANCELLED,  # type: ignore[arg-type]
            col(Booking.refund_due) > 0,
            col(Booking.refunded_at).is_(None),
        )
        .values(refunded_at=now, updated_at=now),
        "No refund is due on this booking (or it was already marked refunded).",
    )
    session.refresh(booking)
    # The money went out: the payment that brought it in counts only what was kept.
    if booking.payment_id is not None:
        booking_fees.record_booking_refund(session, booking.payment_id, booking.refund_due)
    audit.record(
        session,
        user.id,
        object_type="booking",
        object_id=booking.id or 0,
        action="refund",
        property_id=facility.property_id,
        reason=f"Refunded {booking.refund_due:,} for {booking.number}",
        before=before,
        after=audit.snapshot(booking, ("status", "refund_due", "refunded_at")),
    )
    session.commit()
    return booking
