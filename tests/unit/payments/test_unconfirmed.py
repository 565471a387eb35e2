"""#11.7: reconciliation that ends. A pushed payment M-Pesa never answers for (4999, "does not
exist", no callback) is asked about for a bounded time, then becomes unconfirmed; a manager marks
it paid (receipt number: validated, unique, credited once) or failed, both audited."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlmodel import Session, select

from pms_app.core import clock
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.core.models import AuditEvent
from pms_app.integrations.daraja import DarajaError
from pms_app.integrations.daraja_wire import StkQueryResult, parse_c2b, parse_stk_callback
from pms_app.ledger import service as ledger
from pms_app.payments import callbacks, paybill, stk, unconfirmed
from pms_app.payments.matching import ECHO_RECORDED, shown_status
from pms_app.payments.models import Payment, PaymentStatus
from tests import factories as f

DAY = 24 * 3600


@dataclass
class Silent:
    """Daraja that never knows: 4999 for one id, "does not exist" (500.001.1001) for others."""

    answering_4999: set[str] = field(default_factory=set)
    queries: list[str] = field(default_factory=list)

    def stk_query(self, checkout_request_id: str) -> StkQueryResult:
        self.queries.append(checkout_request_id)
        if checkout_request_id in self.answering_4999:
            return StkQueryResult(True, "4999", "The transaction is being processed")
        raise DarajaError("500.001.1001", "The transaction does not Exist", 500, True)


def _fresh(session: Session, p: Payment) -> Payment:
    with Session(session.get_bind()) as s:
        row = s.get(Payment, p.id)
        assert row is not None
        return row


def test_the_reconciler_gives_up_after_the_bounded_time(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=1)
    a = f.stk_payment(session, lease, amount=1_000, age_s=120)
    b = f.stk_payment(session, lease, amount=2_000, age_s=120)
    client = Silent({a.checkout_request_id or ""})
    # Within the day: asked each round, still pending.
    with clock.shifted(0):
        stats = stk.reconcile_pending(session, client, unconfirmed_after_s=DAY)  # type: ignore[arg-type]
    assert stats == {"paid": 0, "failed": 0, "pending": 2, "unconfirmed": 0}
    with clock.shifted(1):  # a day (and two minutes) later: given up, left for a manager
        stats = stk.reconcile_pending(session, client, unconfirmed_after_s=DAY)  # type: ignore[arg-type]
        assert stats == {"paid": 0, "failed": 0, "pending": 0, "unconfirmed": 2}
        for p in (a, b):
            row = _fresh(session, p)
            assert (row.status, row.result_desc) == (
                PaymentStatus.UNCONFIRMED,
                stk.UNCONFIRMED_TEXT,
            )
        asked = len(client.queries)
        # ...and no longer asked about.
        assert stk.reconcile_pending(session, client, unconfirmed_after_s=DAY)["pending"] == 0  # type: ignore[arg-type]
        assert len(client.queries) == asked
    f.assert_ledger_exact(session, lease.id)


def test_the_default_bound_is_a_setting() -> None:
    from pms_app.core.settings import get_settings

    assert get_settings().unconfirmed_after_s == DAY


def _unconfirmed(session: Session, pw: f.PayWorld, amount: int = 3_333) -> Payment:
    return f.stk_payment(session, pw.lease, amount=amount, status=PaymentStatus.UNCONFIRMED)


def test_mark_paid_credits_once_with_an_audit_row(session: Session) -> None:
    pw = f.pay_world(session)
    p = _unconfirmed(session, pw)
    before = ledger.balance(session, pw.lease.id or 0)
    done = unconfirmed.mark_paid(session, pw.w.manager, p.id or 0, " nlj7 rt61sv ")
    assert (done.status, done.mpesa_receipt) == (PaymentStatus.PAID, "NLJ7RT61SV")
    assert done.receipt_no
    assert ledger.balance(session, pw.lease.id or 0) == before - 3_333
    with pytest.raises(ServiceError, match="no longer unconfirmed"):
        unconfirmed.mark_paid(session, pw.w.manager, p.id or 0, "NLJ7RT61SW")
    with pytest.raises(ServiceError, match="no longer unconfirmed"):
        unconfirmed.mark_failed(session, pw.w.owner, p.id or 0)
    assert ledger.balance(session, pw.lease.id or 0) == before - 3_333
    [event] = session.exec(select(AuditEvent).where(AuditEvent.object_id == p.id)).all()
    assert (event.action, event.actor_user_id, event.reason) == (
        "mark_paid",
        pw.w.manager.id,
        "M-Pesa receipt NLJ7RT61SV",
    )
    assert (event.before["status"], event.after["status"]) == ("unconfirmed", "paid")
    f.assert_ledger_exact(session, pw.lease.id)


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "Type the M-Pesa"),
        ("12345", "10 letters"),
        ("1LJ7RT61SV", "10 letters"),
        ("NLJ7RT61SV!", "10 letters"),
    ],
)
def test_the_receipt_number_is_validated(session: Session, typed: str, why: str) -> None:
    pw = f.pay_world(session)
    p = _unconfirmed(session, pw)
    with pytest.raises(ValidationError, match=why) as err:
        unconfirmed.mark_paid(session, pw.w.manager, p.id or 0, typed)
    assert err.value.field == "receipt"
    assert _fresh(session, p).status == PaymentStatus.UNCONFIRMED


def test_a_receipt_already_used_is_refused(session: Session) -> None:
    pw = f.pay_world(session)
    p = _unconfirmed(session, pw)
    paybill = f.c2b_payment(session, "NOWHERE-1", 500, trans_id="QZX1234567")
    before = ledger.balance(session, pw.lease.id or 0)
    for used in ("SKPAID0001", paybill.trans_id or ""):  # an STK receipt, a paybill TransID
        with pytest.raises(ValidationError, match="already recorded") as err:
            unconfirmed.mark_paid(session, pw.w.manager, p.id or 0, used)
        assert err.value.field == "receipt"
    assert _fresh(session, p).status == PaymentStatus.UNCONFIRMED
    assert ledger.balance(session, pw.lease.id or 0) == before


def test_mark_failed_credits_nothing_and_is_audited(session: Session) -> None:
    pw = f.pay_world(session)
    p = _unconfirmed(session, pw)
    before = ledger.balance(session, pw.lease.id or 0)
    unconfirmed.mark_failed(session, pw.w.owner, p.id or 0)
    assert _fresh(session, p).status == PaymentStatus.FAILED
    assert ledger.balance(session, pw.lease.id or 0) == before
    [event] = session.exec(select(AuditEvent).where(AuditEvent.object_id == p.id)).all()
    assert (event.action, event.actor_user_id) == ("mark_failed", pw.w.owner.id)


def test_a_late_callback_still_credits_an_unconfirmed_payment(session: Session) -> None:
    pw = f.pay_world(session)
    p = _unconfirmed(session, pw)
    before = ledger.balance(session, pw.lease.id or 0)
    cb = parse_stk_callback(f.callback_for(p, receipt="LATE123456"))
    assert callbacks.process_stk_callback(session, cb) == "paid"
    assert ledger.balance(session, pw.lease.id or 0) == before - p.amount
    assert unconfirmed.visible_unconfirmed(session, pw.w.manager) == []


def test_its_line_on_an_imported_statement_settles_it_days_later(session: Session) -> None:
    """The statement's line is the payment's own receipt: it credits the unconfirmed STK row
    (no second payment, nothing left for a manager to mark), however old the push is."""
    pw = f.pay_world(session)
    p = f.stk_payment(
        session, pw.lease, amount=3_456, status=PaymentStatus.UNCONFIRMED, age_s=3 * 86_400
    )
    before = ledger.balance(session, pw.lease.id or 0)
    count = len(session.exec(select(Payment)).all())
    line = parse_c2b(f.echo_body(p, "STMT123456"))
    assert paybill.process_c2b_confirmation(session, line).id == p.id
    assert (_fresh(session, p).status, _fresh(session, p).mpesa_receipt) == ("paid", "STMT123456")
    assert ledger.balance(session, pw.lease.id or 0) == before - 3_456
    assert len(session.exec(select(Payment)).all()) == count
    assert unconfirmed.visible_unconfirmed(session, pw.w.manager) == []


def test_the_echo_closed_payment_is_shown_as_counted() -> None:
    assert shown_status(PaymentStatus.FAILED, ECHO_RECORDED) == "counted"
    assert shown_status(PaymentStatus.FAILED, "Request cancelled by user") == "failed"
    assert shown_status(PaymentStatus.UNCONFIRMED, "") == "unconfirmed"


def _line(status: str, result_desc: str = "") -> object:
    from pms_app.core.timestamps import utcnow
    from pms_app.payments.lease_view import PaymentLine

    return PaymentLine(1, utcnow(), 5_000, "mpesa_stk", status, "", "", "", result_desc, "")


def test_the_tenant_reads_being_checked_and_counted_not_failed() -> None:
    from pms_app.ui.payments.pay_state import payment_view

    waiting = payment_view(_line(PaymentStatus.UNCONFIRMED, stk.UNCONFIRMED_TEXT), "Africa/Nairobi")  # type: ignore[arg-type]
    assert (waiting["status"], waiting["label"]) == ("unconfirmed", "being checked")
    assert "no need to pay again" in waiting["message"]
    counted = payment_view(_line(PaymentStatus.FAILED, ECHO_RECORDED), "Africa/Nairobi")  # type: ignore[arg-type]
    assert (counted["status"], counted["label"]) == ("counted", "counted as paybill payment")
    assert counted["message"] == ECHO_RECORDED
