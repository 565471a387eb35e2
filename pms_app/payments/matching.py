"""Matching M-Pesa money to what we expect: phone numbers as far as M-Pesa shows them, and the
paybill copy ("echo") of an STK payment, so one payment is credited once whichever message
comes first (docs/architecture.md, "The STK echo")."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from pms_app.core.i18n import N_
from pms_app.core.timestamps import utcnow
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.properties.account_numbers import compact_ref

if TYPE_CHECKING:
    from pms_app.integrations.daraja_wire import C2BPayment

# The echo comes seconds after the payer's PIN, and a prompt lives about a minute; the push
# itself may wait for a retry. Older STK payments are never taken for an echo.
ECHO_WINDOW = timedelta(minutes=10)
# Stored on an STK payment whose money was already recorded from its paybill echo.
ECHO_RECORDED = N_(
    "Paid: this M-Pesa payment was recorded from its paybill confirmation and counted once."
)
_MASKS = "*xX•#."
COUNTED = "counted"  # how pages show such a payment: not "failed", the money is in (once)


def shown_status(status: str, result_desc: str) -> str:
    """The status a page shows: an STK payment closed because its paybill echo was recorded
    first is `counted` (as a paybill payment), never an alarming `failed`."""
    return COUNTED if status == PaymentStatus.FAILED and result_desc == ECHO_RECORDED else status


def phone_pattern(raw: str | None) -> str | None:
    """A number as far as it is visible, one character per digit, `*` for a hidden one:
    `2547 ***** 126` → `2547*****126`, `0712…` → `254712…`. None when nothing is visible: empty,
    all stars, or a hash (v1 sends SHA-256 hex)."""
    text = re.sub(r"[\s\-()]", "", str(raw or "")).removeprefix("+")
    if not text or len(text) > 15 or any(c not in _MASKS and not c.isdigit() for c in text):
        return None  # a phone number has at most 15 digits: longer is a hash
    text = re.sub(f"[{re.escape(_MASKS)}]", "*", text)
    if not any(c.isdigit() for c in text):
        return None
    if re.fullmatch(r"0[17][\d*]{8}", text):
        text = "254" + text[1:]
    elif re.fullmatch(r"[17][\d*]{8}", text):
        text = "254" + text
    return text


def _ends(pattern: str) -> tuple[str, str]:
    """The visible digits before the first hidden one and after the last (a number with none
    hidden: all of it, both ways)."""
    if "*" not in pattern:
        return pattern, pattern
    return pattern[: pattern.index("*")], pattern[pattern.rindex("*") + 1 :]


def compare_phones(a: str | None, b: str | None) -> tuple[bool | None, int]:
    """(agree, telling digits): agree is None when no visible digit can be compared (a number is
    hidden or hashed: unknown, not a mismatch), False when a visible digit differs. Telling
    digits are the compared ones after the common `2547`/`2541` start."""
    p, q = phone_pattern(a), phone_pattern(b)
    if p is None or q is None:
        return None, 0
    if len(p) == len(q):  # the usual case: one star per hidden digit
        both = [(i, x, y) for i, (x, y) in enumerate(zip(p, q, strict=True)) if "*" not in (x, y)]
        if not both:
            return None, 0
        return all(x == y for _, x, y in both), sum(1 for i, _, _ in both if i >= 4)
    if "*" not in p and "*" not in q:
        return False, 0  # two whole numbers of different lengths
    (ph, pt), (qh, qt) = _ends(p), _ends(q)
    head, tail = min(len(ph), len(qh)), min(len(pt), len(qt))
    if head == 0 and tail == 0:
        return None, 0
    agree = ph[:head] == qh[:head] and (tail == 0 or pt[-tail:] == qt[-tail:])
    return agree, max(0, head - 4) + tail


def phones_agree(a: str | None, b: str | None) -> bool | None:
    """True/False when visible digits can be compared, None when either number is hidden."""
    return compare_phones(a, b)[0]


@lru_cache(maxsize=1)
def _echo_candidates() -> Any:
    recent = col(Payment.created_at) >= bindparam("since")
    open_or_receiptless = or_(
        col(Payment.status).in_((PaymentStatus.PENDING, PaymentStatus.FAILED)),
        and_(Payment.status == PaymentStatus.PAID, col(Payment.mpesa_receipt).is_(None)),
    )
    return (
        select(Payment)
        .where(
            Payment.method == PaymentMethod.STK,
            Payment.amount == bindparam("amount"),
            # An unconfirmed payment (the reconciler gave up on it) at any age: its money shows up
            # later, as a statement line imported through this path, or a manager's mark-paid race.
            or_(and_(recent, open_or_receiptless), Payment.status == PaymentStatus.UNCONFIRMED),
        )
        # A prompt still open before one that failed; then the newest (the one answered).
        .order_by(
            (Payment.status == PaymentStatus.PENDING).desc(),
            col(Payment.created_at).desc(),
            col(Payment.id).desc(),
        )
    )


def echo_twin(session: Session, c2b: C2BPayment) -> Payment | None:
    """The STK payment this paybill confirmation is the echo of, if one fits: pushed in the last
    minutes (or unconfirmed, at any age) for this amount and account number (the AccountReference it was sent with), not yet
    holding a receipt, from a phone the visible digits don't contradict. The newest first (the
    prompt the payer answered). Taking an unrelated paybill payment for the echo still credits
    its money once, only on the STK row."""
    account = compact_ref(c2b.bill_ref)
    rows = session.exec(
        _echo_candidates(), params={"amount": c2b.amount, "since": utcnow() - ECHO_WINDOW}
    ).all()
    for p in rows:
        if compact_ref(p.account_ref[:12]) == account and phones_agree(c2b.msisdn, p.phone) in (
            True,
            None,
        ):
            return p
    return None


_PAYMENTS = Payment.__table__  # type: ignore[attr-defined]


def attach_receipt(
    session: Session, payment: Payment, receipt: str, trans_id: str | None = None
) -> bool:
    """Give a paid payment that has no M-Pesa receipt yet (credited on the reconciler's query,
    which carries none) its receipt, once: True for the one caller that did. The caller
    commits."""
    values: dict[str, object] = {"mpesa_receipt": receipt, "updated_at": utcnow()}
    if trans_id:
        values["trans_id"] = trans_id
    result = session.execute(
        update(_PAYMENTS)
        .where(
            _PAYMENTS.c.id == payment.id,
            _PAYMENTS.c.status == PaymentStatus.PAID,
            _PAYMENTS.c.mpesa_receipt.is_(None),
        )
        .values(values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(payment, "mpesa_receipt", receipt)
    if trans_id:
        set_committed_value(payment, "trans_id", trans_id)
    return True


def echo_sibling(session: Session, taken: Payment) -> Payment | None:
    """Another prompt interchangeable with `taken` (same lease or booking, amount and account
    number, pushed in the echo window) still without money: one closed because its echo landed
    on `taken`, else one still open. `taken` then got the sibling's money; the sibling gets
    `taken`'s, so each receipt is credited once and each prompt holds one."""
    same_lease = (
        Payment.lease_id == taken.lease_id
        if taken.lease_id is not None
        else col(Payment.lease_id).is_(None)
    )
    same_booking = (
        Payment.booking_id == taken.booking_id
        if taken.booking_id is not None
        else col(Payment.booking_id).is_(None)
    )
    rows = session.exec(
        select(Payment)
        .where(
            Payment.method == PaymentMethod.STK,
            Payment.id != taken.id,
            same_lease,
            same_booking,
            Payment.amount == taken.amount,
            Payment.account_ref == taken.account_ref,
            col(Payment.created_at) >= utcnow() - ECHO_WINDOW,
            col(Payment.status).in_((PaymentStatus.PENDING, PaymentStatus.FAILED)),
            col(Payment.mpesa_receipt).is_(None),
        )
        .order_by(col(Payment.created_at))
    ).all()
    closed = [p for p in rows if p.result_desc == ECHO_RECORDED]
    still_open = [p for p in rows if p.status == PaymentStatus.PENDING]
    return (closed or still_open or [None])[0]
