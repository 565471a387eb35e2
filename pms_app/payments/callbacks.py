"""STK result callbacks: idempotent, order-tolerant (kept if they overtake the push's own
answer; the paybill echo of the same money may come first) and cross-checked against the
payment before crediting (phones as far as they are visible)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pms_app.core.sequences import insert_ignore
from pms_app.core.timestamps import utcnow
from pms_app.integrations.daraja_wire import StkCallback, result_message
from pms_app.payments.crediting import credit_payment
from pms_app.payments.matching import ECHO_RECORDED, attach_receipt, echo_sibling, phones_agree
from pms_app.payments.models import EarlyStkCallback, Payment, PaymentMethod, PaymentStatus
from pms_app.payments.shared import notify_payment, set_status


# Queries on the callback path, built once and run with parameters.
@lru_cache(maxsize=1)
def _by_checkout_id() -> Any:
    return select(Payment).where(Payment.checkout_request_id == bindparam("checkout_id"))


@lru_cache(maxsize=1)
def _receipt_elsewhere() -> Any:
    return select(Payment.id, Payment.trans_id).where(
        Payment.mpesa_receipt == bindparam("receipt"), Payment.id != bindparam("payment_id")
    )


def _find_by_checkout_id(session: Session, checkout_request_id: str) -> Payment | None:
    return session.exec(_by_checkout_id(), params={"checkout_id": checkout_request_id}).first()


def process_stk_callback(session: Session, cb: StkCallback) -> str:
    """Apply one STK callback. Safe to call any number of times, in any order."""
    payment = _find_by_checkout_id(session, cb.checkout_request_id)
    if payment is None:
        return _park_early_callback(session, cb)
    return _apply_stk_callback(session, payment, cb)


def _park_early_callback(session: Session, cb: StkCallback) -> str:
    """No payment has this CheckoutRequestID (yet): M-Pesa may have answered before the push's
    own response was stored. Keep the callback; `apply_early_callback` runs it once the id is
    stored. Whichever of the two commits last sees the other's row, so it is never left behind
    (and applying twice is harmless: crediting is conditional)."""
    insert_ignore(
        session,
        EarlyStkCallback,
        {
            "checkout_request_id": cb.checkout_request_id[:80],
            "payload": json.dumps(dataclasses.asdict(cb)),
            "received_at": utcnow(),
        },
    )
    session.commit()
    return apply_early_callback(session, cb.checkout_request_id) or "early"


def apply_early_callback(session: Session, checkout_request_id: str) -> str | None:
    """Apply the callback kept for this CheckoutRequestID, once, if its payment is known now.
    Returns the outcome, or None if there is nothing (yet) to apply."""

    # The kept row first: one primary-key read after every push, which almost never finds one.
    early = session.get(EarlyStkCallback, checkout_request_id)
    payment = _find_by_checkout_id(session, checkout_request_id) if early else None
    if payment is None or early is None:
        return None
    table = EarlyStkCallback.__table__  # type: ignore[attr-defined]
    taken = session.execute(delete(table).where(table.c.checkout_request_id == checkout_request_id))
    if taken.rowcount != 1:  # another worker is applying it
        session.rollback()
        return None
    cb = StkCallback(**json.loads(early.payload))
    return _apply_stk_callback(session, payment, cb)  # commits the deletion with the outcome


def drop_stale_early_callbacks(session: Session, older_than: timedelta = timedelta(days=1)) -> int:
    """Callbacks whose CheckoutRequestID never became known (forged, or for another system)."""
    table = EarlyStkCallback.__table__  # type: ignore[attr-defined]
    result = session.execute(delete(table).where(table.c.received_at < utcnow() - older_than))
    session.commit()
    return int(result.rowcount or 0)


def _apply_stk_callback(
    session: Session, payment: Payment, cb: StkCallback, retried: bool = False
) -> str:

    if cb.result_code != "0":
        moved = set_status(
            session,
            payment,
            (PaymentStatus.PENDING, PaymentStatus.UNCONFIRMED),  # never downgrades a success
            status=PaymentStatus.FAILED,
            result_code=cb.result_code[:20],
            result_desc=result_message(cb.result_code)[:300],
        )
        if moved:
            notify_payment(session, payment)
        session.commit()
        return "failed" if moved else "ignored"
    holder = None
    if cb.receipt:
        holder = session.exec(
            _receipt_elsewhere(), params={"receipt": cb.receipt, "payment_id": payment.id}
        ).first()
        if holder is not None and holder.trans_id == cb.receipt:
            return _echo_came_first(session, payment)
    problems = []
    if cb.amount is not None and cb.amount != payment.amount:
        problems.append(f"amount {cb.amount} ≠ {payment.amount}")
    if phones_agree(cb.phone, payment.phone) is False:  # masked or hidden digits never differ
        problems.append(f"phone {cb.phone} ≠ {payment.phone}")
    if holder is not None:
        problems.append(f"receipt {cb.receipt} already used by payment {holder.id}")
    if problems:
        # Keep the receipt (unless another payment has it): the reviewer checks it against the
        # M-Pesa statement, and the same receipt arriving for another payment is caught.
        extra: dict[str, object] = (
            {"mpesa_receipt": cb.receipt} if cb.receipt and holder is None else {}
        )
        if cb.amount is not None and cb.amount != payment.amount:
            extra["received_amount"] = cb.amount  # accepting credits what was actually paid
        try:
            moved = set_status(
                session,
                payment,
                (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.UNCONFIRMED),
                status=PaymentStatus.REVIEW,
                result_code="0",
                result_desc=("Check before crediting: " + "; ".join(problems))[:300],
                **extra,
            )
            if moved:
                notify_payment(session, payment)
            session.commit()
        except IntegrityError:  # the receipt arrived for another payment at the same moment
            session.rollback()
            return _again(session, payment, cb) if not retried else "ignored"
        return "review" if moved else "ignored"
    # Success also repairs a payment the reconciler had given up on (money did move).
    try:
        moved = credit_payment(
            session,
            payment,
            receipt=cb.receipt,
            from_=(PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.UNCONFIRMED),
            result_code="0",
            result_desc="Paid",
        )
        outcome = "paid" if moved else _already_moved(session, payment, cb)
        session.commit()
    except IntegrityError:  # the receipt was stored meanwhile (its paybill echo, a repeat)
        session.rollback()
        return _again(session, payment, cb) if not retried else "ignored"
    return outcome


def _again(session: Session, payment: Payment, cb: StkCallback) -> str:
    """Once more after losing a race on the receipt: the winner's row is visible now."""
    fresh = session.get(Payment, payment.id)
    return _apply_stk_callback(session, fresh, cb, retried=True) if fresh else "ignored"


def _echo_came_first(session: Session, payment: Payment) -> str:
    """The paybill echo of this very payment was recorded first, as a payment of its own (no
    waiting STK payment fitted then): the money is in, once. This payment is closed so that
    neither the reconciler nor a manager credits it again."""
    if payment.result_desc == ECHO_RECORDED:  # a repeat of this callback
        return "ignored"
    moved = set_status(
        session,
        payment,
        (PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.UNCONFIRMED),
        status=PaymentStatus.FAILED,
        result_code="0",
        result_desc=ECHO_RECORDED,
    )
    if moved:
        notify_payment(session, payment)
    session.commit()
    return "duplicate" if moved else "ignored"


def _already_moved(session: Session, payment: Payment, cb: StkCallback) -> str:
    """A success for a payment that is no longer open: a repeat, its echo or the reconciler
    was first. The late callback adds the receipt a query could not give; a different receipt
    on a payment its echo was taken for is a second payment, kept for a manager."""
    session.refresh(payment)
    if payment.status != PaymentStatus.PAID or not cb.receipt:
        return "ignored"
    if payment.mpesa_receipt is None:
        attach_receipt(session, payment, cb.receipt)
        return "ignored"
    if payment.mpesa_receipt != cb.receipt and payment.trans_id == payment.mpesa_receipt:
        # The echo of a sibling prompt (same lease, same amount) was taken for this one: the
        # sibling's slot is free, so this money goes there; no sibling: a manager decides.
        sibling = echo_sibling(session, payment)
        if sibling is not None and credit_payment(
            session,
            sibling,
            receipt=cb.receipt,
            from_=(PaymentStatus.PENDING, PaymentStatus.FAILED, PaymentStatus.UNCONFIRMED),
            result_code="0",
            result_desc="Paid",
        ):
            return "paid"
        second = Payment(
            lease_id=payment.lease_id,
            booking_id=payment.booking_id,
            property_id=payment.property_id,
            method=PaymentMethod.STK,
            status=PaymentStatus.REVIEW,
            amount=cb.amount or payment.amount,
            phone=(cb.phone or payment.phone)[:20],
            account_ref=payment.account_ref,
            mpesa_receipt=cb.receipt,
            result_code="0",
            result_desc=(
                f"Check before crediting: its prompt was paid by paybill {payment.trans_id} "
                f"first; receipt {cb.receipt} is a second payment"
            )[:300],
            initiated_by_id=payment.initiated_by_id,
        )
        session.add(second)
        session.flush()
        notify_payment(session, second)
        return "review"
    return "ignored"
