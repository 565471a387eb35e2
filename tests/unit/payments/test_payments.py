"""Payment rules without HTTP: starting an STK payment, the push task, callbacks and the
reconciler with a fake Daraja client, receipts, the payments dashboard/CSV and rent reminders.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from pms_app import worker
from pms_app.accounts.models import User
from pms_app.core.errors import NotFound, ServiceError, Throttled, ValidationError
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_phone
from pms_app.emails.models import EmailMessage
from pms_app.integrations import daraja
from pms_app.integrations.daraja import DarajaError
from pms_app.integrations.daraja_wire import StkAccepted, StkQueryResult, parse_stk_callback
from pms_app.leases import service as leases
from pms_app.leases.models import Lease
from pms_app.ledger import service as ledger
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments import (
    callbacks,
    crediting,
    exports,
    receipts,
    reminders,
    reports,
    reviews,
    shared,
    stk,
)
from pms_app.payments.models import EarlyStkCallback, Payment, PaymentStatus
from pms_app.payments.reports import Filters
from pms_app.properties.models import Property
from tests import factories as f

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

# Ledger dates are last year's (f.day): always in the past, whatever the date.
D = f.day
PHONE = "0712345678"


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    """Nothing runs in the background here: pushes and emails are only recorded."""
    return f.capture_tasks(monkeypatch)


def _tenant(session: Session, lease: Lease) -> User:
    user = session.get(User, lease.tenant_id)
    assert user is not None
    return user


def _payments(session: Session) -> list[Payment]:
    with Session(session.get_bind()) as s:
        return list(s.exec(select(Payment).order_by(col(Payment.id))).all())


def _fail_all_pending(session: Session) -> None:
    """Answer every open prompt (so the 60-second guard lets the next one through)."""
    session.exec(  # type: ignore[call-overload]
        update(Payment).where(Payment.status == PaymentStatus.PENDING).values(status="failed")  # type: ignore[arg-type]
    )
    session.commit()


# --- starting an STK payment ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("0712345678", "254712345678"),
        ("0712 345 678", "254712345678"),
        ("+254 712-345-678", "254712345678"),
        ("254712345678", "254712345678"),
        ("712345678", "254712345678"),
        ("(0110) 345678", "254110345678"),
        ("0112345678", "254112345678"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, normalised: str) -> None:
    assert clean_phone(raw) == normalised


def test_amount_phone_and_lease_are_checked_before_anything_is_written(
    session: Session, tasks: f.TaskLog
) -> None:
    lease = f.lease(session, rent=10_000)
    tenant = _tenant(session, lease)
    before = f.db_snapshot(session)
    for amount in (0, 250_001, "12.5", "abc", "", "-5", "1e3", None, "10,000,001"):
        with pytest.raises(ValidationError) as err:
            stk.start_stk_payment(session, tenant, amount, PHONE)  # type: ignore[arg-type]
        assert err.value.field == "amount", amount
    with pytest.raises(ValidationError) as err:
        stk.start_stk_payment(session, tenant, 250_001, PHONE)
    assert err.value.message == "M-Pesa payments must be between KES 1 and KES 250,000."
    for phone in ("", "12345", "0812345678", "07123456789", "254712345", "+1 202 555 0100"):
        with pytest.raises(ValidationError) as err:
            stk.start_stk_payment(session, tenant, 100, phone)
        assert err.value.field == "phone", phone
    session.rollback()
    assert f.db_snapshot(session) == before, "a refused request wrote something"
    assert tasks.named("send_stk_push") == []

    low = stk.start_stk_payment(session, tenant, "1", "+254 712-345-678")
    _fail_all_pending(session)
    high = stk.start_stk_payment(session, tenant, "250,000", "0112345678")
    assert (low.amount, low.phone) == (1, "254712345678")
    assert (high.amount, high.phone) == (250_000, "254112345678")
    assert high.account_ref == lease.account_ref and high.lease_id == lease.id
    assert high.status == PaymentStatus.PENDING and high.checkout_request_id is None
    assert tasks.named("send_stk_push") == [(low.id,), (high.id,)]


def test_a_tenant_without_an_active_lease_is_told_so(session: Session) -> None:
    prop = f.property_(session, f.landlord(session))
    tenant = f.tenant(session, prop)
    with pytest.raises(ServiceError) as err:
        stk.start_stk_payment(session, tenant, 100, PHONE)
    assert err.value.message == "You have no active lease to pay for. Ask your landlord."
    lease = f.lease(session, prop=prop, tenant_user=tenant)
    leases.end_lease(session, f.owner_of(session, lease), lease.id, f.today())
    with pytest.raises(ServiceError) as err:
        stk.start_stk_payment(session, tenant, 100, PHONE)
    assert "no active lease" in err.value.message
    assert _payments(session) == []


def test_a_second_prompt_within_a_minute_is_refused(session: Session, tasks: f.TaskLog) -> None:
    lease = f.lease(session)
    tenant = _tenant(session, lease)
    first = stk.start_stk_payment(session, tenant, 500, PHONE)
    with pytest.raises(ServiceError) as err:
        stk.start_stk_payment(session, tenant, 500, "0722000000")  # another phone too
    assert err.value.message == (
        "A payment prompt was just sent to your phone. Answer it, or wait a minute."
    )
    assert [p.id for p in _payments(session)] == [first.id]
    # 61 seconds later the tenant may try again (the first prompt may simply be lost).
    session.exec(  # type: ignore[call-overload]
        update(Payment)
        .where(Payment.id == first.id)  # type: ignore[arg-type]
        .values(created_at=utcnow() - timedelta(seconds=61))
    )
    session.commit()
    second = stk.start_stk_payment(session, tenant, 500, PHONE)
    assert tasks.named("send_stk_push") == [(first.id,), (second.id,)]


def test_stk_initiation_is_rate_limited(session: Session, tasks: f.TaskLog) -> None:
    lease = f.lease(session)
    tenant = _tenant(session, lease)
    for _ in range(5):
        stk.start_stk_payment(session, tenant, 100, PHONE)
        _fail_all_pending(session)  # answered: the minute guard does not apply
    with pytest.raises(Throttled) as err:
        stk.start_stk_payment(session, tenant, 100, PHONE)
    assert err.value.retry_after_s > 500
    session.rollback()
    assert len(_payments(session)) == 5 and len(tasks.named("send_stk_push")) == 5
    # Per tenant: another tenant of the same building is not held up.
    other = f.lease(session, prop=session.get(Property, lease.property_id))
    assert stk.start_stk_payment(session, _tenant(session, other), 100, PHONE).id


def _at_once(engine: Engine, tenant_id: int, n: int) -> list[object]:
    """n requests of one tenant released together; each outcome: a payment id or a message."""
    barrier = threading.Barrier(n)
    outcomes: list[object] = []

    def one() -> None:
        with Session(engine, expire_on_commit=False) as s:
            tenant = s.get(User, tenant_id)
            barrier.wait()
            try:
                outcomes.append(stk.start_stk_payment(s, tenant, 100, PHONE).id)
            except ServiceError as exc:
                outcomes.append(exc.message)
                s.rollback()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_concurrent_requests_send_one_prompt(
    engine: Engine, session: Session, tasks: f.TaskLog
) -> None:
    """Two tabs or a double click: the tenant's requests arrive together. One prompt is sent;
    the others are told one was just sent (first ever request, and with a rate-limit row)."""
    lease = f.lease(session)
    for _round in ("first ever", "again"):
        _fail_all_pending(session)
        outcomes = _at_once(engine, lease.tenant_id, 4)
        ids = [o for o in outcomes if isinstance(o, int)]
        assert len(outcomes) == 4 and len(ids) == 1, outcomes
        assert set(outcomes) - set(ids) == {
            "A payment prompt was just sent to your phone. Answer it, or wait a minute."
        }
        assert tasks.named("send_stk_push")[-1] == (ids[0],)
    assert len(_payments(session)) == 2 and len(tasks.named("send_stk_push")) == 2


def test_the_row_is_committed_before_the_push_and_a_rollback_enqueues_nothing(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, Payment | None]] = []

    def on_enqueue(name: str, args: tuple[object, ...]) -> None:
        with Session(engine) as other:  # what the worker would see when the task starts
            seen.append((name, other.get(Payment, args[0])))

    tasks = f.capture_tasks(monkeypatch, on_enqueue)
    lease = f.lease(session)
    tenant = _tenant(session, lease)
    seen.clear()
    payment = stk.start_stk_payment(session, tenant, 700, PHONE)
    [(name, row)] = seen
    assert name == "pms.send_stk_push" and row is not None
    assert (row.id, row.status, row.amount) == (payment.id, PaymentStatus.PENDING, 700)

    # The transaction fails after the row was added: no push is ever sent for it.
    _fail_all_pending(session)
    sent = len(tasks.calls)

    def boom(*_a: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(stk, "notify_payment", boom)
    with pytest.raises(RuntimeError):
        stk.start_stk_payment(session, tenant, 800, PHONE)
    session.rollback()
    assert len(tasks.calls) == sent
    assert [p.amount for p in _payments(session)] == [700]


# --- the push task ----------------------------------------------------------------------------


@dataclass
class FakeDaraja:
    """Stands in for DarajaClient: records pushes, answers queries from a table."""

    push_error: DarajaError | None = None
    answers: dict[str, StkQueryResult | DarajaError] = field(default_factory=dict)
    pushes: list[tuple[str, int, str, str, str]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    def stk_push(
        self, phone: str, amount: int, ref: str, desc: str, callback_url: str
    ) -> StkAccepted:
        self.pushes.append((phone, amount, ref, desc, callback_url))
        if self.push_error:
            raise self.push_error
        n = len(self.pushes)
        return StkAccepted(f"m-{n}", f"ws_CO_fake_{n}", "Success. Request accepted")

    def stk_query(self, checkout_request_id: str) -> StkQueryResult:
        self.queries.append(checkout_request_id)
        answer = self.answers.get(checkout_request_id, StkQueryResult(True, "4999", ""))
        if isinstance(answer, DarajaError):
            raise answer
        return answer


def _fresh(session: Session, payment: Payment) -> Payment:
    with Session(session.get_bind()) as s:
        row = s.get(Payment, payment.id)
        assert row is not None
        return row


def test_the_push_is_sent_once(session: Session) -> None:
    lease = f.lease(session)
    payment = stk.start_stk_payment(session, _tenant(session, lease), 1_500, PHONE)
    client = FakeDaraja()
    assert stk.send_stk_push(session, payment.id or 0, client) == "sent"  # type: ignore[arg-type]
    assert stk.send_stk_push(session, payment.id or 0, client) == "skipped"  # type: ignore[arg-type]
    [(phone, amount, ref, desc, url)] = client.pushes
    assert (phone, amount, ref, desc) == ("254712345678", 1_500, lease.account_ref, "Rent")
    assert url == stk.callback_url("stk") and "/api/pay/" in url
    assert "mpesa" not in url.lower()  # Daraja refuses such callback URLs
    row = _fresh(session, payment)
    assert (row.status, row.checkout_request_id, row.merchant_request_id) == (
        PaymentStatus.PENDING,
        "ws_CO_fake_1",
        "m-1",
    )
    assert stk.send_stk_push(session, 987_654, client) == "skipped"


def test_a_refused_push_fails_the_payment_with_a_message(session: Session) -> None:
    lease = f.lease(session)
    payment = stk.start_stk_payment(session, _tenant(session, lease), 100, PHONE)
    error = DarajaError("400.002.02", "Bad Request - Invalid PhoneNumber", 400, retryable=False)
    client = FakeDaraja(push_error=error)
    assert stk.send_stk_push(session, payment.id or 0, client) == "refused"  # type: ignore[arg-type]
    row = _fresh(session, payment)
    assert (row.status, row.result_code, row.result_desc) == (
        PaymentStatus.FAILED,
        "400.002.02",
        "M-Pesa refused the request: Bad Request - Invalid PhoneNumber",
    )
    assert row.checkout_request_id is None
    assert stk.send_stk_push(session, payment.id or 0, client) == "skipped"  # type: ignore[arg-type]
    assert len(client.pushes) == 1


def test_a_retryable_error_keeps_the_payment_pending(
    session: Session, monkeypatch: pytest.MonkeyPatch, tasks: f.TaskLog
) -> None:
    lease = f.lease(session)
    payment = stk.start_stk_payment(session, _tenant(session, lease), 100, PHONE)
    # (A lock-subscriber answer is not retried: tests/unit/payments/test_prompt_open.py.)
    error = DarajaError("500.003.02", "Spike arrest violation", 500, retryable=True)
    client = FakeDaraja(push_error=error)
    with pytest.raises(DarajaError):
        stk.send_stk_push(session, payment.id or 0, client)  # type: ignore[arg-type]
    session.rollback()
    row = _fresh(session, payment)
    assert (row.status, row.checkout_request_id) == (PaymentStatus.PENDING, None)

    # The task retries with backoff, then gives up with a message the tenant can act on.
    monkeypatch.setattr(daraja, "client_from_settings", lambda *a: client)
    assert worker.send_stk_push.run(payment.id) == "retrying"
    assert worker.send_stk_push.run(payment.id, 2) == "retrying"
    assert tasks.later == [
        ("pms.send_stk_push", 1, (payment.id, 1)),
        ("pms.send_stk_push", 4, (payment.id, 3)),
    ]
    assert _fresh(session, payment).status == PaymentStatus.PENDING
    assert worker.send_stk_push.run(payment.id, 3) == "gave up"
    row = _fresh(session, payment)
    assert row.status == PaymentStatus.FAILED
    assert row.result_desc == ("M-Pesa is not answering (Spike arrest violation). Try again later.")


# --- callbacks and reconciliation (no HTTP) ---------------------------------------------------


def test_callback_rules(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=1)
    p = f.stk_payment(session, lease, amount=2_000, phone="254712345678")
    assert (
        callbacks.process_stk_callback(
            session, parse_stk_callback(f.callback_for(p, 0, receipt="SKAAAA0001"))
        )
        == "paid"
    )
    assert (
        callbacks.process_stk_callback(
            session, parse_stk_callback(f.callback_for(p, 0, receipt="SKAAAA0001"))
        )
        == "ignored"
    )
    assert (
        callbacks.process_stk_callback(session, parse_stk_callback(f.callback_for(p, 1032)))
        == "ignored"
    )
    unknown = f.stk_callback_body("ws_CO_nobody", 0, amount=2_000)
    assert callbacks.process_stk_callback(session, parse_stk_callback(unknown)) == "early"

    # A receipt already used by another payment: someone replays it, a manager looks.
    q = f.stk_payment(session, lease, amount=2_000, phone="254712345678")
    body = f.callback_for(q, 0, receipt="SKAAAA0001")
    assert callbacks.process_stk_callback(session, parse_stk_callback(body)) == "review"
    flagged = _fresh(session, q)
    assert flagged.status == PaymentStatus.REVIEW
    assert f"receipt SKAAAA0001 already used by payment {p.id}" in flagged.result_desc

    r = f.stk_payment(session, lease, amount=3_000, phone="254712345678")
    assert (
        callbacks.process_stk_callback(session, parse_stk_callback(f.callback_for(r, 1037)))
        == "failed"
    )
    assert _fresh(session, r).result_desc.startswith("Your phone could not be reached")
    assert (
        callbacks.process_stk_callback(session, parse_stk_callback(f.callback_for(r, 0))) == "paid"
    )
    assert ledger.balance(session, lease.id) == 10_000 - 5_000
    f.assert_ledger_exact(session, lease.id)


def test_a_flagged_payment_keeps_its_mpesa_receipt(session: Session) -> None:
    """One M-Pesa receipt credits one payment: a payment held for review keeps the receipt
    from its callback, so the same receipt on another payment is caught too."""
    lease = f.lease(session, rent=10_000, due_day=1)
    a = f.stk_payment(session, lease, amount=2_000, phone="254712345678")
    b = f.stk_payment(session, lease, amount=2_000, phone="254712345678")
    odd = f.callback_for(a, 0, amount=1, receipt="SKDUP00001")
    assert callbacks.process_stk_callback(session, parse_stk_callback(odd)) == "review"
    assert _fresh(session, a).mpesa_receipt == "SKDUP00001"
    same_receipt = f.callback_for(b, 0, receipt="SKDUP00001")
    assert callbacks.process_stk_callback(session, parse_stk_callback(same_receipt)) == "review"
    assert f"already used by payment {a.id}" in _fresh(session, b).result_desc
    assert _fresh(session, b).mpesa_receipt is None
    owner = f.owner_of(session, lease)
    accepted = reviews.resolve_review(session, owner, a.id or 0, accept=True)
    assert accepted.mpesa_receipt == "SKDUP00001" and accepted.status == PaymentStatus.PAID
    # Accepting credits what M-Pesa reported paid (KES 1), not the 2,000 that was asked.
    assert accepted.amount == 1
    assert ledger.balance(session, lease.id) == 9_999
    f.assert_ledger_exact(session, lease.id)


def test_reconciler(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=1)
    paid = f.stk_payment(session, lease, amount=1_000, age_s=120)
    refused = f.stk_payment(session, lease, amount=1_000, age_s=120)
    waiting = f.stk_payment(session, lease, amount=1_000, age_s=120)
    unreachable = f.stk_payment(session, lease, amount=1_000, age_s=120)
    young = f.stk_payment(session, lease, amount=1_000, age_s=5)
    never_sent = f.stk_payment(session, lease, amount=1_000, pushed=False, age_s=601)
    sending = f.stk_payment(session, lease, amount=1_000, pushed=False, age_s=120)
    client = FakeDaraja(
        answers={
            paid.checkout_request_id or "": StkQueryResult(False, "0", "processed"),
            refused.checkout_request_id or "": StkQueryResult(False, "2001", "invalid"),
            unreachable.checkout_request_id or "": DarajaError("timeout", "slow", 0, True),
        }
    )
    stats = stk.reconcile_pending(session, client)  # type: ignore[arg-type]
    assert stats == {"paid": 1, "failed": 2, "pending": 2, "unconfirmed": 0}
    assert young.checkout_request_id not in client.queries  # under a minute old: not asked
    assert _fresh(session, paid).status == PaymentStatus.PAID
    assert _fresh(session, refused).result_desc == "Wrong M-Pesa PIN entered."
    for p in (waiting, unreachable, young, sending):
        assert _fresh(session, p).status == PaymentStatus.PENDING
    gone = _fresh(session, never_sent)
    assert (gone.status, gone.result_desc) == (
        PaymentStatus.FAILED,
        "The payment request never reached M-Pesa.",
    )
    assert ledger.balance(session, lease.id) == 9_000
    f.assert_ledger_exact(session, lease.id)


def test_paybill_by_account_number(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=1)
    first = f.c2b_payment(session, f" {lease.account_ref.lower()} ", 4_000, trans_id="RKTQDM7W6S")
    again = f.c2b_payment(session, lease.account_ref, 4_000, trans_id="RKTQDM7W6S")
    assert first.id == again.id and first.status == PaymentStatus.PAID
    assert first.mpesa_receipt == "RKTQDM7W6S" and first.receipt_no
    lost = f.c2b_payment(session, "NOBODY", 900)
    assert (lost.status, lost.lease_id, lost.property_id) == ("unallocated", None, None)
    assert ledger.balance(session, lease.id) == 6_000
    f.assert_ledger_exact(session, lease.id)


# --- receipts ---------------------------------------------------------------------------------


def test_receipt_pdf(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=1)
    tenant = _tenant(session, lease)
    p = f.stk_payment(session, lease, amount=2_500, paid=True, receipt="SKRCPT0001")
    name, pdf = receipts.receipt_pdf(session, tenant, p.id or 0)
    assert name == f"receipt-{p.receipt_no}.pdf"
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    for text in (
        f"Receipt no. {p.receipt_no}",
        "Amount: KES 2,500",
        "Received from: Tom Tenant",
        f"Account: {lease.account_ref}",
        "Method: M-Pesa payment SKRCPT0001",
    ):
        assert text.encode() in pdf, text
    assert b"Balance on the account today: KES 7,500" in pdf

    pending = f.stk_payment(session, lease, amount=100)
    with pytest.raises(NotFound):
        receipts.receipt_pdf(session, tenant, pending.id or 0)


# --- dashboard and CSV ------------------------------------------------------------------------


@dataclass
class Books:
    a: Lease
    b: Lease
    c: Lease
    owner: User
    tenant_a: User


@pytest.fixture
def books(session: Session) -> Books:
    """Sunrise: lease A (10,000 from January, 20,000 paid → 10,000 in arrears) and lease B
    (8,000 from February, fully paid, 1,000 waived); Zebra (another landlord): lease C."""
    a = f.lease(session, rent=10_000, due_day=1, start=f.iso("01-01"))
    prop = session.get(Property, a.property_id)
    b = f.lease(session, prop=prop, rent=8_000, due_day=1, start=f.iso("02-01"))
    c = f.lease(session, rent=50_000, due_day=1, start=f.iso("01-01"))
    ledger.run_billing(session, D("03-01"))
    owner = f.owner_of(session, a)
    tenant_a = _tenant(session, a)
    tenant_a.full_name = '=HYPERLINK("http://evil.example","Tom")'
    session.add(tenant_a)
    session.commit()
    reviews.record_manual_payment(session, owner, a.id, 15_000, "cash", f.iso("02-10"))
    reviews.record_manual_payment(session, owner, a.id, 5_000, "bank", f.iso("03-02"), "=1+2")
    reviews.record_manual_payment(session, owner, b.id, 16_000, "bank", f.iso("03-01"), "@SUM(A1)")
    # A waiver is a credit but not money collected.
    ledger.post_adjustment(session, owner, b.id, 1_000, "credit", "Goodwill", f.iso("03-03"))
    reviews.record_manual_payment(
        session, f.owner_of(session, c), c.id, 1_000, "cash", f.iso("01-02"), "-2+3"
    )
    return Books(a, b, c, owner, tenant_a)


def test_dashboard_totals_months_and_arrears(session: Session, books: Books) -> None:
    owner, a = books.owner, books.a
    today = D("03-15")
    dash = reports.dashboard(session, owner, Filters(), today)
    assert (dash.total_count, dash.total_collected) == (3, 36_000)
    assert [(r.amount, r.method, r.reference) for r in dash.rows] == [
        (5_000, "bank", "=1+2"),
        (16_000, "bank", "@SUM(A1)"),
        (15_000, "cash", ""),
    ]
    assert [(m.month, m.billed, m.collected) for m in dash.months] == [
        (f"{f.last_year()}-01", 10_000, 0),
        (f"{f.last_year()}-02", 18_000, 15_000),
        (f"{f.last_year()}-03", 18_000, 21_000),
    ]
    assert dash.total_billed == 46_000
    assert [(x.lease_id, x.arrears) for x in dash.arrears] == [(a.id, 10_000)]
    assert dash.total_arrears == 10_000
    # The same arrears the tenant's statement shows.
    assert ledger.statement(session, a.id, today).arrears == 10_000

    march = reports.dashboard(session, owner, Filters(date_from=D("03-01")), today)
    assert (march.total_count, march.total_collected) == (2, 21_000)
    assert [m.month for m in march.months] == [f"{f.last_year()}-03"]
    mine = reports.dashboard(session, owner, Filters(tenant_id=a.tenant_id), today)
    assert (mine.total_count, mine.total_collected, mine.total_arrears) == (2, 20_000, 10_000)
    assert mine.total_billed == 30_000

    with pytest.raises(NotFound):
        reports.dashboard(session, owner, Filters(property_id=books.c.property_id), today)
    with pytest.raises(ValidationError):
        reports.dashboard(
            session,
            owner,
            Filters(date_from=D("03-02"), date_to=D("03-01")),
            today,
        )


def test_payments_csv_cannot_inject_formulas(session: Session, books: Books) -> None:
    text = exports.payments_csv(session, books.owner, Filters())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "paid_at_local",
        "receipt_no",
        "tenant",
        "property",
        "unit",
        "amount",
        "method",
        "reference",
        "type",  # rent or booking_fee (#10.7)
    ]
    body = rows[1:]
    assert {r[8] for r in body} == {"rent"}
    assert [(r[0], r[5], r[6]) for r in body] == [
        # Recorded at 09:00 UTC: noon in Nairobi.
        (f.iso("02-10") + " 12:00", "15000", "cash"),
        (f.iso("03-01") + " 12:00", "16000", "bank"),
        (f.iso("03-02") + " 12:00", "5000", "bank"),
    ]
    evil = "'" + '=HYPERLINK("http://evil.example","Tom")'
    assert [r[2] for r in body] == [evil, "Tom Tenant", evil]
    assert [r[7] for r in body] == ["", "'@SUM(A1)", "'=1+2"]
    for row in body:
        for cell in row:
            assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), row
    assert "-2+3" not in text  # the other landlord's payment


# --- reminders --------------------------------------------------------------------------------


def _reminders(session: Session) -> list[tuple[str, str]]:
    with Session(session.get_bind()) as s:
        rows = s.exec(
            select(EmailMessage)
            .where(EmailMessage.kind == "rent_reminder")
            .order_by(col(EmailMessage.id))
        ).all()
        return [(m.to_email, m.subject) for m in rows]


def test_reminder_targets_are_scoped(session: Session, books: Books) -> None:
    owner, a, b, c = books.owner, books.a, books.b, books.c
    today = D("03-15")
    ids = [a.id, b.id]
    assert reminders.reminder_targets(session, owner, ids, False, today) == ids
    assert reminders.reminder_targets(session, owner, None, True, today) == [a.id]
    with pytest.raises(NotFound):
        reminders.reminder_targets(session, owner, [a.id, c.id], False, today)
    with pytest.raises(ValidationError):
        reminders.reminder_targets(session, owner, [], False, today)
    with pytest.raises(ValidationError):
        reminders.reminder_targets(session, owner, ["1"], False, today)
    leases.end_lease(session, owner, b.id, f.iso("03-10"))
    with pytest.raises(NotFound):
        reminders.reminder_targets(session, owner, [b.id], False, today)


def test_a_reminder_is_sent_once_per_lease_and_day(
    session: Session, books: Books, tasks: f.TaskLog
) -> None:
    a = books.a
    day = D("03-15")
    assert reminders.queue_reminder(session, a.id, day) is True
    assert reminders.queue_reminder(session, a.id, day) is False
    assert reminders.queue_reminder(session, a.id, day + timedelta(days=1)) is True
    assert reminders.queue_reminder(session, 987_654, day) is False
    sent = _reminders(session)
    assert len(sent) == 2 and {to for to, _ in sent} == {books.tenant_a.email}
    with Session(session.get_bind()) as s:
        msg = s.exec(select(EmailMessage).where(EmailMessage.kind == "rent_reminder")).first()
    assert msg is not None and "KES 10,000 overdue" in msg.body
    assert f"account {a.account_ref}" in msg.body
    assert tasks.named("send_email").count((msg.id,)) == 1


def test_automatic_reminders_before_and_after_the_due_day(session: Session) -> None:
    late = f.lease(
        session,
        rent=10_000,
        due_day=5,
        start=f.iso("01-05"),
        remind_days_before=3,
        remind_days_after=2,
    )
    prop = session.get(Property, late.property_id)
    payer = f.lease(session, prop=prop, rent=8_000, due_day=5, start=f.iso("01-05"))
    elsewhere = f.lease(session, rent=5_000, due_day=5, start=f.iso("01-05"))  # reminders off
    ledger.run_billing(session, D("03-05"))
    reviews.record_manual_payment(
        session, f.owner_of(session, payer), payer.id, 24_000, "cash", f.iso("03-05")
    )

    assert reminders.automatic_reminders(session, D("03-01")) == 0
    assert reminders.automatic_reminders(session, D("03-02")) == 2  # 3 days before the 5th
    assert reminders.automatic_reminders(session, D("03-02")) == 0  # once a day
    subjects = [s for _to, s in _reminders(session)]
    due = f"is due on 5 Mar {D('03-05').year}"
    assert all(s.endswith(due) for s in subjects) and len(subjects) == 2
    assert reminders.automatic_reminders(session, D("03-06")) == 0
    assert reminders.automatic_reminders(session, D("03-07")) == 1  # 2 days after, unpaid
    assert reminders.automatic_reminders(session, D("03-07")) == 0
    to, subject = _reminders(session)[-1]
    assert to == _tenant(session, late).email and subject.startswith("Rent reminder")
    assert _tenant(session, elsewhere).email not in {t for t, _ in _reminders(session)}
    leases.end_lease(session, f.owner_of(session, late), late.id, f.iso("03-31"))
    assert reminders.automatic_reminders(session, D("04-02")) == 1  # only the active lease


def test_payment_dates_are_local_days(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """An M-Pesa payment at 01:30 on 1 April in Nairobi (22:30 UTC on 31 March) is an April
    payment: in the ledger (whose due days are local dates) and in the dashboard's filters."""
    lease = f.lease(session, rent=10_000, due_day=1)
    owner = f.owner_of(session, lease)
    p = f.stk_payment(session, lease, amount=1_000)
    moment = datetime(f.last_year(), 3, 31, 22, 30, tzinfo=UTC)
    monkeypatch.setattr(crediting, "utcnow", lambda: moment)
    monkeypatch.setattr(shared, "utcnow", lambda: moment)  # set_status stamps updated_at
    assert crediting.credit_payment(session, p)
    session.commit()
    with Session(session.get_bind()) as s:
        entry = s.exec(
            select(LedgerEntry).where(
                LedgerEntry.payment_id == p.id, LedgerEntry.kind == EntryKind.PAYMENT
            )
        ).one()
        row = s.get(Payment, p.id)
    assert entry.due_date == D("04-01")
    assert row is not None and row.paid_at == moment

    def collected(**dates: date) -> tuple[int, list[tuple[str, int]]]:
        dash = reports.dashboard(session, owner, Filters(**dates), D("04-02"))
        return dash.total_collected, [(m.month, m.collected) for m in dash.months if m.collected]

    assert collected(date_from=D("04-01")) == (1_000, [(f"{f.last_year()}-04", 1_000)])
    assert collected(date_to=D("03-31")) == (0, [])
    assert collected(date_from=D("04-01"), date_to=D("04-01"))[0] == 1_000


# --- a callback that overtakes the push's own answer -------------------------------------------


@dataclass
class OneIdDaraja(FakeDaraja):
    """Answers the push with a CheckoutRequestID chosen by the test."""

    checkout_id: str = "ws_CO_early_1"

    def stk_push(
        self, phone: str, amount: int, ref: str, desc: str, callback_url: str
    ) -> StkAccepted:
        self.pushes.append((phone, amount, ref, desc, callback_url))
        return StkAccepted("m-early", self.checkout_id, "Success. Request accepted")


def _early_rows(session: Session) -> list[str]:
    with Session(session.get_bind()) as s:
        return list(s.exec(select(EarlyStkCallback.checkout_request_id)).all())


def test_a_callback_that_overtakes_the_push_answer_is_applied_when_the_id_is_stored(
    session: Session,
) -> None:
    lease = f.lease(session, rent=10_000, due_day=1)
    payment = stk.start_stk_payment(session, _tenant(session, lease), 2_500, PHONE)
    body = f.stk_callback_body(
        "ws_CO_early_1", 0, amount=2_500, phone="254712345678", receipt="SKEARLY001"
    )
    # M-Pesa answers before our push request has even stored the CheckoutRequestID.
    assert callbacks.process_stk_callback(session, parse_stk_callback(body)) == "early"
    assert callbacks.process_stk_callback(session, parse_stk_callback(body)) == "early"  # repeated
    assert _fresh(session, payment).status == PaymentStatus.PENDING
    assert _early_rows(session) == ["ws_CO_early_1"]

    assert stk.send_stk_push(session, payment.id or 0, OneIdDaraja()) == "sent"  # type: ignore[arg-type]
    paid = _fresh(session, payment)
    assert (paid.status, paid.mpesa_receipt) == (PaymentStatus.PAID, "SKEARLY001")
    assert paid.receipt_no and _early_rows(session) == []
    assert ledger.balance(session, lease.id) == 10_000 - 2_500
    f.assert_ledger_exact(session, lease.id)
    # The same callback again, now for a known payment: nothing more.
    assert callbacks.process_stk_callback(session, parse_stk_callback(body)) == "ignored"


def test_the_reconciler_applies_a_kept_callback_without_asking_mpesa(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=1)
    p = f.stk_payment(session, lease, amount=1_000, phone="254712345678", age_s=120)
    body = f.callback_for(p, 0, receipt="SKKEPT0001")
    cb = parse_stk_callback(body)
    session.add(
        EarlyStkCallback(
            checkout_request_id=p.checkout_request_id or "",
            payload=json.dumps(dataclasses.asdict(cb)),
        )
    )
    stale = EarlyStkCallback(
        checkout_request_id="ws_CO_forgotten",
        payload=json.dumps(dataclasses.asdict(cb)),
        received_at=utcnow() - timedelta(days=2),
    )
    session.add(stale)
    session.commit()
    client = FakeDaraja()
    stats = stk.reconcile_pending(session, client, older_than_s=60)
    assert stats == {"paid": 1, "failed": 0, "pending": 0, "unconfirmed": 0}
    assert client.queries == []
    assert _fresh(session, p).mpesa_receipt == "SKKEPT0001"
    assert _early_rows(session) == []  # applied, and the day-old one for nobody dropped
    f.assert_ledger_exact(session, lease.id)


def _race_callback_and_push_answer(
    engine: Engine, payment_id: int, checkout: str, body: dict[str, object]
) -> list[BaseException]:
    """The callback and the push's answer (storing `checkout`) at the same moment."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def callback() -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                barrier.wait(timeout=10)
                callbacks.process_stk_callback(s, parse_stk_callback(body))
        except BaseException as exc:
            errors.append(exc)

    def push() -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                barrier.wait(timeout=10)
                stk.send_stk_push(s, payment_id, OneIdDaraja(checkout_id=checkout))  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=callback), threading.Thread(target=push)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


def test_callback_and_push_answer_racing_credit_once_with_the_receipt(
    engine: Engine, session: Session
) -> None:
    lease = f.lease(session, rent=100_000, due_day=1)
    for round_ in range(8):
        # Pending and not pushed yet, as start_stk_payment leaves it.
        payment = f.stk_payment(
            session, lease, amount=1_000 + round_, phone="254712345678", pushed=False
        )
        checkout = f"ws_CO_race_{round_}"
        body = f.stk_callback_body(
            checkout, 0, amount=1_000 + round_, phone="254712345678", receipt=f"SKRACE{round_:04d}"
        )
        errors = _race_callback_and_push_answer(engine, payment.id or 0, checkout, body)
        assert errors == []
        done = _fresh(session, payment)
        assert (done.status, done.mpesa_receipt) == (PaymentStatus.PAID, f"SKRACE{round_:04d}")
        assert _early_rows(session) == []
    f.assert_ledger_exact(session, lease.id)
