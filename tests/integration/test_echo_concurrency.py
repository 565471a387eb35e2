"""The STK echo at the same moment (#11.1), on SQLite and PostgreSQL: an STK payment's callback
and its paybill confirmation (TransID = the receipt), each possibly twice, released together
from threads with their own sessions. Every round credits the money exactly once, nothing
raises (the confirmation would be answered 500), and the ledger stays exact."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from pms_app.integrations.daraja_wire import parse_c2b, parse_stk_callback
from pms_app.ledger import service as ledger
from pms_app.payments import callbacks, paybill
from pms_app.payments.models import Payment, PaymentStatus
from tests import factories as f
from tests.concurrency import race

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

RENT = 500_000


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)  # receipts stay email rows: no sender in the race


def _stk(body: dict[str, object]) -> Callable[[Session], object]:
    return lambda s: callbacks.process_stk_callback(s, parse_stk_callback(body))


def _c2b(body: dict[str, str]) -> Callable[[Session], object]:
    return lambda s: paybill.process_c2b_confirmation(s, parse_c2b(body)).id


@pytest.mark.parametrize("copies", [1, 2], ids=["once", "twice"])
def test_callback_and_echo_at_the_same_moment_credit_once(
    engine: Engine, session: Session, copies: int
) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    lid = lease.id or 0
    rounds, paid = 6, 0
    for i in range(rounds):
        amount = 1_000 + i
        p = f.stk_payment(session, lease, amount=amount, phone="254712345678")
        receipt = f"SKRACE{i:04d}"
        stk_body = f.callback_for(p, 0, receipt=receipt)
        echo = f.echo_body(p, receipt)
        work = [_stk(stk_body), _c2b(echo)] * copies
        if i % 2:
            work.reverse()  # the other one starts first
        results = race(engine, work)
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == [], errors
        assert {r for r in results if isinstance(r, int)} == {p.id}  # the echo found the payment
        paid += amount
        session.expire_all()
        holders = session.exec(select(Payment).where(Payment.mpesa_receipt == receipt)).all()
        assert [(h.id, h.status) for h in holders] == [(p.id, PaymentStatus.PAID)]
        assert ledger.balance(session, lid) == RENT - paid, f"round {i}"
    assert len(session.exec(select(Payment)).all()) == rounds
    f.assert_ledger_exact(session, lid)


def test_an_echo_with_no_waiting_payment_racing_its_callback_credits_once(
    engine: Engine, session: Session
) -> None:
    """The STK payment is outside the echo window, so the echo becomes a paybill payment of its
    own while the callback credits the STK payment: the receipt is unique, one of them loses
    and settles on the other's row."""
    lease = f.lease(session, rent=RENT, due_day=1)
    lid = lease.id or 0
    paid = 0
    for i in range(4):
        amount = 2_000 + i
        p = f.stk_payment(session, lease, amount=amount, phone="254712345678", age_s=3_600)
        receipt = f"SKLATE{i:04d}"
        work = [_stk(f.callback_for(p, 0, receipt=receipt)), _c2b(f.echo_body(p, receipt))]
        results = race(engine, work if i % 2 else work[::-1])
        assert [r for r in results if isinstance(r, BaseException)] == []
        paid += amount
        session.expire_all()
        holders = session.exec(select(Payment).where(Payment.mpesa_receipt == receipt)).all()
        assert [h.status for h in holders] == [PaymentStatus.PAID]
        assert ledger.balance(session, lid) == RENT - paid, f"round {i}"
        # Nothing is left for the reconciler or a manager to credit again.
        left = session.exec(
            select(Payment).where(
                Payment.lease_id == lid,
                Payment.status.in_(("pending", "review", "unallocated")),  # type: ignore[attr-defined]
            )
        ).all()
        assert left == []
    f.assert_ledger_exact(session, lid)
