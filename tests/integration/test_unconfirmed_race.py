"""A manager marks an unconfirmed payment paid at the very moment M-Pesa's late callback (or the
paybill echo) for it arrives, on SQLite and PostgreSQL: the money is credited once, the loser
gets a clean refusal (never a database error), and the ledger stays exact."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from pms_app.accounts.models import User
from pms_app.core.errors import ServiceError
from pms_app.integrations.daraja_wire import parse_c2b, parse_stk_callback
from pms_app.ledger import service as ledger
from pms_app.payments import callbacks, paybill, unconfirmed
from pms_app.payments.models import Payment, PaymentStatus
from tests import factories as f
from tests.concurrency import race

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)  # receipts stay email rows: no sender in the race


def _mark(manager_id: int, payment_id: int, receipt: str) -> Callable[[Session], object]:
    def call(s: Session) -> object:
        return unconfirmed.mark_paid(s, s.get(User, manager_id), payment_id, receipt).id

    return call


def _late(kind: str, p: Payment, receipt: str) -> Callable[[Session], object]:
    if kind == "callback":
        body = f.callback_for(p, 0, receipt=receipt)
        return lambda s: callbacks.process_stk_callback(s, parse_stk_callback(body))
    echo = f.echo_body(p, receipt)
    return lambda s: paybill.process_c2b_confirmation(s, parse_c2b(echo)).id


@pytest.mark.parametrize("late", ["callback", "echo"])
def test_marking_paid_while_the_late_message_arrives_credits_once(
    engine: Engine, session: Session, late: str
) -> None:
    pw = f.pay_world(session)
    lid = pw.lease.id or 0
    manager_id = pw.w.manager.id or 0
    for i in range(4):
        start = ledger.balance(session, lid)
        p = f.stk_payment(session, pw.lease, amount=3_000 + i, status=PaymentStatus.UNCONFIRMED)
        receipt = f"SKMARK{i:04d}"
        work = [_mark(manager_id, p.id or 0, receipt), _late(late, p, receipt)]
        results = race(engine, work if i % 2 else work[::-1])
        refused = [r for r in results if isinstance(r, ServiceError)]  # the loser, if any
        assert [r for r in results if isinstance(r, BaseException) and r not in refused] == []
        session.expire_all()
        holders = session.exec(select(Payment).where(Payment.mpesa_receipt == receipt)).all()
        assert [(h.id, h.status) for h in holders] == [(p.id, PaymentStatus.PAID)], f"round {i}"
        assert ledger.balance(session, lid) == start - (3_000 + i), f"round {i}"
    f.assert_ledger_exact(session, lid)
