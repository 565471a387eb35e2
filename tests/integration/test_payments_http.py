"""M-Pesa payments end to end over real HTTP: the app's callback routes and the simulated
Daraja served together by granian on 127.0.0.1, the real DarajaClient, the real task body.

Tenant → start_stk_payment → send_stk_push (task body) → the simulator (auto mode, outcome by
the phone's last 4 digits) posts the callback to /api/pay/{token}/stk → payment and ledger.
Every scenario ends with the ledger checked exactly (one credit per paid payment).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.applications import Starlette

import pms_app.simulator.models  # noqa: F401  (sim_* tables on SQLModel.metadata before create_all)
from pms_app import worker
from pms_app.accounts.models import Role, User
from pms_app.api.routes import api_routes
from pms_app.core import db
from pms_app.core.errors import ServiceError
from pms_app.core.settings import get_settings
from pms_app.emails.models import EmailMessage
from pms_app.integrations.daraja import client_from_settings
from pms_app.integrations.daraja_wire import result_message
from pms_app.leases.models import Lease
from pms_app.ledger import service as ledger
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments import paybill, reviews, stk
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.properties.models import Property
from pms_app.simulator import delivery
from pms_app.simulator import stk as sim_stk
from pms_app.simulator.models import SimStkRequest
from pms_app.simulator.routes import simulator_routes
from tests import factories as f
from tests.http_server import free_port, start_server, until

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

RENT = 10_000
OK_PHONE = "0712347777"  # auto mode: no rule for 7777 → paid, one callback
CANCEL, INSUFFICIENT, WRONG_PIN, TIMEOUT, DROPPED, DUPLICATED = (
    "0712340001",
    "0712340002",
    "0712340003",
    "0712340004",
    "0712340005",
    "0712340006",
)
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}


@dataclass
class Call:
    path: str
    body: bytes
    status: int
    answer: bytes


class Recorder:
    """ASGI wrapper keeping every request to /api/pay/… (exactly the bytes that were posted)
    and the status the app answered, appended once the response is complete."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: list[Call] = []
        self.lock = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/pay/"):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body, delivered = b"".join(chunks), False
        status, answer = [0], []

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay, capture)
        with self.lock:
            self.calls.append(Call(scope["path"], body, status[0], b"".join(answer)))


@dataclass
class PayServer:
    base: str
    token: str
    engine: Engine
    recorder: Recorder
    tasks: f.TaskLog
    committed_at_enqueue: list[bool] = field(default_factory=list)

    def url(self, kind: str, token: str | None = None) -> str:
        return f"{self.base}/api/pay/{token or self.token}/{kind}"

    def post(
        self,
        kind: str,
        body: bytes | dict[str, Any],
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return requests.post(
            self.url(kind, token),
            data=data,
            headers={"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
            timeout=10,
        )

    def calls(self, kind: str, checkout: str | None = None) -> list[Call]:
        with self.recorder.lock:
            calls = [c for c in self.recorder.calls if c.path == f"/api/pay/{self.token}/{kind}"]
        if checkout is not None:
            calls = [c for c in calls if checkout.encode() in c.body]
        return calls

    def payment(self, payment_id: int | None) -> Payment:
        with Session(self.engine) as s:
            p = s.get(Payment, payment_id)
            assert p is not None
            return p

    def sim_row(self, checkout: str) -> SimStkRequest:
        with Session(self.engine) as s:
            row = sim_stk.find(s, checkout)
            assert row is not None
            return row

    def pay(self, session: Session, tenant: User, amount: int, phone: str) -> Payment:
        """What the pay page and the worker do: the pending row, then the task body."""
        sent_before = len(self.tasks.named("send_stk_push"))
        payment = stk.start_stk_payment(session, tenant, amount, phone)
        assert self.tasks.named("send_stk_push")[sent_before:] == [(payment.id,)]
        assert self.committed_at_enqueue[-1], "the task was enqueued before the row was committed"
        assert worker.send_stk_push.run(payment.id) == "sent"
        pushed = self.payment(payment.id)
        assert pushed.status == PaymentStatus.PENDING and pushed.checkout_request_id
        # A callback arriving before the push's answer is stored is kept and applied once it is
        # (tested in test_payments.py); here the simulator's delay keeps the usual order.
        assert not self.calls("stk", pushed.checkout_request_id), "callback overtook the push"
        return pushed

    def settled(self, payment: Payment, callbacks: int = 1) -> Payment:
        """Wait for the simulator's callback(s) to be answered, then re-read the payment."""
        assert payment.checkout_request_id
        until(
            lambda: len(self.calls("stk", payment.checkout_request_id)) >= callbacks,
            "the STK callback",
        )
        assert delivery.wait_idle(5)
        calls = self.calls("stk", payment.checkout_request_id)
        assert [(c.status, json.loads(c.answer)) for c in calls] == [(200, ACCEPTED)] * callbacks
        return self.payment(payment.id)


@pytest.fixture
def pay(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[PayServer]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    token = secrets.token_hex(16)
    monkeypatch.delenv("DARAJA_CONSUMER_KEY", raising=False)
    monkeypatch.delenv("MPESA_ALLOWED_IPS", raising=False)
    monkeypatch.setenv("BASE_URL", base)
    monkeypatch.setenv("CALLBACK_BASE_URL", base)
    monkeypatch.setenv("MPESA_CALLBACK_TOKEN", token)
    monkeypatch.setenv("MPESA_SIM_MODE", "auto")
    # Real callbacks come 17-30 s after the push; a short delay still after its answer is stored.
    monkeypatch.setenv("MPESA_SIM_CALLBACK_DELAY", "0.25")
    get_settings.cache_clear()
    db.use_engine(engine)

    committed: list[bool] = []

    def on_enqueue(name: str, args: tuple[object, ...]) -> None:
        if name == "pms.send_stk_push":  # a separate connection sees only committed rows
            with Session(engine) as s:
                committed.append(s.get(Payment, args[0]) is not None)

    tasks = f.capture_tasks(monkeypatch, on_enqueue)
    recorder = Recorder(Starlette(routes=[*api_routes(), *simulator_routes()]))
    stop = start_server(recorder, port, "pay-http")
    server = PayServer(base, token, engine, recorder, tasks, committed)
    assert stk.callback_url("stk") == server.url("stk")
    yield server
    assert delivery.wait_idle(15), "a simulator delivery is still running"
    stop()


def _tenant_lease(session: Session, **kw: Any) -> tuple[Lease, User]:
    lease = f.lease(session, rent=RENT, due_day=1, **kw)  # this month charged
    tenant = session.get(User, lease.tenant_id)
    assert tenant is not None
    return lease, tenant


def _credits(session: Session, lease_id: int | None) -> list[tuple[int | None, int]]:
    with Session(session.get_bind()) as s:
        rows = s.exec(
            select(LedgerEntry)
            .where(LedgerEntry.lease_id == lease_id, LedgerEntry.kind == EntryKind.PAYMENT)
            .order_by(col(LedgerEntry.id))
        ).all()
        return [(e.payment_id, e.amount) for e in rows]


def _balance(session: Session, lease_id: int | None) -> int:
    with Session(session.get_bind()) as s:
        return ledger.balance(s, lease_id or 0)


def _receipt_emails(session: Session, payment: Payment) -> list[EmailMessage]:
    with Session(session.get_bind()) as s:
        return list(
            s.exec(
                select(EmailMessage).where(EmailMessage.dedupe_key == f"receipt:{payment.id}")
            ).all()
        )


def _all_receipt_emails(session: Session) -> list[str]:
    with Session(session.get_bind()) as s:
        rows = s.exec(select(EmailMessage.subject).where(EmailMessage.kind == "payment_receipt"))
        return list(rows.all())


def _post_together(pay: PayServer, kind: str, body: bytes, n: int = 10) -> list[Any]:
    """n threads behind a barrier post the same body at once."""
    barrier = threading.Barrier(n)
    answers: list[Any] = [None] * n

    def one(i: int) -> None:
        barrier.wait()
        answers[i] = pay.post(kind, body)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(a is not None for a in answers), "a request did not finish"
    return answers


# --- STK: the whole flow, duplicates and order ------------------------------------------------


def test_stk_payment_is_credited_once_whatever_the_callbacks_do(
    pay: PayServer, session: Session
) -> None:
    lease, tenant = _tenant_lease(session)
    assert _balance(session, lease.id) == RENT

    pushed = pay.pay(session, tenant, 2_500, OK_PHONE)
    assert pushed.phone == "254712347777" and pushed.account_ref == lease.account_ref
    paid = pay.settled(pushed)

    assert paid.status == PaymentStatus.PAID
    assert (paid.result_code, paid.result_desc) == ("0", "Paid")
    assert paid.receipt_no and paid.receipt_no.startswith("RCP-")
    sim = pay.sim_row(paid.checkout_request_id or "")
    assert paid.mpesa_receipt == sim.receipt and sim.callback_result == "HTTP 200"
    assert _credits(session, lease.id) == [(paid.id, -2_500)]
    assert _balance(session, lease.id) == RENT - 2_500
    [email] = _receipt_emails(session, paid)
    assert email.to_email == tenant.email and email.kind == "payment_receipt"
    assert paid.receipt_no in email.subject and f"/api/receipts/{paid.id}.pdf" in email.body
    assert pay.tasks.named("send_email").count((email.id,)) == 1
    f.assert_ledger_exact(session, lease.id)

    # Exactly what the simulator posted, answered 200 "Accepted".
    [original] = pay.calls("stk", paid.checkout_request_id)
    assert original.status == 200 and json.loads(original.answer) == ACCEPTED
    assert original.body == json.dumps(sim_stk.callback_payload(sim)).encode()

    # The same callback again, one after the other …
    for _ in range(3):
        again = pay.post("stk", original.body)
        assert again.status_code == 200 and again.json() == ACCEPTED
    # … and ten at once.
    for answer in _post_together(pay, "stk", original.body):
        assert answer.status_code == 200 and answer.json() == ACCEPTED
    after = pay.payment(paid.id)
    assert (after.status, after.receipt_no, after.mpesa_receipt) == (
        PaymentStatus.PAID,
        paid.receipt_no,
        paid.mpesa_receipt,
    )
    assert _credits(session, lease.id) == [(paid.id, -2_500)]
    assert len(_receipt_emails(session, paid)) == 1
    assert pay.tasks.named("send_email").count((email.id,)) == 1

    # A failure arriving after the success never downgrades it.
    for code in (1032, 1037, 2001, 1):
        late = pay.post("stk", f.callback_for(paid, code))
        assert late.status_code == 200
    assert pay.payment(paid.id).status == PaymentStatus.PAID
    assert pay.payment(paid.id).result_code == "0"
    assert _balance(session, lease.id) == RENT - 2_500
    f.assert_ledger_exact(session, lease.id)

    # The simulator's duplicate rule (0006): Daraja's sender posts the same callback twice.
    twice = pay.settled(pay.pay(session, tenant, 1_500, DUPLICATED), callbacks=2)
    calls = pay.calls("stk", twice.checkout_request_id)
    assert [c.status for c in calls] == [200, 200] and calls[0].body == calls[1].body
    assert twice.status == PaymentStatus.PAID
    assert _credits(session, lease.id) == [(paid.id, -2_500), (twice.id, -1_500)]
    assert len(_all_receipt_emails(session)) == 2
    f.assert_ledger_exact(session, lease.id)


def test_failure_outcomes_then_a_late_success(pay: PayServer, session: Session) -> None:
    lease, tenant = _tenant_lease(session)
    expected = {
        CANCEL: ("1032", "You cancelled the M-Pesa prompt."),
        INSUFFICIENT: ("1", "Not enough money in your M-Pesa account."),
        WRONG_PIN: ("2001", "Wrong M-Pesa PIN entered."),
        TIMEOUT: ("1037", result_message("1037")),
    }
    failed: list[Payment] = []
    for phone, (code, message) in expected.items():
        payment = pay.settled(pay.pay(session, tenant, 1_000, phone))
        assert payment.status == PaymentStatus.FAILED, phone
        assert (payment.result_code, payment.result_desc) == (code, message), phone
        assert payment.receipt_no is None and payment.mpesa_receipt is None
        failed.append(payment)
    assert "unlocked" in expected[TIMEOUT][1]  # the timeout says what to do
    assert _credits(session, lease.id) == [] and _balance(session, lease.id) == RENT
    assert _all_receipt_emails(session) == []
    f.assert_ledger_exact(session, lease.id)

    # A success after a failure or a timeout: the money did move, so it is credited (once).
    for payment in failed:
        body = f.callback_for(payment, 0)
        for _ in range(2):
            assert pay.post("stk", body).status_code == 200
        now = pay.payment(payment.id)
        assert now.status == PaymentStatus.PAID and now.receipt_no
    assert sorted(_credits(session, lease.id)) == sorted((p.id, -1_000) for p in failed)
    assert _balance(session, lease.id) == RENT - 4_000
    f.assert_ledger_exact(session, lease.id)


def test_mismatched_amount_or_phone_goes_to_review(pay: PayServer, session: Session) -> None:
    lease, tenant = _tenant_lease(session)
    manager = f.member(session, session.get(Property, lease.property_id), Role.MANAGER)

    # DROPPED: the simulator answers but never posts; the test posts the forged callbacks.
    short = pay.settled(pay.pay(session, tenant, 5_000, DROPPED), callbacks=0)
    assert short.status == PaymentStatus.PENDING
    assert pay.post("stk", f.callback_for(short, 0, amount=1)).status_code == 200
    flagged = pay.payment(short.id)
    assert flagged.status == PaymentStatus.REVIEW
    assert "amount 1 ≠ 5000" in flagged.result_desc and flagged.receipt_no is None
    # The genuine callback arriving later does not credit it behind the manager's back.
    genuine = sim_stk.callback_payload(pay.sim_row(short.checkout_request_id or ""))
    assert pay.post("stk", genuine).status_code == 200
    assert pay.payment(short.id).status == PaymentStatus.REVIEW

    other_phone = pay.settled(pay.pay(session, tenant, 3_000, DROPPED), callbacks=0)
    body = f.callback_for(other_phone, 0, phone="254799999999")
    assert pay.post("stk", body).status_code == 200
    flagged_phone = pay.payment(other_phone.id)
    assert flagged_phone.status == PaymentStatus.REVIEW
    assert "phone 254799999999 ≠ 254712340005" in flagged_phone.result_desc

    assert _credits(session, lease.id) == [] and _balance(session, lease.id) == RENT
    assert _all_receipt_emails(session) == []
    f.assert_ledger_exact(session, lease.id)

    # Reconciliation leaves review payments alone; a manager decides.
    assert stk.reconcile_pending(session, client_from_settings(), older_than_s=0) == {
        "paid": 0,
        "failed": 0,
        "pending": 0,
        "unconfirmed": 0,
    }
    reviews.resolve_review(session, manager, other_phone.id or 0, accept=True)
    reviews.resolve_review(session, manager, short.id or 0, accept=False)
    assert pay.payment(other_phone.id).status == PaymentStatus.PAID
    assert pay.payment(short.id).status == PaymentStatus.FAILED
    assert _credits(session, lease.id) == [(other_phone.id, -3_000)]
    f.assert_ledger_exact(session, lease.id)


def test_accepting_a_short_payment_credits_what_was_paid(pay: PayServer, session: Session) -> None:
    lease, tenant = _tenant_lease(session)
    prop = session.get(Property, lease.property_id)
    assert prop is not None
    owner = session.get(User, prop.owner_id)
    short = pay.settled(pay.pay(session, tenant, 5_000, DROPPED), callbacks=0)
    assert pay.post("stk", f.callback_for(short, 0, amount=4_000)).status_code == 200
    flagged = pay.payment(short.id)
    assert (flagged.status, flagged.amount, flagged.received_amount) == (
        PaymentStatus.REVIEW,
        5_000,
        4_000,
    )
    assert [p.id for p in reviews.visible_reviews(session, owner)] == [short.id]
    stranger = f.landlord(session)
    assert reviews.visible_reviews(session, stranger) == []

    reviews.resolve_review(session, owner, short.id or 0, accept=True)
    paid = pay.payment(short.id)
    assert (paid.status, paid.amount) == (PaymentStatus.PAID, 4_000) and paid.receipt_no
    assert _credits(session, lease.id) == [(short.id, -4_000)]
    assert _balance(session, lease.id) == RENT - 4_000
    with Session(session.get_bind()) as s:
        [body] = s.exec(
            select(EmailMessage.body).where(EmailMessage.kind == "payment_receipt")
        ).all()
    assert "KES 4,000" in body
    assert reviews.visible_reviews(session, owner) == []
    f.assert_ledger_exact(session, lease.id)


def test_bad_requests_write_nothing_and_a_lost_callback_is_reconciled(
    pay: PayServer, session: Session
) -> None:
    lease, tenant = _tenant_lease(session)
    lost = pay.settled(pay.pay(session, tenant, 4_000, DROPPED), callbacks=0)
    assert lost.status == PaymentStatus.PENDING
    sim = pay.sim_row(lost.checkout_request_id or "")
    assert sim.status == "answered" and sim.result_code == "0" and sim.callback_sent_at is None
    genuine = sim_stk.callback_payload(sim)

    before = f.db_snapshot(session)
    for junk in (
        b"{not json",
        b"",
        b"\xff\xfe",
        b"[]",
        b'{"Body": {}}',
        json.dumps(
            {"Body": {"stkCallback": {"CheckoutRequestID": lost.checkout_request_id}}}
        ).encode(),
        # A "success" without Amount/receipt is not a success.
        json.dumps(f.stk_callback_body(lost.checkout_request_id or "", 0))
        .replace('"MpesaReceiptNumber"', '"Other"')
        .encode(),
    ):
        answer = pay.post("stk", junk)
        assert answer.status_code == 400, junk
        assert answer.json()["ResultCode"] != 0
    for junk in (b"{not json", b"[]", json.dumps({"TransID": "X1"}).encode()):
        assert pay.post("c2b/confirmation", junk).status_code == 400, junk

    # A wrong (or old, or empty-looking) token: 404 and nothing done, whatever the body.
    for token in (pay.token[:-1] + ("0" if pay.token[-1] != "0" else "1"), "x", pay.token.upper()):
        for kind, body in (
            ("stk", genuine),
            ("c2b/confirmation", f.c2b_body(lease.account_ref, 999)),
            ("c2b/validation", f.c2b_body(lease.account_ref, 999)),
        ):
            answer = pay.post(kind, body, token=token)
            assert answer.status_code == 404, (token, kind)
            assert "Result" not in answer.text

    # An unknown CheckoutRequestID: acknowledged (Daraja must stop) and kept aside in case its
    # push's answer is stored later; no effect on any payment or ledger.
    unknown = f.stk_callback_body("ws_CO_000000000000000000000", 0, amount=4_000)
    answer = pay.post("stk", unknown)
    assert answer.status_code == 200 and answer.json() == ACCEPTED
    after = f.db_snapshot(session)
    kept = after.pop("early_stk_callbacks")
    assert [row[0] for row in kept] == ["ws_CO_000000000000000000000"]
    assert after == {k: v for k, v in before.items() if k != "early_stk_callbacks"}
    assert pay.payment(lost.id).status == PaymentStatus.PENDING

    # The callback never came: the reconciler asks M-Pesa and credits the payment, once.
    client = client_from_settings()
    assert stk.reconcile_pending(session, client, older_than_s=0) == {
        "paid": 1,
        "failed": 0,
        "pending": 0,
        "unconfirmed": 0,
    }
    assert stk.reconcile_pending(session, client, older_than_s=0)["paid"] == 0
    paid = pay.payment(lost.id)
    assert paid.status == PaymentStatus.PAID and paid.receipt_no
    assert _credits(session, lease.id) == [(lost.id, -4_000)]
    assert len(_receipt_emails(session, paid)) == 1

    # The late callback adds the M-Pesa receipt and credits nothing more.
    assert pay.post("stk", genuine).status_code == 200
    assert pay.payment(lost.id).mpesa_receipt == sim.receipt
    assert _credits(session, lease.id) == [(lost.id, -4_000)]
    assert _balance(session, lease.id) == RENT - 4_000
    f.assert_ledger_exact(session, lease.id)


def test_source_ip_allow_list(
    pay: PayServer, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With MPESA_ALLOWED_IPS set, only Safaricom's addresses may post; X-Forwarded-For is
    believed only as far as TRUSTED_PROXY_HOPS of our own proxies reach."""
    lease, tenant = _tenant_lease(session)
    payment = pay.settled(pay.pay(session, tenant, 600, DROPPED), callbacks=0)
    genuine = sim_stk.callback_payload(pay.sim_row(payment.checkout_request_id or ""))
    monkeypatch.setenv("MPESA_ALLOWED_IPS", "196.201.212.0/24,196.201.213.0/24")
    monkeypatch.delenv("TRUSTED_PROXY_HOPS", raising=False)
    get_settings.cache_clear()

    def post(forwarded: str | None) -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return pay.post("stk", genuine, headers=headers).status_code

    assert post(None) == 404  # 127.0.0.1 is not Safaricom
    assert post("196.201.212.10") == 404  # no proxy of ours: the header is the sender's word
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "1")
    assert post("196.201.212.10, 10.9.8.7") == 404  # our proxy saw 10.9.8.7
    assert post("not-an-ip") == 404
    assert pay.payment(payment.id).status == PaymentStatus.PENDING
    assert post("10.9.8.7, 196.201.213.77") == 200  # our proxy saw a Safaricom address
    assert pay.payment(payment.id).status == PaymentStatus.PAID
    f.assert_ledger_exact(session, lease.id)


def test_reconciler_waits_for_open_prompts_and_fails_refused_ones(
    pay: PayServer, session: Session
) -> None:
    """While the person has not answered, the query says 4999 or HTTP 500 "being processed":
    the payment stays pending. Once M-Pesa knows the outcome, a failure is recorded with the
    payer's message (mapped from ResultCode, not from the query's different wording)."""
    lease, tenant = _tenant_lease(session)
    payment = pay.settled(pay.pay(session, tenant, 700, DROPPED), callbacks=0)

    def sim_answer(**values: object) -> None:
        with Session(pay.engine) as s:
            row = sim_stk.find(s, payment.checkout_request_id or "")
            assert row is not None
            for key, value in values.items():
                setattr(row, key, value)
            s.add(row)
            s.commit()

    sim_answer(status="pending")  # as if the prompt were still on the phone
    client = client_from_settings()
    for _ in range(2):  # both forms of "no answer yet"
        stats = stk.reconcile_pending(session, client, older_than_s=0)
        assert stats == {"paid": 0, "failed": 0, "pending": 1, "unconfirmed": 0}
        assert pay.payment(payment.id).status == PaymentStatus.PENDING
    assert pay.sim_row(payment.checkout_request_id or "").query_count == 2

    sim_answer(status="answered", result_code="1032", receipt=None)
    stats = stk.reconcile_pending(session, client, older_than_s=0)
    assert stats == {"paid": 0, "failed": 1, "pending": 0, "unconfirmed": 0}
    failed = pay.payment(payment.id)
    assert (failed.status, failed.result_code, failed.result_desc) == (
        PaymentStatus.FAILED,
        "1032",
        "You cancelled the M-Pesa prompt.",
    )
    assert _credits(session, lease.id) == []
    f.assert_ledger_exact(session, lease.id)


# --- paybill (C2B) ----------------------------------------------------------------------------


def _confirmations(pay: PayServer) -> list[Call]:
    return pay.calls("c2b/confirmation")


def test_paybill_is_credited_once_and_unknown_accounts_are_queued(
    pay: PayServer, session: Session
) -> None:
    lease, _tenant = _tenant_lease(session)
    prop = session.get(Property, lease.property_id)
    manager = f.member(session, prop, Role.MANAGER)
    client = client_from_settings()
    client.register_c2b_urls(pay.url("c2b/confirmation"), pay.url("c2b/validation"))

    client.simulate_c2b(3_000, "0708374149", lease.account_ref.lower())  # typed in lower case
    [confirmation] = until(lambda: _confirmations(pay), "the C2B confirmation")
    assert delivery.wait_idle(5)
    [validation] = pay.calls("c2b/validation")
    assert validation.status == 200
    assert json.loads(validation.answer) == {"ResultCode": "0", "ResultDesc": "Accepted"}
    assert confirmation.status == 200
    assert json.loads(confirmation.answer) == {"ResultCode": 0, "ResultDesc": "Success"}
    trans_id = json.loads(confirmation.body)["TransID"]
    with Session(pay.engine) as s:
        [payment] = s.exec(select(Payment).where(Payment.trans_id == trans_id)).all()
    assert (payment.status, payment.lease_id, payment.amount) == (
        PaymentStatus.PAID,
        lease.id,
        3_000,
    )
    assert payment.payer_name == "John Doe" and payment.receipt_no

    # Posted again (M-Pesa does not, a replay might): one payment, one credit.
    assert pay.post("c2b/confirmation", confirmation.body).status_code == 200
    for answer in _post_together(pay, "c2b/confirmation", confirmation.body, 5):
        assert answer.status_code == 200
    # A fresh TransID arriving several times at once: still exactly one payment.
    fresh = json.dumps(f.c2b_body(lease.account_ref, 700, trans_id="QWE1234567")).encode()
    for answer in _post_together(pay, "c2b/confirmation", fresh, 8):
        assert answer.status_code == 200
    with Session(pay.engine) as s:
        rows = s.exec(
            select(Payment.trans_id).where(col(Payment.trans_id).in_([trans_id, "QWE1234567"]))
        ).all()
    assert sorted(rows) == sorted([trans_id, "QWE1234567"])
    assert [amount for _pid, amount in _credits(session, lease.id)] == [-3_000, -700]
    assert _balance(session, lease.id) == RENT - 3_700
    f.assert_ledger_exact(session, lease.id)

    # An account number nobody has: queued for a manager, never lost, not credited.
    typo = lease.account_ref.split("-")[0] + "-ZZ9"
    client.simulate_c2b(1_200, "0708374149", typo)
    until(lambda: [c for c in _confirmations(pay) if typo.encode() in c.body], "its confirmation")
    assert delivery.wait_idle(5)
    with Session(pay.engine) as s:
        queued = s.exec(select(Payment).where(Payment.account_ref == typo)).one()
    assert queued.status == PaymentStatus.UNALLOCATED and queued.lease_id is None
    assert queued.property_id == lease.property_id  # guessed from the account's prefix
    assert _balance(session, lease.id) == RENT - 3_700

    assigned = paybill.assign_unallocated(session, manager, queued.id or 0, lease.id or 0)
    assert assigned.status == PaymentStatus.PAID and assigned.lease_id == lease.id
    with pytest.raises(ServiceError):
        paybill.assign_unallocated(session, manager, queued.id or 0, lease.id or 0)
    assert _balance(session, lease.id) == RENT - 4_900
    assert sum(1 for pid, _ in _credits(session, lease.id) if pid == queued.id) == 1
    f.assert_ledger_exact(session, lease.id)
