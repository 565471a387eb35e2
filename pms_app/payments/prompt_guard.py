"""No new STK push to a phone that has a prompt open.

M-Pesa answers "Unable to lock subscriber, a transaction is already in process" (sync error
500.001.1001, or ResultCode 1001 in a callback or query) while another prompt is open on the
phone; pushing again within seconds meets the same lock, or rings a second prompt once the
first clears. Both are stored as a failed payment with ResultCode 1001, so the guard reads the
payments table: for PROMPT_OPEN_WAIT_S after such an answer — for that phone, or that lease or
booking — a new push is refused with the payer's message. The window is measured on the
clock (`core.clock`), so tests move it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from pms_app.core.errors import ServiceError
from pms_app.core.timestamps import utcnow
from pms_app.integrations.daraja_wire import PROMPT_OPEN, PROMPT_OPEN_CODE
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus

PROMPT_OPEN_WAIT_S = 60  # "try again in a minute"
# A lock answer comes within seconds of the push (a callback within a few minutes): looking
# only at payments created this recently keeps the check on the created_at index.
_LOOK_BACK = timedelta(minutes=15)


def refuse_if_prompt_open(
    session: Session, msisdn: str, lease_id: int | None = None, booking_id: int | None = None
) -> None:
    """ServiceError(PROMPT_OPEN) if M-Pesa said a prompt was open on this phone (or for this
    lease or booking) less than PROMPT_OPEN_WAIT_S ago, or a prompt went to this phone that
    recently and is still unanswered."""
    now = utcnow()
    whose = [Payment.phone == msisdn]
    if lease_id is not None:
        whose.append(Payment.lease_id == lease_id)
    if booking_id is not None:
        whose.append(Payment.booking_id == booking_id)
    wait = timedelta(seconds=PROMPT_OPEN_WAIT_S)
    locked = session.exec(
        select(Payment.id).where(
            Payment.created_at > now - _LOOK_BACK,
            Payment.method == PaymentMethod.STK,
            or_(
                and_(
                    Payment.status == PaymentStatus.FAILED,
                    Payment.result_code == PROMPT_OPEN_CODE,
                    Payment.updated_at > now - wait,
                    or_(*whose),
                ),
                # A prompt just sent to this phone for another lease or booking (the caller
                # has already refused its own with "a prompt was just sent").
                and_(
                    Payment.status == PaymentStatus.PENDING,
                    Payment.created_at > now - wait,
                    Payment.phone == msisdn,
                ),
            ),
        )
    ).first()
    if locked is not None:
        raise ServiceError(PROMPT_OPEN)
