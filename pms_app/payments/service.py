"""Payments: M-Pesa STK push (pending row first), callbacks (idempotent, order-tolerant,
cross-checked), reconciliation by query, paybill (C2B) matching, the unallocated queue, and
crediting the ledger exactly once."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from pms_app.accounts import throttle
from pms_app.accounts.models import Role, User
from pms_app.core import jobs
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.realtime import notify_after_commit
from pms_app.core.sequences import insert_ignore, next_number
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_amount, clean_phone, clean_text
from pms_app.emails.service import queue_email
from pms_app.integrations.daraja import DarajaError, StkCallback, result_message
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.leases.service import get_managed_lease, parse_date, tenant_lease, today_local
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments.models import EarlyStkCallback, Payment, PaymentMethod, PaymentStatus
from pms_app.properties.access import managed_property_ids, require_approved
from pms_app.properties.account_numbers import normalise_ref, property_for_ref
from pms_app.properties.audience import property_audience

if TYPE_CHECKING:
    from pms_app.integrations.daraja import C2BPayment, DarajaClient, StkCallback

log = logging.getLogger(__name__)

STK_MIN, STK_MAX = 1, 250_000
# Shown instead of the Pay buttons, and the refusal, when the install has no M-Pesa at all.
MPESA_OFF = (
    "M-Pesa payments are not set up on this install. Pay your landlord by cash or bank and ask "
    "for a receipt."
)
MPESA_OFF_BOOKING = (
    "M-Pesa payments are not set up on this install. Pay the manager by cash or bank; they "
    "mark the booking paid."
)


def _require_mpesa(message: str) -> None:
    """No real Daraja credentials and no simulator: nothing can be sent, so refuse clearly."""
    if not get_settings().mpesa_enabled:
        raise ServiceError(message)


def _audience(session: Session, payment: Payment, tenant_id: int | None = None) -> set[int]:
    """Who sees this payment change live: the property's managers, the tenant, the payer."""
    audience = property_audience(session, payment.property_id)
    if tenant_id is None and payment.lease_id:
        lease = session.get(Lease, payment.lease_id)
        tenant_id = lease.tenant_id if lease else None
    if tenant_id:
        audience.add(tenant_id)
    if payment.initiated_by_id:
        audience.add(payment.initiated_by_id)
    return audience


def _notify(session: Session, payment: Payment) -> None:
    notify_after_commit(session, _audience(session, payment), "payments")


_PAYMENTS = Payment.__table__  # type: ignore[attr-defined]


@lru_cache(maxsize=32)
def _transition(keys: tuple[str, ...]) -> Any:
    """UPDATE payments SET <keys> WHERE id = :id AND status IN :from RETURNING *, built once per
    set of keys and run with parameters (building it with inlined values costs more than
    running it)."""
    return (
        update(_PAYMENTS)
        .where(
            _PAYMENTS.c.id == bindparam("p_id"),
            _PAYMENTS.c.status.in_(bindparam("p_from", expanding=True)),
        )
        .values({k: bindparam(f"v_{k}") for k in keys})
        .returning(*_PAYMENTS.c)
    )


def _set_status(
    session: Session, payment: Payment, from_: tuple[str, ...], **values: object
) -> bool:
    """Conditional state change: True only for the one caller that moved it. The winner's object
    is refreshed from the row the UPDATE returns (one statement, no re-read)."""
    session.flush()  # the caller's pending changes first: the returned row replaces the object's
    values["updated_at"] = utcnow()
    params = {f"v_{k}": v for k, v in values.items()}
    stmt = _transition(tuple(sorted(values)))
    row = session.execute(stmt, {"p_id": payment.id, "p_from": list(from_), **params}).first()
    if row is None:
        return False
    for key, value in row._mapping.items():
        set_committed_value(payment, key, value)
    return True


def credit_payment(
    session: Session,
    payment: Payment,
    paid_on: date | None = None,
    receipt: str | None = None,
    from_: tuple[str, ...] = (PaymentStatus.PENDING,),
    **result: object,
) -> bool:
    """Mark paid and credit the lease's ledger (or confirm the booking), exactly once.
    `result` (result_code, result_desc; amount for a reviewed payment) is stored with the same
    change. The caller commits."""
    if payment.booking_id is not None:
        return _credit_booking_payment(session, payment, receipt, from_, **result)
    now = utcnow()
    today = now.astimezone(ZoneInfo(get_settings().timezone)).date()  # ledger dates are local
    # A back-dated cash/bank payment is dated at noon (Nairobi ≈ 09:00 UTC) of the day it was paid.
    paid_at = datetime.combine(paid_on, time(9, 0), UTC) if paid_on and paid_on != today else now
    if payment.status not in from_:
        return False  # already moved on (a repeated callback): nothing to read or write
    assert payment.lease_id is not None
    # Reads first: on SQLite the write transaction (one writer at a time) starts at the UPDATE.
    tenant = session.exec(_lease_tenant(), params={"lease_id": payment.lease_id}).first()
    audience = _audience(session, payment, tenant.id if tenant else None)
    if not _set_status(
        session, payment, from_, status=PaymentStatus.PAID, paid_at=paid_at, **result
    ):
        return False
    numbered = {"receipt_no": next_number(session, "RCP", today.year, 6)}
    if receipt and not payment.mpesa_receipt:
        numbered["mpesa_receipt"] = receipt
    _set_status(session, payment, (PaymentStatus.PAID,), **numbered)
    insert_ignore(
        session,
        LedgerEntry,
        {
            "lease_id": payment.lease_id,
            "kind": EntryKind.PAYMENT,
            "amount": -payment.amount,
            "due_date": paid_on or today,
            "description": _payment_label(payment),
            "dedupe_key": f"pay:{payment.id}",
            "payment_id": payment.id,
            "created_by_id": payment.initiated_by_id,
        },
    )
    if tenant:
        queue_email(
            session,
            tenant.email,
            f"Payment received — receipt {payment.receipt_no}",
            f"Hello {tenant.full_name},\n\nWe received KES {payment.amount:,} "
            f"({_payment_label(payment)}). Receipt number: {payment.receipt_no}.\n"
            f"Download the receipt: {get_settings().base_url}/api/receipts/{payment.id}.pdf",
            kind="payment_receipt",
            dedupe_key=f"receipt:{payment.id}",
        )
    notify_after_commit(session, audience, "payments")
    return True


@dataclasses.dataclass(frozen=True)
class BookingHooks:
    """How a booking fee is settled, registered by the bookings domain (payments knows no
    bookings): is the booking still waiting for its payment, and confirm it once paid."""

    awaiting_payment: Callable[[Session, int], bool]
    confirm_paid: Callable[[Session, int, datetime], None]


_booking_hooks: list[BookingHooks] = []


def register_booking_hooks(hooks: BookingHooks) -> None:
    _booking_hooks[:] = [hooks]


def _credit_booking_payment(
    session: Session,
    payment: Payment,
    receipt: str | None,
    from_: tuple[str, ...],
    **result: object,
) -> bool:
    """A booking fee: confirm the held booking; if the hold is gone, keep the money for review."""
    if not _booking_hooks:
        raise RuntimeError("no booking hooks registered: import pms_app.worker")
    hooks = _booking_hooks[0]
    booking_id = payment.booking_id or 0
    if not hooks.awaiting_payment(session, booking_id):
        moved = _set_status(
            session,
            payment,
            from_,
            status=PaymentStatus.REVIEW,
            mpesa_receipt=receipt or payment.mpesa_receipt,
            result_desc="Paid after the booking stopped waiting for payment: refund or rebook.",
        )
        if moved:
            _notify(session, payment)
        return moved
    now = utcnow()
    if not _set_status(session, payment, from_, status=PaymentStatus.PAID, paid_at=now, **result):
        return False
    payment.receipt_no = next_number(session, "RCP", now.year, 6)
    if receipt and not payment.mpesa_receipt:
        payment.mpesa_receipt = receipt
    session.add(payment)
    hooks.confirm_paid(session, booking_id, now)
    _notify(session, payment)
    return True


def start_booking_stk(
    session: Session,
    user: User,
    booking_id: int,
    property_id: int,
    amount: int,
    account_ref: str,
    phone: str,
) -> Payment:
    """The STK push for a booking's fee and deposit (same flow as rent); the bookings domain
    has checked the booking is the payer's and waiting for payment. The caller commits (with
    its booking pointing at the payment, in the same transaction)."""
    _require_mpesa(MPESA_OFF_BOOKING)
    msisdn = clean_phone(phone)
    just_sent = "A payment prompt was just sent to your phone. Answer it, or wait a minute."
    # As for rent: the rate-limit row first, so one booker's concurrent requests queue up and
    # the check below sees the prompt a moment-earlier request started.
    throttle.hit(session, f"stk:{user.id}", limit=5, window_s=600)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ServiceError(just_sent) from None
    recent = session.exec(
        select(Payment.id).where(
            Payment.booking_id == booking_id,
            Payment.status == PaymentStatus.PENDING,
            Payment.created_at > utcnow() - timedelta(seconds=60),
        )
    ).first()
    if recent is not None:
        session.rollback()  # the refusal leaves nothing behind (the row only serialised us)
        raise ServiceError(just_sent)
    payment = Payment(
        booking_id=booking_id,
        property_id=property_id,
        method=PaymentMethod.STK,
        status=PaymentStatus.PENDING,
        amount=amount,
        phone=msisdn,
        account_ref=account_ref,
        initiated_by_id=user.id,
    )
    session.add(payment)
    session.flush()
    jobs.enqueue_after_commit(session, "pms.send_stk_push", payment.id or 0)
    _notify(session, payment)
    return payment


def _payment_label(p: Payment) -> str:
    ref = p.mpesa_receipt or p.trans_id or p.reference
    name = {
        PaymentMethod.STK: "M-Pesa",
        PaymentMethod.C2B: "M-Pesa paybill",
        PaymentMethod.CASH: "Cash",
        PaymentMethod.BANK: "Bank",
    }.get(p.method, p.method)
    return f"{name} payment" + (f" {ref}" if ref else "")


# --- STK push ---------------------------------------------------------------------------------


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
    _require_mpesa(MPESA_OFF)
    value = clean_amount(amount, "amount", "the amount", required=True) or 0
    if not STK_MIN <= value <= STK_MAX:
        raise ValidationError(
            f"M-Pesa payments must be between KES {STK_MIN} and KES {STK_MAX:,}.", "amount"
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
    _notify(session, payment)
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
        if exc.retryable:
            raise
        _set_status(
            session,
            payment,
            (PaymentStatus.PENDING,),
            status=PaymentStatus.FAILED,
            result_code=exc.code[:20],
            result_desc=f"M-Pesa refused the request: {exc.message}"[:300],
        )
        _notify(session, payment)
        session.commit()
        return "refused"
    session.exec(  # type: ignore[call-overload]
        update(Payment)
        .where(Payment.id == payment.id, col(Payment.checkout_request_id).is_(None))  # type: ignore[arg-type]
        .values(
            checkout_request_id=accepted.checkout_request_id,
            merchant_request_id=accepted.merchant_request_id,
            updated_at=utcnow(),
        )
    )
    _notify(session, payment)
    session.commit()
    apply_early_callback(session, accepted.checkout_request_id)  # M-Pesa was quicker than us
    return "sent"


def fail_unsent(session: Session, payment_id: int, message: str) -> None:
    """Give up on a push that could not be sent (retries exhausted)."""
    payment = session.get(Payment, payment_id)
    if (
        payment
        and payment.checkout_request_id is None
        and _set_status(
            session,
            payment,
            (PaymentStatus.PENDING,),
            status=PaymentStatus.FAILED,
            result_desc=message[:300],
        )
    ):
        _notify(session, payment)
    session.commit()


# Queries on the callback path, built once and run with parameters.
@lru_cache(maxsize=1)
def _by_checkout_id() -> Any:
    return select(Payment).where(Payment.checkout_request_id == bindparam("checkout_id"))


@lru_cache(maxsize=1)
def _receipt_elsewhere() -> Any:
    return select(Payment.id).where(
        Payment.mpesa_receipt == bindparam("receipt"), Payment.id != bindparam("payment_id")
    )


@lru_cache(maxsize=1)
def _lease_tenant() -> Any:
    return (
        select(User.id, User.email, User.full_name)
        .join(Lease, col(Lease.tenant_id) == User.id)
        .where(Lease.id == bindparam("lease_id"))
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


def _apply_stk_callback(session: Session, payment: Payment, cb: StkCallback) -> str:

    if cb.result_code != "0":
        moved = _set_status(
            session,
            payment,
            (PaymentStatus.PENDING,),  # a failure never downgrades a success
            status=PaymentStatus.FAILED,
            result_code=cb.result_code[:20],
            result_desc=result_message(cb.result_code)[:300],
        )
        if moved:
            _notify(session, payment)
        session.commit()
        return "failed" if moved else "ignored"
    problems = []
    if cb.amount is not None and cb.amount != payment.amount:
        problems.append(f"amount {cb.amount} ≠ {payment.amount}")
    if cb.phone and cb.phone != payment.phone:
        problems.append(f"phone {cb.phone} ≠ {payment.phone}")
    clash = None
    if cb.receipt:
        clash = session.exec(
            _receipt_elsewhere(), params={"receipt": cb.receipt, "payment_id": payment.id}
        ).first()
        if clash is not None:
            problems.append(f"receipt {cb.receipt} already used by payment {clash}")
    if problems:
        # Keep the receipt (unless another payment has it): the reviewer checks it against the
        # M-Pesa statement, and the same receipt arriving for another payment is caught.
        extra: dict[str, object] = (
            {"mpesa_receipt": cb.receipt} if cb.receipt and clash is None else {}
        )
        if cb.amount is not None and cb.amount != payment.amount:
            extra["received_amount"] = cb.amount  # accepting credits what was actually paid
        try:
            moved = _set_status(
                session,
                payment,
                (PaymentStatus.PENDING, PaymentStatus.FAILED),
                status=PaymentStatus.REVIEW,
                result_code="0",
                result_desc=("Check before crediting: " + "; ".join(problems))[:300],
                **extra,
            )
            if moved:
                _notify(session, payment)
            session.commit()
        except IntegrityError:  # the receipt arrived for another payment at the same moment
            session.rollback()
            return "ignored"
        return "review" if moved else "ignored"
    # Success also repairs a payment the reconciler had given up on (money did move).
    try:
        moved = credit_payment(
            session,
            payment,
            receipt=cb.receipt,
            from_=(PaymentStatus.PENDING, PaymentStatus.FAILED),
            result_code="0",
            result_desc="Paid",
        )
        late_receipt = cb.receipt and not payment.mpesa_receipt
        if not moved and payment.status == PaymentStatus.PAID and late_receipt:
            # Paid via the reconciler's query first: the late callback adds the receipt.
            payment.mpesa_receipt = cb.receipt
            session.add(payment)
        session.commit()
    except IntegrityError:  # the receipt was stored by a concurrent callback; nothing more to do
        session.rollback()
        return "ignored"
    return "paid" if moved else "ignored"


def reconcile_pending(
    session: Session, client: DarajaClient, older_than_s: int = 60, give_up_after_s: int = 600
) -> dict[str, int]:
    """Lost callbacks: ask M-Pesa about payments pending too long (unless the callback did come,
    early, and is waiting to be applied)."""

    drop_stale_early_callbacks(session)
    now = utcnow()
    stats = {"paid": 0, "failed": 0, "pending": 0}
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
        except DarajaError:
            stats["pending"] += 1
            continue
        if answer.pending:
            stats["pending"] += 1
            continue
        if answer.result_code == "0":
            if credit_payment(session, payment):
                stats["paid"] += 1
        elif _set_status(
            session,
            payment,
            (PaymentStatus.PENDING,),
            status=PaymentStatus.FAILED,
            result_code=(answer.result_code or "")[:20],
            result_desc=result_message(answer.result_code)[:300],
        ):
            _notify(session, payment)
            stats["failed"] += 1
        session.commit()
    return stats


# --- paybill (C2B) ------------------------------------------------------------------------------


def process_c2b_confirmation(session: Session, c2b: C2BPayment) -> Payment:
    """Credit a paybill payment by its account number, or queue it; deduplicated on TransID."""
    existing = session.exec(select(Payment).where(Payment.trans_id == c2b.trans_id)).first()
    if existing:
        return existing
    ref = normalise_ref(c2b.bill_ref)
    lease = session.exec(
        select(Lease).where(Lease.account_ref == ref, Lease.status == LeaseStatus.ACTIVE)
    ).first()
    guessed_property = lease.property_id if lease else property_for_ref(session, ref)
    payment = Payment(
        lease_id=lease.id if lease else None,
        property_id=guessed_property,
        method=PaymentMethod.C2B,
        status=PaymentStatus.PENDING if lease else PaymentStatus.UNALLOCATED,
        amount=c2b.amount,
        phone=c2b.msisdn[:20],
        account_ref=c2b.bill_ref[:40],
        trans_id=c2b.trans_id,
        mpesa_receipt=c2b.trans_id,
        payer_name=f"{c2b.first_name} {c2b.last_name}".strip()[:120],
    )
    session.add(payment)
    try:
        session.flush()
    except IntegrityError:  # the same TransID arrived concurrently
        session.rollback()
        return session.exec(select(Payment).where(Payment.trans_id == c2b.trans_id)).one()
    if lease:
        credit_payment(session, payment)
    else:
        _notify(session, payment)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return session.exec(select(Payment).where(Payment.trans_id == c2b.trans_id)).one()
    return payment


def visible_unallocated(session: Session, actor: User | None) -> list[Payment]:
    """Paybill money no lease matched: the managers of the property its account prefix names
    see it; money whose prefix names no property is for admins only."""
    user = require_approved(session, actor)
    if user.role not in (Role.ADMIN, Role.LANDLORD, Role.MANAGER):
        raise NotFound("page")
    query = select(Payment).where(Payment.status == PaymentStatus.UNALLOCATED)
    if user.role != Role.ADMIN:
        query = query.where(col(Payment.property_id).in_(managed_property_ids(session, user)))
    return list(session.exec(query.order_by(col(Payment.created_at))).all())


def assign_unallocated(
    session: Session, actor: User | None, payment_id: int, lease_id: int
) -> Payment:
    """Credit queued paybill money to a lease: a property's managers only to that property's
    leases (the account prefix decided whose money it is); admins to any lease."""

    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None or payment.id not in {p.id for p in visible_unallocated(session, user)}:
        raise NotFound("payment")
    lease = get_managed_lease(session, user, lease_id)
    if user.role != Role.ADMIN and lease.property_id != payment.property_id:
        raise NotFound("lease")
    payment.lease_id, payment.property_id = lease.id, lease.property_id
    session.add(payment)
    if not credit_payment(session, payment, from_=(PaymentStatus.UNALLOCATED,)):
        session.rollback()
        raise ServiceError("This payment was already assigned by someone else.")
    session.commit()
    return payment


def visible_reviews(session: Session, actor: User | None) -> list[Payment]:
    """Payments M-Pesa confirmed that did not match what was asked (amount, phone, receipt),
    for the properties this manager runs, oldest first."""
    user = require_approved(session, actor)
    if user.role not in (Role.ADMIN, Role.LANDLORD, Role.MANAGER):
        raise NotFound("page")
    query = select(Payment).where(Payment.status == PaymentStatus.REVIEW)
    if user.role != Role.ADMIN:
        query = query.where(col(Payment.property_id).in_(managed_property_ids(session, user)))
    return list(session.exec(query.order_by(col(Payment.created_at))).all())


def resolve_review(session: Session, actor: User | None, payment_id: int, accept: bool) -> Payment:
    """A manager credits (or rejects) a payment flagged for review. Accepting credits what M-Pesa
    reported paid (`received_amount`), which then becomes the payment's amount."""
    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None or payment.property_id not in managed_property_ids(session, user):
        raise NotFound("payment")
    if accept:
        paid = {} if payment.received_amount is None else {"amount": payment.received_amount}
        if not credit_payment(session, payment, from_=(PaymentStatus.REVIEW,), **paid):
            raise ServiceError("This payment is no longer waiting for review.")
    elif not _set_status(session, payment, (PaymentStatus.REVIEW,), status=PaymentStatus.FAILED):
        raise ServiceError("This payment is no longer waiting for review.")
    else:
        _notify(session, payment)
    session.commit()
    return payment


def get_visible_payment(session: Session, actor: User | None, payment_id: int) -> Payment:
    """The payer's tenant, or a manager of the payment's property."""
    user = require_approved(session, actor)
    payment = session.get(Payment, payment_id) if isinstance(payment_id, int) else None
    if payment is None:
        raise NotFound("payment")
    lease = session.get(Lease, payment.lease_id) if payment.lease_id else None
    if lease and lease.tenant_id == user.id:
        return payment
    if payment.booking_id is not None and payment.initiated_by_id == user.id:
        return payment
    if payment.property_id is not None and payment.property_id in managed_property_ids(
        session, user
    ):
        return payment
    raise NotFound("payment")


def record_manual_payment(
    session: Session,
    actor: User | None,
    lease_id: int,
    amount: str | int,
    method: str,
    paid_on: str | date,
    reference: str = "",
) -> Payment:
    """Cash or bank payment recorded by a manager, back-dated if needed."""
    user = require_approved(session, actor)
    lease = get_managed_lease(session, user, lease_id)
    value = clean_amount(amount, "amount", "the amount", required=True) or 0
    if value < 1:
        raise ValidationError("The amount must be at least 1 shilling.", "amount")
    if method not in (PaymentMethod.CASH, PaymentMethod.BANK):
        raise ValidationError("Choose cash or bank.", "method")
    day = parse_date(paid_on, "paid_on", "the payment date")
    assert day is not None
    if day > today_local():
        raise ValidationError("The payment date can't be in the future.", "paid_on")
    ref = clean_text(reference, "reference", "the reference", 100, required=False)
    payment = Payment(
        lease_id=lease.id,
        property_id=lease.property_id,
        method=method,
        status=PaymentStatus.PENDING,
        amount=value,
        reference=ref,
        initiated_by_id=user.id,
    )
    session.add(payment)
    session.flush()
    credit_payment(session, payment, paid_on=day)
    session.commit()
    return payment
