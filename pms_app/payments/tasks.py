"""M-Pesa and reminder tasks: thin wrappers over the payments services."""

from __future__ import annotations

from pms_app.core import clock, jobs
from pms_app.core.db import session_scope
from pms_app.core.settings import get_settings
from pms_app.integrations import daraja
from pms_app.payments import reminders, stk

SEND_STK_PUSH = "pms.send_stk_push"


# Not acks_late: Daraja has no idempotency, so a redelivered push would ring the phone twice.
# A push lost to a crash is caught by the reconciler (never sent → failed after a while).
@jobs.task(SEND_STK_PUSH, acks_late=False)
def send_stk_push(payment_id: int, attempt: int = 0) -> str:
    with session_scope() as session:
        if not get_settings().mpesa_enabled:  # switched off since the payment was started
            stk.fail_unsent(session, payment_id, stk.MPESA_OFF)
            return "off"
        try:
            return stk.send_stk_push(session, payment_id, daraja.client_from_settings())
        except daraja.DarajaError as exc:
            if attempt < 3:
                jobs.enqueue_later(SEND_STK_PUSH, 2**attempt, payment_id, attempt + 1)
                return "retrying"
            stk.fail_unsent(
                session, payment_id, f"M-Pesa is not answering ({exc.message}). Try again later."
            )
            return "gave up"


@jobs.periodic("reconcile-mpesa", 60.0)
@jobs.task("pms.reconcile_payments")
def reconcile_payments() -> dict[str, int]:
    if not get_settings().mpesa_enabled:
        return {"paid": 0, "failed": 0, "pending": 0, "unconfirmed": 0}  # no M-Pesa to ask
    with session_scope() as session:
        return stk.reconcile_pending(
            session, daraja.client_from_settings(), older_than_s=get_settings().reconcile_after_s
        )


@jobs.periodic("rent-reminders", 3600.0)
@jobs.task("pms.automatic_reminders")
def automatic_reminders() -> int:
    with session_scope() as session:
        return reminders.automatic_reminders(session, clock.today_local())
