"""Payments: recorded background tasks, STK payments and Daraja callback bodies, paybill (C2B)
payments, the ledger's exactness check, and PayWorld (the World plus money)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from pms_app.integrations.daraja_wire import nairobi_timestamp
from pms_app.leases.models import Lease
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from tests.factories.accounts import _seq
from tests.factories.clock import day
from tests.factories.properties import World, membership_of, world


@dataclass
class TaskLog:
    """Background tasks the code under test enqueued (recorded, not run)."""

    calls: list[tuple[str, tuple[object, ...]]]
    later: list[tuple[str, float, tuple[object, ...]]]

    def named(self, short: str) -> list[tuple[object, ...]]:
        """Arguments of every enqueue of `pms.<short>` (e.g. "send_stk_push"), in order."""
        return [args for name, args in self.calls if name == f"pms.{short}"]


def capture_tasks(
    monkeypatch: pytest.MonkeyPatch,
    on_enqueue: Callable[[str, tuple[object, ...]], None] | None = None,
) -> TaskLog:
    """Replace pms_app.core.jobs.enqueue/enqueue_later with recorders: nothing runs in the
    background (no STK push, no email), and a test can run a task body itself.
    `on_enqueue(task_name, args)` is called at the moment of enqueueing."""
    from pms_app.core import jobs

    log = TaskLog([], [])
    lock = threading.Lock()

    def enqueue(name: str, *args: object) -> None:
        if on_enqueue is not None:
            on_enqueue(name, args)
        with lock:
            log.calls.append((name, args))

    def enqueue_later(name: str, delay_s: float, *args: object) -> None:
        with lock:
            log.later.append((name, delay_s, args))

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    monkeypatch.setattr(jobs, "enqueue_later", enqueue_later)
    return log


def _receipt() -> str:
    return f"SK{next(_seq):08d}"


def checkout_id() -> str:
    return f"ws_CO_{next(_seq):024d}"


def stk_payment(
    session: Session,
    lease_row: Lease,
    amount: int = 1_000,
    phone: str = "254712000000",
    status: str = PaymentStatus.PENDING,
    pushed: bool = True,
    paid: bool = False,
    receipt: str | None = None,
    age_s: int = 0,
) -> Payment:
    """An STK payment of `lease_row` as start_stk_payment + send_stk_push leave it: pending with
    a CheckoutRequestID (pushed=False: not sent yet). paid=True credits it like a callback
    would (M-Pesa receipt `receipt`). age_s back-dates created_at (reconciliation, 60 s guard)."""
    from pms_app.core.timestamps import utcnow
    from pms_app.payments import crediting

    p = Payment(
        lease_id=lease_row.id,
        property_id=lease_row.property_id,
        method=PaymentMethod.STK,
        status=PaymentStatus.PENDING if paid else status,
        amount=amount,
        phone=phone,
        account_ref=lease_row.account_ref,
        checkout_request_id=checkout_id() if pushed else None,
        merchant_request_id=f"{next(_seq)}-1" if pushed else None,
        initiated_by_id=lease_row.tenant_id,
        created_at=utcnow() - timedelta(seconds=age_s),
    )
    session.add(p)
    session.commit()
    if paid:
        assert crediting.credit_payment(session, p, receipt=receipt or _receipt())
        session.commit()
    return p


def stk_callback_body(
    checkout: str,
    code: int | str = 0,
    amount: int | float | None = None,
    phone: str | int | None = None,
    receipt: str | None = None,
    merchant: str = "29115-34620561-1",
) -> dict[str, object]:
    """What Daraja posts to the CallBackURL (daraja.md): ResultCode a number, metadata only on
    success, Balance without a Value, items read by name."""
    cb: dict[str, object] = {
        "MerchantRequestID": merchant,
        "CheckoutRequestID": checkout,
        "ResultCode": int(code) if str(code).isdigit() else code,
        "ResultDesc": "The service request is processed successfully."
        if str(code) == "0"
        else "Request cancelled by user",
    }
    if str(code) == "0":
        cb["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": float(amount if amount is not None else 1)},
                {"Name": "MpesaReceiptNumber", "Value": receipt or _receipt()},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(nairobi_timestamp())},
                {"Name": "PhoneNumber", "Value": int(phone or 254708374149)},
            ]
        }
    return {"Body": {"stkCallback": cb}}


def callback_for(payment: Payment, code: int | str = 0, **changes: object) -> dict[str, object]:
    """The callback for an STK payment row, matching it unless `changes` say otherwise."""
    args: dict[str, object] = {"amount": payment.amount, "phone": payment.phone, **changes}
    assert payment.checkout_request_id, "the payment was never pushed"
    return stk_callback_body(payment.checkout_request_id, code, **args)  # type: ignore[arg-type]


def c2b_body(
    bill_ref: str, amount: int = 1_000, trans_id: str | None = None, shortcode: str = "174379"
) -> dict[str, str]:
    """A C2B validation/confirmation body (daraja.md): every value a string, MSISDN masked."""
    return {
        "TransactionType": "Pay Bill",
        "TransID": trans_id or f"TX{next(_seq):08d}",
        "TransTime": nairobi_timestamp(),
        "TransAmount": str(amount),
        "BusinessShortCode": shortcode,
        "BillRefNumber": bill_ref,
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": "25470****149",
        "FirstName": "John",
        "MiddleName": "",
        "LastName": "Doe",
    }


def masked(phone: str) -> str:
    """A number as paybill confirmations now show it (v2): `2547 ***** 126`."""
    return f"{phone[:4]} ***** {phone[-3:]}"


def echo_body(payment: Payment, receipt: str, amount: int | None = None) -> dict[str, str]:
    """The paybill confirmation Daraja also sends for an STK payment on a paybill with C2B URLs
    (daraja.md, "The STK echo"): TransID = the STK receipt, BillRefNumber = the AccountReference,
    MSISDN masked."""
    body = c2b_body(payment.account_ref[:12], amount or payment.amount, trans_id=receipt)
    return {**body, "MSISDN": masked(payment.phone), "FirstName": "Tom", "LastName": "Tenant"}


def c2b_payment(
    session: Session, bill_ref: str, amount: int = 1_000, trans_id: str | None = None
) -> Payment:
    """A paybill payment as the confirmation callback records it (credited, or unallocated)."""
    from pms_app.integrations.daraja_wire import parse_c2b
    from pms_app.payments import paybill

    return paybill.process_c2b_confirmation(
        session, parse_c2b(c2b_body(bill_ref, amount, trans_id))
    )


def assert_ledger_exact(session: Session, lease_id: int) -> None:
    """Read from a fresh session: balance == charges − credits, and exactly one payment credit
    (of the payment's amount) per paid payment of the lease, none for any other payment."""
    from sqlmodel import col

    from pms_app.ledger import service as ledger
    from pms_app.ledger.models import EntryKind, LedgerEntry

    with Session(session.get_bind()) as fresh:
        entries = fresh.exec(select(LedgerEntry).where(LedgerEntry.lease_id == lease_id)).all()
        charges = sum(e.amount for e in entries if e.amount > 0)
        credits = -sum(e.amount for e in entries if e.amount < 0)
        assert ledger.balance(fresh, lease_id) == charges - credits
        credit_rows: dict[int | None, list[int]] = {}
        for e in entries:
            if e.kind == EntryKind.PAYMENT:
                credit_rows.setdefault(e.payment_id, []).append(e.amount)
        paid = fresh.exec(
            select(Payment).where(
                Payment.lease_id == lease_id, Payment.status == PaymentStatus.PAID
            )
        ).all()
        assert credit_rows == {p.id: [-p.amount] for p in paid}, (credit_rows, paid)
        # No payment of another lease was credited here, and no unpaid one anywhere.
        unpaid = fresh.exec(
            select(Payment.id).where(
                Payment.status != PaymentStatus.PAID, col(Payment.id).in_(credit_rows)
            )
        ).all()
        assert unpaid == []


@dataclass
class PayWorld:
    """The World plus money: `lease` (tenant in A1 of Sunrise, rent 23,456 from 1 January of
    last_year(), that month charged) with a `paid` STK payment (12,345), one in `review`
    (11,111) and an `unallocated` paybill payment whose account number points at Sunrise
    (7,777, paid by "Tom Tenant": `lease` is suggested for it); `other_lease` (other_tenant at
    Zebra Towers, rent 34,567) with `other_paid` (4,567) and `other_unallocated` (9,999). Both leases are in arrears. Amounts are distinctive so a
    leak is easy to spot."""

    w: World
    lease: Lease
    other_lease: Lease
    paid: Payment
    review: Payment
    unallocated: Payment
    other_paid: Payment
    other_unallocated: Payment

    AMOUNTS = (23_456, 34_567, 12_345, 11_111, 7_777, 4_567, 9_999)


def pay_world(session: Session) -> PayWorld:
    from pms_app.leases import service as leases

    w = world(session)
    start = day("01-01")
    lease_ = leases.create_lease(
        session, w.owner, w.unit(session, "A1").id, w.tenant.id, 23_456, 0, 1, start, today=start
    )
    other_unit = membership_of(session, w.other_tenant).unit_id
    other = leases.create_lease(
        session, w.other_landlord, other_unit, w.other_tenant.id, 34_567, 0, 1, start, today=start
    )
    paid = stk_payment(session, lease_, 12_345, paid=True, receipt="SKPAID0001")
    review = stk_payment(session, lease_, 11_111, status=PaymentStatus.REVIEW)
    unallocated = c2b_payment(session, lease_.account_ref.split("-")[0] + "-ZZ9", 7_777)
    unallocated.payer_name = "Tom Tenant"  # the tenant's name: the lease suggested for it
    session.add(unallocated)
    session.commit()
    other_paid = stk_payment(session, other, 4_567, paid=True, receipt="SKPAID0002")
    other_unallocated = c2b_payment(session, other.account_ref.split("-")[0] + "-ZZ9", 9_999)
    assert unallocated.property_id == w.prop.id and unallocated.status == "unallocated"
    assert other_unallocated.property_id == w.other_prop.id
    return PayWorld(w, lease_, other, paid, review, unallocated, other_paid, other_unallocated)
