"""Ledger rules: charges (with catch-up), deposit, late fees, allocation, credit, adjustments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from pms_app.core.errors import ValidationError
from pms_app.leases import service as leases
from pms_app.ledger import service as ledger
from pms_app.ledger.models import LedgerEntry
from pms_app.payments import reviews
from pms_app.payments.models import Payment
from tests import factories as f

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

# Dates are last year's (f.day): always in the past, so payments may be recorded on them.
D = f.day


def entries(session: Session, lease_id: int) -> list[tuple[str, int, str]]:
    session.expire_all()
    rows = session.exec(
        select(LedgerEntry)
        .where(LedgerEntry.lease_id == lease_id)
        .order_by(LedgerEntry.due_date, LedgerEntry.id)
    ).all()
    return [(e.kind, e.amount, e.due_date.isoformat()) for e in rows]


def test_lease_start_charges_deposit_and_first_month(session: Session) -> None:
    lease = f.lease(session, rent=10_000, deposit=20_000, due_day=5, start=f.iso("03-10"))
    assert entries(session, lease.id) == [
        ("deposit", 20_000, f.iso("03-10")),
        ("rent", 10_000, f.iso("03-10")),
    ]
    assert ledger.balance(session, lease.id) == 30_000


def test_monthly_charges_catch_up_missed_months_and_are_idempotent(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=5, start=f.iso("01-01"))
    # The app was down from January to April: one run raises every missing month, once.
    result = ledger.run_billing(session, D("04-05"))
    assert result["rent_charges"] == 4  # Jan (due on the 5th, after the start), Feb, Mar, Apr
    assert ledger.run_billing(session, D("04-05"))["rent_charges"] == 0
    assert [e[2] for e in entries(session, lease.id)] == [
        f.iso("01-05"),
        f.iso("02-05"),
        f.iso("03-05"),
        f.iso("04-05"),
    ]
    assert ledger.run_billing(session, D("04-04"))["rent_charges"] == 0


def test_due_day_is_clamped_to_short_months(session: Session) -> None:
    lease = f.lease(session, rent=100, due_day=28, start=f.iso("01-28"))
    ledger.run_billing(session, D("03-01"))
    assert [e[2] for e in entries(session, lease.id)] == [f.iso("01-28"), f.iso("02-28")]


def test_no_charges_after_the_lease_ends(session: Session) -> None:
    lease = f.lease(session, rent=100, due_day=1, start=f.iso("01-01"))
    owner = f.owner_of(session, lease)
    leases.end_lease(session, owner, lease.id, f.iso("02-15"))
    ledger.run_billing(session, D("06-01"))
    assert [e[2] for e in entries(session, lease.id)] == [f.iso("01-01"), f.iso("02-01")]


def test_payments_settle_oldest_charges_first_and_overpayment_is_credit(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=1, start=f.iso("01-01"))
    ledger.run_billing(session, D("03-01"))  # Jan, Feb, Mar = 30,000
    owner = f.owner_of(session, lease)
    reviews.record_manual_payment(session, owner, lease.id, 15_000, "cash", f.iso("03-02"))
    st = ledger.statement(session, lease.id, D("03-02"))
    rent_lines = [line for line in st.lines if line.kind == "rent"]
    assert [line.outstanding for line in rent_lines] == [0, 5_000, 10_000]
    assert st.balance == 15_000 and st.arrears == 15_000 and st.credit == 0
    reviews.record_manual_payment(
        session, owner, lease.id, 20_000, "bank", f.iso("03-03"), "SLIP-9"
    )
    st = ledger.statement(session, lease.id, D("03-03"))
    assert st.balance == -5_000 and st.arrears == 0 and st.credit == 5_000
    # The credit is used by the next month's rent.
    ledger.run_billing(session, D("04-01"))
    assert ledger.statement(session, lease.id, D("04-01")).balance == 5_000
    receipts = session.exec(select(Payment.receipt_no)).all()
    assert len(set(receipts)) == 2 and all(r and r.startswith("RCP-") for r in receipts)


def test_fixed_late_fee_after_grace_days_once(session: Session) -> None:
    lease = f.lease(
        session,
        rent=10_000,
        due_day=1,
        start=f.iso("01-01"),
        late_fee_kind="fixed",
        late_fee_value=500,
        late_fee_grace_days=5,
    )
    ledger.run_billing(session, D("01-06"))  # last day of grace
    assert [k for k, *_ in entries(session, lease.id)] == ["rent"]
    ledger.run_billing(session, D("01-07"))
    ledger.run_billing(session, D("01-08"))
    assert entries(session, lease.id) == [
        ("rent", 10_000, f.iso("01-01")),
        ("late_fee", 500, f.iso("01-07")),
    ]


def test_percent_late_fee_is_on_the_unpaid_part_and_paid_on_time_has_none(session: Session) -> None:
    lease = f.lease(
        session,
        rent=10_000,
        due_day=1,
        start=f.iso("01-01"),
        late_fee_kind="percent",
        late_fee_value=10,
        late_fee_grace_days=3,
    )
    owner = f.owner_of(session, lease)
    reviews.record_manual_payment(session, owner, lease.id, 6_000, "cash", f.iso("01-02"))
    ledger.run_billing(session, D("01-10"))
    assert ("late_fee", 400, f.iso("01-05")) in entries(session, lease.id)  # 10% of 4,000
    # February paid in full within grace (back-dated record): no fee.
    ledger.run_billing(session, D("02-01"))
    reviews.record_manual_payment(session, owner, lease.id, 14_400, "cash", f.iso("02-03"))
    ledger.run_billing(session, D("02-20"))
    assert [e for e in entries(session, lease.id) if e[0] == "late_fee"] == [
        ("late_fee", 400, f.iso("01-05"))
    ]


def test_adjustments_keep_a_reason_and_change_the_balance(session: Session) -> None:
    lease = f.lease(session, rent=10_000, due_day=1, start=f.iso("01-01"))
    owner = f.owner_of(session, lease)
    ledger.post_adjustment(
        session, owner, lease.id, 1_500, "debit", "Broken window", f.iso("01-03")
    )
    ledger.post_adjustment(
        session, owner, lease.id, 2_000, "credit", "Plumbing paid by tenant", f.iso("01-04")
    )
    assert ledger.balance(session, lease.id) == 9_500
    descriptions = [e.description for e in session.exec(select(LedgerEntry)).all()]
    assert (
        "Charge: Broken window" in descriptions
        and "Credit: Plumbing paid by tenant" in descriptions
    )
    with pytest.raises(ValidationError) as err:
        ledger.post_adjustment(session, owner, lease.id, 100, "credit", "  ")
    assert err.value.field == "reason"
    with pytest.raises(ValidationError):
        ledger.post_adjustment(session, owner, lease.id, "-5", "debit", "x")
    assert ledger.balance(session, lease.id) == 9_500


def test_one_active_lease_per_unit_and_validation(session: Session) -> None:
    lease = f.lease(session, start=f.iso("01-01"))
    owner = f.owner_of(session, lease)
    prop = session.get(f.Property, lease.property_id)
    other = f.tenant(session, prop)
    with pytest.raises(ValidationError) as err:
        leases.create_lease(
            session, owner, lease.unit_id, other.id, 100, 0, 1, f.iso("02-01"), back_bill=True
        )
    assert err.value.field == "unit"
    unit2 = f.membership_of(session, other).unit_id
    for kwargs, field in [
        ({"rent": "0"}, "rent"),
        ({"due_day": "31"}, "due_day"),
        ({"start": "01/02/2026"}, "start_date"),
        ({"start": f.iso("02-01"), "end": f.iso("01-01")}, "end_date"),
    ]:
        args = {
            "rent": 100,
            "deposit": 0,
            "due_day": 1,
            "start": f.iso("02-01"),
            "end": None,
        } | kwargs
        with pytest.raises(ValidationError) as err:
            leases.create_lease(
                session,
                owner,
                unit2,
                other.id,
                args["rent"],
                args["deposit"],
                args["due_day"],
                args["start"],
                args["end"],
                back_bill=True,
            )
        assert err.value.field == field
    pending = f.tenant(session, prop, approved=False)
    with pytest.raises(ValidationError):
        leases.create_lease(
            session, owner, unit2, pending.id, 100, 0, 1, f.iso("02-01"), back_bill=True
        )
    # Ending frees the unit for a new lease.
    leases.end_lease(session, owner, lease.id, f.iso("01-31"))
    again = leases.create_lease(
        session, owner, lease.unit_id, other.id, 100, 0, 1, f.iso("02-01"), back_bill=True
    )
    assert again.account_ref == lease.account_ref  # the unit's paybill account number is stable


def test_manual_payment_cannot_be_in_the_future(session: Session) -> None:
    lease = f.lease(session, start=f.iso("01-01"))
    owner = f.owner_of(session, lease)
    with pytest.raises(ValidationError) as err:
        reviews.record_manual_payment(
            session, owner, lease.id, 100, "cash", (f.today() + timedelta(days=1)).isoformat()
        )
    assert err.value.field == "paid_on"
    with pytest.raises(ValidationError):
        reviews.record_manual_payment(session, owner, lease.id, 100, "cheque", f.iso("01-02"))
    assert session.exec(select(Payment)).all() == []
