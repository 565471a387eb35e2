"""#10.7: a voided payment stays on the payments list when asked (marked void, never counted),
the lease page knows which payments its managers may void, and the audit trail of a lease's
payments reads back who voided what, when, why, and what it counted before and after."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from pms_app.core.errors import NotFound
from pms_app.payments import audit_trail, lease_view, reports, reviews, voids
from pms_app.payments.reports import Filters
from tests import factories as f


def test_voided_payments_are_listed_on_request_and_never_counted(session: Session) -> None:
    pw = f.pay_world(session)
    cash = reviews.record_manual_payment(
        session, pw.w.owner, pw.lease.id or 0, 5_000, "cash", f.iso("01-12"), "slip 1"
    )
    voids.void_payment(session, pw.w.manager, cash.id or 0, "Typed twice")
    hidden = reports.dashboard(session, pw.w.owner, Filters(), f.today())
    shown = reports.dashboard(session, pw.w.owner, Filters(show_voided=True), f.today())
    assert cash.id not in {r.id for r in hidden.rows}
    assert hidden.listed_count == hidden.total_count == len(hidden.rows)
    [row] = [r for r in shown.rows if r.id == cash.id]
    assert (row.status, row.lease_id, row.amount) == ("void", pw.lease.id, 5_000)
    # The totals are the same either way: only paid payments count.
    assert (shown.total_count, shown.total_collected) == (
        hidden.total_count,
        hidden.total_collected,
    )
    assert shown.listed_count == shown.total_count + 1 == len(shown.rows)
    assert shown.total_collected == sum(r.amount for r in shown.rows if r.status == "paid")


def test_the_lease_page_offers_void_only_for_paid_cash_and_bank(session: Session) -> None:
    pw = f.pay_world(session)
    lid = pw.lease.id or 0
    cash = reviews.record_manual_payment(session, pw.w.owner, lid, 700, "bank", f.iso("01-12"))
    gone = reviews.record_manual_payment(session, pw.w.owner, lid, 300, "cash", f.iso("01-12"))
    voids.void_payment(session, pw.w.owner, gone.id or 0, "Wrong amount")
    lines = {p.id: p for p in lease_view.payment_lines(session, lid)}
    assert lines[cash.id or 0].voidable is True
    assert lines[gone.id or 0].voidable is False  # voided already
    assert lines[pw.paid.id or 0].voidable is False  # M-Pesa: the money arrived


def test_the_trail_names_who_when_why_and_the_amounts(session: Session) -> None:
    pw = f.pay_world(session)
    lid = pw.lease.id or 0
    cash = reviews.record_manual_payment(
        session, pw.w.owner, lid, 5_000, "cash", f.iso("01-12"), "slip 7"
    )
    assert audit_trail.lease_history(session, pw.w.owner, lid) == []
    voids.void_payment(session, pw.w.manager, cash.id or 0, "Recorded on the wrong day")
    [line] = audit_trail.lease_history(session, pw.w.owner, lid)
    assert (line.payment_id, line.actor, line.action, line.reason) == (
        cash.id,
        pw.w.manager.full_name,
        "void",
        "Recorded on the wrong day",
    )
    assert line.payment == "Cash payment slip 7"
    assert (line.before_amount, line.after_amount) == (5_000, 0)
    assert line.at.tzinfo is not None  # UTC, shown through core/formats
    assert audit_trail.payment_history(session, pw.w.admin, cash.id or 0) == [line]
    # Those who may not void may not read the trail either (as if there were none).
    for outsider in (pw.w.staff, pw.w.tenant, pw.w.other_landlord):
        with pytest.raises(NotFound):
            audit_trail.lease_history(session, outsider, lid)
        with pytest.raises(NotFound):
            audit_trail.payment_history(session, outsider, cash.id or 0)


def test_the_tenant_sees_a_voided_payment_as_voided_with_its_void_receipt(
    session: Session,
) -> None:
    from pms_app.ui.payments.pay_state import payment_view

    pw = f.pay_world(session)
    cash = reviews.record_manual_payment(
        session, pw.w.owner, pw.lease.id or 0, 900, "cash", f.iso("01-12")
    )
    voids.void_payment(session, pw.w.owner, cash.id or 0, "Wrong tenant")
    [line] = [p for p in lease_view.payment_lines(session, pw.lease.id or 0) if p.id == cash.id]
    view = payment_view(line, "Africa/Nairobi")
    assert view["label"] == "voided"
    assert view["message"].startswith("Voided: recorded by mistake")  # not "being checked"
    assert view["receipt_url"] == f"/api/receipts/{cash.id}.pdf"
