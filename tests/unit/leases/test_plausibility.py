"""Implausible input is refused with a message beside its field, not accepted or cut short: a
lease starting decades ago (unless the manager confirms the charges), a move-out in the future,
cash dated long before the lease, an over-long reason, 1e20 shillings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from pms_app.core.errors import ValidationError
from pms_app.leases import service as leases
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger import service as ledger
from pms_app.ledger.models import LedgerEntry
from pms_app.payments import reviews
from tests import factories as f


def _status(session: Session, lease_id: int) -> str:
    session.expire_all()
    row = session.get(Lease, lease_id)
    assert row is not None
    return row.status


def _unit_and_tenant(session: Session) -> tuple[f.User, int, int]:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2)
    tenant = f.tenant(session, prop)
    return owner, f.membership_of(session, tenant).unit_id, tenant.id


def test_a_lease_from_1990_is_refused_until_the_charges_are_confirmed(session: Session) -> None:
    owner, unit_id, tenant_id = _unit_and_tenant(session)
    today = date(2026, 12, 4)
    with pytest.raises(ValidationError) as err:
        leases.create_lease(
            session, owner, unit_id, tenant_id, 10_000, 0, 1, "1990-01-01", today=today
        )
    assert err.value.field == "start_date" and "444 months" in err.value.message
    assert session.exec(select(Lease)).all() == []  # nothing written
    # Confirmed: the landlord means it, and every month is charged.
    lease = leases.create_lease(
        session, owner, unit_id, tenant_id, 10_000, 0, 1, "1990-01-01", today=today, back_bill=True
    )
    rents = session.exec(select(LedgerEntry).where(LedgerEntry.lease_id == lease.id)).all()
    assert len(rents) == leases.months_billed(date(1990, 1, 1), today) == 444


def test_a_recent_start_needs_no_confirmation_and_a_far_future_one_is_refused(
    session: Session,
) -> None:
    owner, unit_id, tenant_id = _unit_and_tenant(session)
    today = date(2026, 12, 4)
    with pytest.raises(ValidationError) as err:
        leases.create_lease(
            session, owner, unit_id, tenant_id, 10_000, 0, 1, "2031-01-01", today=today
        )
    assert err.value.field == "start_date" and "within a year" in err.value.message
    lease = leases.create_lease(
        session, owner, unit_id, tenant_id, 10_000, 0, 1, "2026-11-01", today=today
    )
    assert lease.status == LeaseStatus.ACTIVE


def test_a_move_out_in_the_future_does_not_end_the_lease(session: Session) -> None:
    lease = f.lease(session, start=f.month_start())
    owner = f.owner_of(session, lease)
    with pytest.raises(ValidationError) as err:
        leases.end_lease(session, owner, lease.id, (f.today() + timedelta(days=1)).isoformat())
    assert err.value.field == "move_out"
    assert _status(session, lease.id) == LeaseStatus.ACTIVE
    leases.end_lease(session, owner, lease.id, f.today().isoformat())
    assert _status(session, lease.id) == LeaseStatus.ENDED


def test_cash_dated_long_before_the_lease_is_refused(session: Session) -> None:
    lease = f.lease(session, start=f.iso("06-01"))
    owner = f.owner_of(session, lease)
    with pytest.raises(ValidationError) as err:
        reviews.record_manual_payment(session, owner, lease.id, 5_000, "cash", f.iso("01-15"))
    assert err.value.field == "paid_on" and "before the lease started" in err.value.message
    # A deposit paid a week before moving in is normal.
    reviews.record_manual_payment(session, owner, lease.id, 5_000, "cash", f.iso("05-25"))


@pytest.mark.parametrize(
    ("typed", "says"),
    [("1e20", "whole number"), ("12.50", "whole number"), ("99999999999999", "too large")],
)
def test_amounts_that_are_no_rent_say_why(session: Session, typed: str, says: str) -> None:
    lease = f.lease(session, start=f.month_start())
    owner = f.owner_of(session, lease)
    with pytest.raises(ValidationError) as err:
        reviews.record_manual_payment(session, owner, lease.id, typed, "cash", f.today())
    assert err.value.field == "amount" and says in err.value.message


def test_an_over_long_reason_is_refused_not_cut(session: Session) -> None:
    lease = f.lease(session, start=f.month_start())
    owner = f.owner_of(session, lease)
    before = ledger.balance(session, lease.id)
    with pytest.raises(ValidationError) as err:
        ledger.post_adjustment(session, owner, lease.id, 500, "debit", "x" * 5000)
    assert err.value.field == "reason" and "under 200 characters" in err.value.message
    assert ledger.balance(session, lease.id) == before
