"""Errors a payer can act on (#11.6), through the services, the push task and the pages, with
Daraja mocked at the HTTP layer: another prompt open on the phone (no re-push for a minute, per
phone, lease and booking), and setup errors shown to the landlord, not the tenant, never
retried. The clock is the app's (moved with monkeypatch), so the minute is exact."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from pms_app import worker
from pms_app.accounts.models import User
from pms_app.bookings.paying import start_booking_payment
from pms_app.core import clock
from pms_app.core.errors import ServiceError
from pms_app.core.i18n import gettext_in
from pms_app.integrations.daraja_wire import PROMPT_OPEN, SETUP_PROBLEM, parse_stk_callback
from pms_app.leases.models import Lease
from pms_app.payments import callbacks, setup_problems, stk
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.prompt_guard import PROMPT_OPEN_WAIT_S
from pms_app.ui.payments.pay import PayState
from pms_app.ui.payments.payments_state import PaymentsState
from tests import factories as f
from tests.asyncio_helpers import settle
from tests.factories import state_for
from tests.unit.payments import daraja_http as d

PHONE, MSISDN = "0708374149", "254708374149"


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """at(s): the app's clock stands s seconds after the test began."""
    start = clock.now()
    moment = [start]
    monkeypatch.setattr(clock, "now", lambda: moment[0])

    def move(seconds: float) -> None:
        moment[0] = start + timedelta(seconds=seconds)

    return move


def _tenant(session: Session, lease: Lease) -> User:
    user = session.get(User, lease.tenant_id)
    assert user is not None
    return user


def _row(session: Session, payment_id: int | None) -> Payment:
    with Session(session.get_bind()) as s:
        row = s.get(Payment, payment_id)
        assert row is not None
        return row


def _refused(session: Session, user: User, phone: str) -> str:
    with pytest.raises(ServiceError) as err:
        stk.start_stk_payment(session, user, 500, phone)
    session.rollback()
    return err.value.message


def test_a_prompt_open_on_the_phone_holds_new_pushes_for_a_minute(
    session: Session, monkeypatch: pytest.MonkeyPatch, tasks: f.TaskLog, at: Callable[[float], None]
) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, 200, d.TOKEN_OK).on(d.STK, 500, d.LOCKED).on(d.STK, 200, d.PUSH_OK)
    lease = f.lease(session)
    tenant = _tenant(session, lease)
    neighbour = _tenant(session, f.lease(session))
    at(0)
    first = stk.start_stk_payment(session, tenant, 500, PHONE)
    assert worker.send_stk_push.run(first.id) == "prompt open"
    assert tasks.later == []  # never re-pushed by the task's backoff
    row = _row(session, first.id)
    assert (row.status, row.result_code, row.result_desc) == ("failed", "1001", PROMPT_OPEN)

    at(PROMPT_OPEN_WAIT_S - 1)
    assert _refused(session, tenant, PHONE) == PROMPT_OPEN  # the phone and the lease
    assert _refused(session, tenant, "0722000000") == PROMPT_OPEN  # the lease, another phone
    assert _refused(session, neighbour, PHONE) == PROMPT_OPEN  # the phone, another lease
    assert len(wire.to(d.STK)) == 1

    at(PROMPT_OPEN_WAIT_S + 1)
    again = stk.start_stk_payment(session, tenant, 500, PHONE)
    assert worker.send_stk_push.run(again.id) == "sent"
    assert len(wire.to(d.STK)) == 2
    assert _row(session, again.id).checkout_request_id == d.PUSH_OK["CheckoutRequestID"]
    # Someone else's phone was never held.
    assert stk.start_stk_payment(session, neighbour, 500, "0722000000").id


def test_a_1001_callback_holds_the_phone_too_and_the_payer_reads_what_to_do(
    session: Session, at: Callable[[float], None]
) -> None:
    lease = f.lease(session)
    tenant = _tenant(session, lease)
    at(0)
    p = f.stk_payment(session, lease, 500, phone=MSISDN)
    body = f.stk_callback_body(p.checkout_request_id or "", 1001)
    body["Body"]["stkCallback"]["ResultDesc"] = (  # type: ignore[index]
        "[STK_CB - ]Unable to lock subscriber, a transaction is already in process"
    )
    callbacks.process_stk_callback(session, parse_stk_callback(body))
    assert _row(session, p.id).result_desc == PROMPT_OPEN
    at(30)
    assert _refused(session, tenant, PHONE) == PROMPT_OPEN

    # The Rent page: the refusal in its banner (the one error path), the failed prompt's words.
    st = state_for(PayState, f.login_token(session, tenant))
    st._current_id = p.id
    settle(st.load())
    assert st.current["message"] == PROMPT_OPEN
    settle(st.pay(f.keyed(st, {"amount": "500", "phone": PHONE})))
    assert st.error == PROMPT_OPEN and not {"amount", "phone"} & set(st.errors)
    sw = gettext_in("sw", PROMPT_OPEN)
    assert sw != PROMPT_OPEN and "M-Pesa" in sw


def test_a_booking_fee_is_held_by_the_same_phone(
    session: Session, at: Callable[[float], None]
) -> None:
    bw = f.book_world(session)
    at(0)
    session.add(
        Payment(
            method=PaymentMethod.STK,
            status=PaymentStatus.FAILED,
            amount=700,
            phone=MSISDN,
            result_code="1001",
            result_desc=PROMPT_OPEN,
        )
    )
    session.commit()
    at(10)
    with pytest.raises(ServiceError) as err:
        start_booking_payment(session, bw.w.tenant, bw.held.id or 0, PHONE)
    assert err.value.message == PROMPT_OPEN
    at(PROMPT_OPEN_WAIT_S + 1)
    assert start_booking_payment(session, bw.w.tenant, bw.held.id or 0, PHONE).id


def test_a_prompt_pending_on_the_phone_for_another_lease_is_not_doubled(
    session: Session, at: Callable[[float], None]
) -> None:
    at(0)
    stk.start_stk_payment(session, _tenant(session, f.lease(session)), 500, PHONE)
    at(20)
    assert _refused(session, _tenant(session, f.lease(session)), PHONE) == PROMPT_OPEN


@pytest.mark.parametrize(
    ("oauth", "push", "code", "words"),
    [
        ((200, d.TOKEN_OK), (401, d.NO_PRODUCT), "401.003.01", "lacks this product"),
        ((400, ""), None, "auth_failed", "rejected the consumer key or secret"),
        ((200, d.HTML), None, "not_json", "answered with a web page"),
    ],
)
def test_a_setup_error_is_the_landlords_never_the_tenants_and_never_retried(
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tasks: f.TaskLog,
    oauth: tuple[int, object],
    push: tuple[int, object] | None,
    code: str,
    words: str,
) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, *oauth)
    if push:
        wire.on(d.STK, *push)
    lease = f.lease(session)
    tenant, owner = _tenant(session, lease), f.owner_of(session, lease)
    payment = stk.start_stk_payment(session, tenant, 500, PHONE)
    with caplog.at_level(logging.ERROR, logger="pms_app.payments.stk"):
        assert worker.send_stk_push.run(payment.id) == "setup problem"
    assert tasks.later == []
    row = _row(session, payment.id)
    assert (row.status, row.result_code, row.result_desc) == ("failed", code, SETUP_PROBLEM)
    assert words in caplog.text and d.SECRET not in caplog.text

    # The tenant reads that it is not his phone (no code); the landlord what to fix.
    st = state_for(PayState, f.login_token(session, tenant))
    st._current_id = payment.id
    settle(st.load())
    assert st.current["message"] == SETUP_PROBLEM and code not in st.current["message"]
    notice = setup_problems.setup_problem(session, owner)
    assert notice is not None and notice.refused == 1 and words in notice.problem.text()
    assert setup_problems.setup_problem(session, tenant) is None
    assert setup_problems.setup_problem(session, _tenant(session, f.lease(session))) is None
    page = state_for(PaymentsState, f.login_token(session, owner))
    settle(page.load())
    assert words in page.mpesa_problem and "(refused: 1, the last" in page.mpesa_problem


def test_the_notice_ends_once_a_push_gets_through(
    session: Session, monkeypatch: pytest.MonkeyPatch, at: Callable[[float], None]
) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, 200, d.TOKEN_OK).on(d.STK, 401, d.NO_PRODUCT).on(d.STK, 200, d.PUSH_OK)
    lease = f.lease(session)
    tenant, owner = _tenant(session, lease), f.owner_of(session, lease)
    at(0)
    refused = stk.start_stk_payment(session, tenant, 500, PHONE)
    assert worker.send_stk_push.run(refused.id) == "setup problem"
    assert setup_problems.setup_problem(session, owner) is not None
    at(5)  # not held like a lock: the tenant may try again at once (the landlord fixed it)
    fixed = stk.start_stk_payment(session, tenant, 500, PHONE)
    assert worker.send_stk_push.run(fixed.id) == "sent"
    assert setup_problems.setup_problem(session, owner) is None
    assert len(wire.to(d.STK)) == 2
    ids = session.exec(select(Payment.id).order_by(col(Payment.id))).all()
    assert ids == [refused.id, fixed.id]


def test_setup_refusals_older_than_a_day_are_history(
    session: Session, monkeypatch: pytest.MonkeyPatch, at: Callable[[float], None]
) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, 400, "")
    lease = f.lease(session)
    at(0)
    payment = stk.start_stk_payment(session, _tenant(session, lease), 500, PHONE)
    assert worker.send_stk_push.run(payment.id) == "setup problem"
    at(setup_problems.RECENT.total_seconds() + 1)
    assert setup_problems.setup_problem(session, f.owner_of(session, lease)) is None
