"""#10.7: booking fees are listed with the rent they are counted with (the page adds up), and a
cash/bank payment recorded by mistake is voided with a reason: reversed in the ledger, kept as
a row, and written to the audit trail."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from pms_app.core import audit
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.core.timestamps import utcnow
from pms_app.ledger import service as ledger
from pms_app.ledger.models import LedgerEntry
from pms_app.payments import exports, receipts, reports, reviews, voids
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.reports import Filters
from tests import factories as f


def _booking_fee(session: Session, pw: f.PayWorld, amount: int = 1_800) -> Payment:
    """A paid M-Pesa booking fee (no lease: the booker pays), as the STK callback leaves it."""
    fee = Payment(
        booking_id=4242,
        property_id=pw.w.prop.id,
        method=PaymentMethod.STK,
        status=PaymentStatus.PAID,
        amount=amount,
        paid_at=utcnow(),
        receipt_no="RCP-BOOK-1",
        mpesa_receipt="SKBOOK0001",
        initiated_by_id=pw.w.tenant.id,
    )
    session.add(fee)
    session.commit()
    return fee


def test_a_paid_booking_fee_is_listed_and_the_totals_equal_the_rows(session: Session) -> None:
    pw = f.pay_world(session)
    fee = _booking_fee(session, pw)
    board = reports.dashboard(session, pw.w.owner, Filters(), f.today())
    by_id = {r.id: r for r in board.rows}
    assert by_id[fee.id or 0].kind == "booking_fee"
    assert by_id[fee.id or 0].tenant == pw.w.tenant.full_name
    assert by_id[pw.paid.id or 0].kind == "rent"
    assert board.total_count == len(board.rows)
    assert board.total_collected == sum(r.amount for r in board.rows) == 12_345 + 1_800
    # The tenant filter keeps the tenant's own booking fee.
    mine = reports.dashboard(session, pw.w.owner, Filters(tenant_id=pw.w.tenant.id), f.today())
    assert fee.id in {r.id for r in mine.rows}
    assert mine.total_collected == sum(r.amount for r in mine.rows)
    csv_text = exports.payments_csv(session, pw.w.owner, Filters())
    assert "SKBOOK0001" in csv_text and "booking_fee" in csv_text


def test_voiding_a_cash_payment_reverses_it_and_keeps_the_trail(session: Session) -> None:
    pw = f.pay_world(session)
    lease_id = pw.lease.id or 0
    before = ledger.balance(session, lease_id)
    cash = reviews.record_manual_payment(
        session, pw.w.owner, lease_id, 5_000, "cash", f.iso("01-12"), "slip 1"
    )
    assert ledger.balance(session, lease_id) == before - 5_000
    first = reports.dashboard(session, pw.w.owner, Filters(), f.today())
    collected, billed = first.total_collected, first.total_billed
    monthly = sum(m.collected for m in first.months)

    voided = voids.void_payment(session, pw.w.manager, cash.id or 0, "  Typed twice  ")
    assert voided.status == PaymentStatus.VOID
    assert ledger.balance(session, lease_id) == before  # the tenant owes it again
    rows = session.exec(
        select(LedgerEntry.amount)
        .where(LedgerEntry.payment_id == cash.id)
        .order_by(col(LedgerEntry.id))
    ).all()
    assert list(rows) == [-5_000, 5_000]  # credit kept, reversal added: nothing deleted
    board = reports.dashboard(session, pw.w.owner, Filters(), f.today())
    assert board.total_collected == collected - 5_000
    assert cash.id not in {r.id for r in board.rows}
    # Billed vs collected per month: the reversal nets collected down and bills nothing.
    assert sum(m.collected for m in board.months) == monthly - 5_000
    assert board.total_billed == billed
    [event] = audit.history(session, "payment", cash.id or 0)
    assert (event.actor_user_id, event.reason, event.property_id) == (
        pw.w.manager.id,
        "Typed twice",
        pw.w.prop.id,
    )
    assert event.before["status"] == "paid" and event.after["status"] == "void"
    assert event.before["amount"] == event.after["amount"] == 5_000
    name, pdf = receipts.receipt_pdf(session, pw.w.tenant, cash.id or 0)
    assert name.endswith(".pdf") and pdf

    with pytest.raises(ServiceError, match="Only a paid payment"):
        voids.void_payment(session, pw.w.owner, cash.id or 0, "again")
    assert len(audit.history(session, "payment", cash.id or 0)) == 1


def test_void_needs_a_reason_and_is_refused_for_mpesa(session: Session) -> None:
    pw = f.pay_world(session)
    cash = reviews.record_manual_payment(
        session, pw.w.owner, pw.lease.id or 0, 500, "bank", f.iso("01-12")
    )
    with pytest.raises(ValidationError) as err:
        voids.void_payment(session, pw.w.owner, cash.id or 0, "   ")
    assert err.value.field == "reason"
    with pytest.raises(ValidationError):
        voids.void_payment(session, pw.w.owner, cash.id or 0, "x" * 301)
    with pytest.raises(ServiceError, match="assign it to the right one"):
        voids.void_payment(session, pw.w.owner, pw.paid.id or 0, "wrong lease")
    session.rollback()
    assert session.get(Payment, pw.paid.id).status == PaymentStatus.PAID  # type: ignore[union-attr]
    assert audit.history(session, "payment", pw.paid.id or 0) == []
