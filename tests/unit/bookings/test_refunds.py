"""#10.7: cancelling a paid booking says what happens to the money — refund due (listed for the
property's managers until one marks it refunded, in the audit trail) or kept under the
facility's cancellation policy — and a booking a manager marks paid is a Payment row, listed
and counted on the payments page like an M-Pesa booking fee."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from pms_app.bookings import lifecycle, refunds
from pms_app.bookings.models import Booking, Facility
from pms_app.core import audit
from pms_app.core.errors import NotFound, ServiceError
from pms_app.payments import reports
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.payments.reports import Filters
from pms_app.ui.bookings.shared import cancel_outcome_text, cancelled_money_text
from tests import factories as f

pytestmark = pytest.mark.dates

NOW = f.BOOK_NOW  # Monday 2 March 2026, 09:00 Nairobi
START = f.at("2026-03-05", "10:00")


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


def _hall(session: Session, w: f.World, **changes: object) -> Facility:
    rules: dict[str, object] = {
        "name": "Party Hall",
        "fee": 1_500,
        "deposit": 1_000,
        "free_cancel_hours": 24,
        "cancel_fee_kind": "percent",
        "cancel_fee_value": 50,
    }
    return f.facility(session, w.prop, **(rules | changes))


def _booked(session: Session, w: f.World, hall: Facility, booker: object) -> Booking:
    return lifecycle.book(session, booker, hall.id or 0, START, START + timedelta(hours=1), now=NOW)  # type: ignore[arg-type]


def _paid(session: Session, w: f.World, **changes: object) -> tuple[Booking, object]:
    [ann] = f.residents(session, w.prop, 1)
    b = _booked(session, w, _hall(session, w, **changes), ann)
    lifecycle.manager_mark_paid(session, w.manager, b.id or 0)
    return b, ann


def test_manager_mark_paid_records_a_payment_the_payments_page_lists(session: Session) -> None:
    w = f.world(session)
    b, ann = _paid(session, w)
    row = session.get(Booking, b.id)
    assert row is not None and row.payment_id is not None
    payment = session.get(Payment, row.payment_id)
    assert payment is not None
    assert (payment.status, payment.method, payment.amount, payment.booking_id) == (
        PaymentStatus.PAID,
        PaymentMethod.CASH,
        2_500,
        b.id,
    )
    assert payment.initiated_by_id == ann.id and payment.receipt_no  # type: ignore[attr-defined]
    board = reports.dashboard(session, w.owner, Filters(), f.today())
    [listed] = [r for r in board.rows if r.id == payment.id]
    assert (listed.kind, listed.tenant, listed.amount) == ("booking_fee", ann.full_name, 2_500)  # type: ignore[attr-defined]
    assert board.total_collected == sum(r.amount for r in board.rows)


def test_cancelled_in_time_the_whole_payment_is_a_refund_due(session: Session) -> None:
    w = f.world(session)
    b, ann = _paid(session, w)
    quote = lifecycle.quote_outcome(session, ann, b.id or 0, now=NOW)  # type: ignore[arg-type]
    assert (quote.paid, quote.kept, quote.refund) == (2_500, 0, 2_500)
    assert "Refund due: KES 2,500" in cancel_outcome_text(quote)
    lifecycle.cancel(session, ann, b.id or 0, now=NOW)  # type: ignore[arg-type]
    row = session.get(Booking, b.id)
    assert row is not None and (row.cancel_fee, row.refund_due, row.refunded_at) == (0, 2_500, None)
    assert cancelled_money_text(row.cancel_fee, row.refund_due, False) == "Refund due: KES 2,500"
    [due] = refunds.refunds_due(session, w.manager)
    assert (due.booking_id, due.amount, due.booker) == (b.id, 2_500, ann.full_name)  # type: ignore[attr-defined]
    assert refunds.refunds_due(session, w.owner) == [due]
    [cancelled] = audit.history(session, "booking", b.id or 0)
    assert (cancelled.action, cancelled.after["refund_due"]) == ("cancel", 2_500)


def test_cancelled_late_the_policy_keeps_part_and_the_rest_is_refunded(session: Session) -> None:
    w = f.world(session)
    b, ann = _paid(session, w)
    late = START - timedelta(hours=23)
    quote = lifecycle.quote_outcome(session, ann, b.id or 0, now=late)  # type: ignore[arg-type]
    assert (quote.kept, quote.refund) == (750, 1_750)  # half the fee; the deposit goes back
    text = cancel_outcome_text(quote)
    assert "Cancelling now keeps KES 750 under the facility's cancellation policy" in text
    assert "less than 24 hours before the start" in text and "Refund due: KES 1,750" in text
    lifecycle.cancel(session, ann, b.id or 0, now=late)  # type: ignore[arg-type]
    row = session.get(Booking, b.id)
    assert row is not None and (row.cancel_fee, row.refund_due) == (750, 1_750)


def test_cancelled_late_with_nothing_to_give_back_the_fee_is_kept(session: Session) -> None:
    w = f.world(session)
    b, ann = _paid(session, w, deposit=0, cancel_fee_value=100)
    late = START - timedelta(hours=2)
    quote = lifecycle.quote_outcome(session, ann, b.id or 0, now=late)  # type: ignore[arg-type]
    assert (quote.kept, quote.refund) == (1_500, 0)
    assert "keeps the KES 1,500 you paid under the facility's" in cancel_outcome_text(quote)
    assert "Nothing is refunded" in cancel_outcome_text(quote)
    lifecycle.cancel(session, ann, b.id or 0, now=late)  # type: ignore[arg-type]
    row = session.get(Booking, b.id)
    assert row is not None and (row.cancel_fee, row.refund_due) == (1_500, 0)
    assert cancelled_money_text(row.cancel_fee, 0, False) == "Fee kept under the policy: KES 1,500"
    assert refunds.refunds_due(session, w.manager) == []


def test_a_manager_cancelling_keeps_nothing_and_unpaid_bookings_owe_nothing(
    session: Session,
) -> None:
    w = f.world(session)
    b, _ = _paid(session, w)
    lifecycle.cancel(session, w.manager, b.id or 0, "Water leak", now=START - timedelta(hours=1))
    row = session.get(Booking, b.id)
    assert row is not None and (row.cancel_fee, row.refund_due) == (0, 2_500)
    [ben] = f.residents(session, w.prop, 1)
    held = lifecycle.book(
        session,
        ben,
        _hall(session, w, name="Gym").id or 0,
        START,
        START + timedelta(hours=1),
        now=NOW,
    )
    quote = lifecycle.quote_outcome(session, ben, held.id or 0, now=NOW)
    assert (quote.paid, quote.refund) == (0, 0)
    assert cancel_outcome_text(quote) == "Cancelling now is free: nothing was paid."
    lifecycle.cancel(session, ben, held.id or 0, now=NOW)
    assert session.get(Booking, held.id).refund_due == 0  # type: ignore[union-attr]
    assert [r.booking_id for r in refunds.refunds_due(session, w.manager)] == [b.id]


def test_marking_refunded_once_clears_the_list_and_is_audited(session: Session) -> None:
    w = f.world(session)
    b, ann = _paid(session, w)
    lifecycle.cancel(session, ann, b.id or 0, now=NOW)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        refunds.mark_refunded(session, w.staff, b.id or 0, now=NOW)
    with pytest.raises(NotFound):
        refunds.mark_refunded(session, ann, b.id or 0, now=NOW)  # type: ignore[arg-type]
    collected = reports.dashboard(session, w.owner, Filters(), f.today()).total_collected
    refunds.mark_refunded(session, w.manager, b.id or 0, now=NOW)
    # The money went back: the payment stays listed, "collected" counts only what was kept.
    board = reports.dashboard(session, w.owner, Filters(), f.today())
    assert board.total_collected == collected - 2_500
    [fee_row] = [r for r in board.rows if r.kind == "booking_fee"]
    assert (fee_row.amount, fee_row.refunded) == (2_500, 2_500)
    assert board.total_collected == sum(r.amount - r.refunded for r in board.rows)
    row = session.get(Booking, b.id)
    assert row is not None and row.refunded_at is not None and row.refund_due == 2_500
    assert refunds.refunds_due(session, w.owner) == []
    assert cancelled_money_text(row.cancel_fee, row.refund_due, True) == "Refunded KES 2,500"
    refund = audit.history(session, "booking", b.id or 0)[-1]
    assert (refund.action, refund.actor_user_id, refund.property_id) == (
        "refund",
        w.manager.id,
        w.prop.id,
    )
    assert refund.before["refunded_at"] is None and refund.after["refunded_at"]
    with pytest.raises(ServiceError, match="No refund is due"):
        refunds.mark_refunded(session, w.owner, b.id or 0, now=NOW)
    assert len(audit.history(session, "booking", b.id or 0)) == 2


def test_a_late_cancellation_refund_leaves_the_kept_fee_collected(session: Session) -> None:
    w = f.world(session)
    b, ann = _paid(session, w)
    lifecycle.cancel(session, ann, b.id or 0, now=START - timedelta(hours=3))  # type: ignore[arg-type]
    refunds.mark_refunded(session, w.owner, b.id or 0, now=NOW)
    board = reports.dashboard(session, w.owner, Filters(), f.today())
    [fee_row] = [r for r in board.rows if r.kind == "booking_fee"]
    assert (fee_row.amount, fee_row.refunded) == (2_500, 1_750)  # KES 750 kept under the policy
    assert board.total_collected == sum(r.amount - r.refunded for r in board.rows)
    payment = session.get(Payment, session.get(Booking, b.id).payment_id)  # type: ignore[union-attr]
    assert payment is not None and payment.amount - payment.refunded_amount == 750
