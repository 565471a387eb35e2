"""M-Pesa STK push: starting a rent payment (the pending row first), the push task, giving up
on an unsent push, and reconciliation by status query when a callback was lost."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pms_app.accounts import throttle
from pms_app.accounts.models import User
from pms_app.core import formats, jobs
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.core.i18n import N_
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_amount, clean_phone
from pms_app.integrations.daraja import DarajaError
from pms_app.integrations.daraja_setup import explain
from pms_app.integrations.daraja_wire import (
    PROMPT_OPEN,
    PROMPT_OPEN_CODE,
    SETUP_PROBLEM,
    result_message,
)
from pms_app.leases.service import tenant_lease
from pms_app.payments.callbacks import apply_early_callback, drop_stale_early_callbacks
from pms_app.payments.crediting import credit_payment
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.prompt_guard import refuse_if_prompt_open
from pms_app.payments.shared import notify_payment, require_mpesa, set_status
from pms_app.properties.access import require_approved

if TYPE_CHECKING:
    from pms_app.integrations.daraja import DarajaClient

log = logging.getLogger(__name__)

STK_MIN, STK_MAX = 1, 250_000
# Shown instead of the Pay buttons, and the refusal, when the install has no M-Pesa at all.
UNCONFIRMED_TEXT = N_("Unconfirmed: M-Pesa never answered. Check your M-Pesa statement.")
MPESA_OFF = N_(
    "M-Pesa payments are not set up on this install. Pay your landlord by cash or bank and ask "
    "for a receipt."
)


def callback_url(kind: str) -> str:
    s = get_settings()
    # Daraja refuses callback URLs containing words like "mpesa": keep the path neutral.
    return f"{s.callback_base_url}/api/pay/{s.callback_token}/{kind}"


def start_stk_payment(
    session: Session, actor: User | None, amount: str | int, phone: str
) -> Payment:
    """The tenant asks for an STK prompt. The pending row exists before anything is sent."""

    user = require_approved(session, actor)
    lease = tenant_lease(session, user)
    if lease is None:
        raise ServiceError("You have no active lease to pay for. Ask your landlord.")
    require_mpesa(MPESA_OFF)
    value = clean_amount(amount, "amount", "the amount", required=True) or 0
    if not STK_MIN <= value <= STK_MAX:
        raise ValidationError(
            "M-Pesa payments must be between {least} and {most}.",
            "amount",
            least=formats.money(STK_MIN),
            most=formats.money(STK_MAX),
        )
    msisdn = clean_phone(phone)
    just_sent = "A payment prompt was just sent to your phone. Answer it, or wait a minute."
    # Each push rings a phone. The rate-limit row is written first: it makes the tenant's
    # concurrent requests (two tabs, a double click) wait for each other, so the check below
    # sees a prompt started a moment ago instead of both pushing.
    throttle.hit(session, f"stk:{user.id}", limit=5, window_s=600)
    try:
        session.flush()
    except IntegrityError:  # a concurrent first request created the row
        session.rollback()
        raise ServiceError(just_sent) from None
    recent = session.exec(
        select(Payment.id).where(
            Payment.lease_id == lease.id,
            Payment.method == PaymentMethod.STK,
            Payment.status == PaymentStatus.PENDING,
            Payment.created_at > utcnow() - timedelta(seconds=60),
        )
    ).first()
    if recent is not None:
        raise ServiceError(just_sent)
    refuse_if_prompt_open(session, msisdn, lease_id=lease.id)
    payment = Payment(
        lease_id=lease.id,
        property_id=lease.property_id,
        method=PaymentMethod.STK,
        status=PaymentStatus.PENDING,
        amount=value,
        phone=msisdn,
        account_ref=lease.account_ref,
        initiated_by_id=user.id,
    )
    session.add(payment)
    session.flush()
    jobs.enqueue_after_commit(session, "pms.send_stk_push", payment.id or 0)
    notify_payment(session, payment)
    session.commit()
    return payment


def send_stk_push(session: Session, payment_id: int, client: DarajaClient) -> str:
    """Task body: send the push for a pending payment once. Returns what happened."""

    payment = session.get(Payment, payment_id)
    if payment is None or payment.status != PaymentStatus.PENDING or payment.checkout_request_id:
        return "skipped"
    try:
        accepted = client.stk_push(
            payment.phone, payment.amount, payment.account_ref[:12], "Rent", callback_url("stk")
        )
    except DarajaError as exc:
        if exc.retryable and exc.kind == "other":  # a lock or a setup error: never re-pushed
            raise
        return _refused(session, payment, exc)
    session.exec(  # type: ignore[call-overload]
        update(Payment)
        .where(Payment.id == payment.id, col(Payment.checkout_request_id).is_(None))  # type: ignore[arg-type]
        .values(
            checkout_request_id=accepted.checkout_request_id,
            merchant_request_id=accepted.merchant_request_id,
            updated_at=utcnow(),
        )
    )
    notify_payment(session, payment)
    session.commit()
    apply_early_callback(session, accepted.checkout_request_id)  # M-Pesa was quicker than us
    return "sent"


def _refused(session: Session, payment: Payment, exc: DarajaError) -> str:
    """M-Pesa refused the push for good. Another prompt open on the phone: the payer's message
    and ResultCode 1001 (the guard then holds new pushes off for a minute). The install's setup
    at fault: the payer reads that it is not his phone, the managers see the setup problem
    (payments.setup_problems), the log says what to fix. Else M-Pesa's own words."""
    kind = exc.kind
    if kind == "prompt_open":
        code, desc, outcome = PROMPT_OPEN_CODE, PROMPT_OPEN, "prompt open"
    elif kind == "config":
        code, desc, outcome = exc.code, SETUP_PROBLEM, "setup problem"
        problem = explain(exc.code, exc.message, get_settings())
        log.error("M-Pesa setup problem (payment %s): %s", payment.id, problem.text())
    else:
        code, desc, outcome = exc.code, f"M-Pesa refused the request: {exc.message}", "refused"
    set_status(
        session,
        payment,
        (PaymentStatus.PENDING,),
        status=PaymentStatus.FAILED,
        result_code=code[:20],
        result_desc=desc[:300],
    )
    notify_payment(session, payment)
    session.commit()
    return outcome


def fail_unsent(session: Session, payment_id: int, message: str) -> None:
    """Give up on a push that could not be sent (retries exhausted)."""
    payment = session.get(Payment, payment_id)
    if (
        payment
        and payment.checkout_request_id is None
        and set_status(
            session,
            payment,
            (PaymentStatus.PENDING,),
            status=PaymentStatus.FAILED,
            result_desc=message[:300],
        )
    ):
        notify_payment(session, payment)
    session.commit()


def reconcile_pending(
    session: Session,
    client: DarajaClient,
    older_than_s: int = 60,
    give_up_after_s: int = 600,
    unconfirmed_after_s: int | None = None,
) -> dict[str, int]:
    """Lost callbacks: ask M-Pesa about payments pending too long (unless the callback did come,
    early, and is waiting to be applied). A payment M-Pesa still has no answer for after
    `unconfirmed_after_s` (MPESA_UNCONFIRMED_AFTER: queries for a lost or expired id answer 4999
    or "does not exist" forever) is no longer asked about: it becomes unconfirmed for a manager."""

    drop_stale_early_callbacks(session)
    now = utcnow()
    limit = (
        get_settings().unconfirmed_after_s if unconfirmed_after_s is None else unconfirmed_after_s
    )
    stats = {"paid": 0, "failed": 0, "pending": 0, "unconfirmed": 0}
    rows = session.exec(
        select(Payment).where(
            Payment.status == PaymentStatus.PENDING,
            Payment.method == PaymentMethod.STK,
            Payment.created_at < now - timedelta(seconds=older_than_s),
        )
    ).all()
    for payment in rows:
        age = (now - payment.created_at).total_seconds()
        if payment.checkout_request_id is None:
            if age > give_up_after_s:
                fail_unsent(session, payment.id or 0, "The payment request never reached M-Pesa.")
                stats["failed"] += 1
            continue
        early = apply_early_callback(session, payment.checkout_request_id)
        if early is not None:
            if early in stats:  # "paid" or "failed" ("review" waits for a manager)
                stats[early] += 1
            continue
        try:
            answer = client.stk_query(payment.checkout_request_id)
            pending = answer.pending
        except DarajaError:  # "being processed", "does not exist", M-Pesa down: no answer
            answer, pending = None, True
        if pending or answer is None:
            stats[_no_answer(session, payment, age > limit)] += 1
            continue
        if answer.result_code == "0":
            if credit_payment(session, payment):
                stats["paid"] += 1
        elif set_status(
            session,
            payment,
            (PaymentStatus.PENDING,),
            status=PaymentStatus.FAILED,
            result_code=(answer.result_code or "")[:20],
            result_desc=result_message(answer.result_code)[:300],
        ):
            notify_payment(session, payment)
            stats["failed"] += 1
        session.commit()
    return stats


def _no_answer(session: Session, payment: Payment, too_long: bool) -> str:
    """Still no answer from M-Pesa: asked again next round, or, after the bounded time, left
    for a manager to settle from the M-Pesa statement (payments.unconfirmed)."""
    if not too_long:
        return "pending"
    moved = set_status(
        session,
        payment,
        (PaymentStatus.PENDING,),
        status=PaymentStatus.UNCONFIRMED,
        result_desc=UNCONFIRMED_TEXT,
    )
    if moved:
        notify_payment(session, payment)
    session.commit()
    return "unconfirmed" if moved else "pending"
