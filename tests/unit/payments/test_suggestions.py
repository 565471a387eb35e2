"""Unallocated paybill money comes with a suggested lease (#11.2): by the phone digits M-Pesa
still shows, an amount equal to the rent or the balance, the payer's name; only a clear winner
among the leases the money may go to; a manager's one click credits it there (ledger exact)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.core.errors import NotFound, ServiceError
from pms_app.integrations.daraja_wire import parse_c2b
from pms_app.ledger import service as ledger
from pms_app.payments import board, paybill, suggestions
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.reports import Filters
from pms_app.properties.models import Property
from tests import factories as f

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


def _tenant(session: Session, lease_id: int | None, phone: str, name: str) -> User:
    from pms_app.leases.models import Lease

    lease = session.get(Lease, lease_id)
    user = session.get(User, lease.tenant_id)  # type: ignore[union-attr]
    assert user is not None
    user.phone, user.full_name = phone, name
    session.add(user)
    session.commit()
    return user


def _queued(session: Session, ref: str, amount: int, msisdn: str, first: str, last: str) -> Payment:
    body = {**f.c2b_body(ref, amount), "MSISDN": msisdn, "FirstName": first, "LastName": last}
    p = paybill.process_c2b_confirmation(session, parse_c2b(body))
    assert p.status == PaymentStatus.UNALLOCATED
    return p


@pytest.fixture
def two(session: Session) -> tuple[object, object, Property]:
    """Two leases of one property, same rent: Tom (0712 345 678) and Ann (0798 765 432)."""
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=3)
    a = f.lease(session, prop=prop, rent=12_000, due_day=1)
    b = f.lease(session, prop=prop, rent=12_000, due_day=1)
    _tenant(session, a.id, "254712345678", "Tom Tenant")
    _tenant(session, b.id, "254798765432", "Ann Wanjiru")
    return a, b, prop


def _suggested(session: Session, p: Payment) -> suggestions.Suggestion | None:
    return suggestions.suggest(session, [p]).get(p.id or 0)


def test_visible_phone_digits_suggest_the_tenant(session: Session, two: tuple) -> None:
    a, b, prop = two
    p = _queued(session, f"{prop.account_prefix}-ZZ9", 5_000, "2547 ***** 432", "", "")
    found = _suggested(session, p)
    assert found is not None and found.lease_id == b.id
    assert found.reasons == (suggestions.SAME_PHONE,)


def test_the_payers_name_and_the_rent_suggest_the_tenant(session: Session, two: tuple) -> None:
    a, b, prop = two
    hashed = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    p = _queued(session, f"{prop.account_prefix} Z9", 12_000, hashed, "TOM", "Otieno")
    found = _suggested(session, p)
    assert found is not None and found.lease_id == a.id
    assert found.reasons == (suggestions.SAME_RENT, suggestions.SAME_NAME)


def test_the_balance_counts_like_the_rent(session: Session, two: tuple) -> None:
    a, b, prop = two
    f.c2b_payment(session, a.account_ref, 2_000)  # Tom now owes 10,000
    p = _queued(session, f"{prop.account_prefix}-X", 10_000, "", "Tom", "")
    found = _suggested(session, p)
    assert found is not None and found.lease_id == a.id
    assert found.reasons == (suggestions.SAME_BALANCE, suggestions.SAME_NAME)


def test_no_suggestion_when_nothing_stands_out(session: Session, two: tuple) -> None:
    a, b, prop = two
    same_rent = _queued(session, f"{prop.account_prefix}-ZZ9", 12_000, "", "Juma", "Hamisi")
    assert _suggested(session, same_rent) is None  # both pay 12,000: no guess
    nothing = _queued(session, f"{prop.account_prefix}-ZZ9", 3_333, "2547 ***** 000", "", "")
    assert _suggested(session, nothing) is None


def test_money_is_weighed_only_against_its_own_propertys_leases(session: Session) -> None:
    mine = f.lease(session, rent=12_000, due_day=1)
    theirs = f.lease(session, rent=9_000, due_day=1)
    _tenant(session, theirs.id, "254711222333", "Tom Tenant")
    prop = session.get(Property, mine.property_id)
    p = _queued(session, f"{prop.account_prefix}-ZZ9", 9_000, "2547 ***** 333", "Tom", "Tenant")  # type: ignore[union-attr]
    found = _suggested(session, p)
    assert found is None or found.lease_id == mine.id


def test_one_click_credits_the_suggested_lease(session: Session, two: tuple) -> None:
    a, b, prop = two
    owner = session.get(User, prop.owner_id)
    p = _queued(session, f"{prop.account_prefix}-ZZ9", 5_000, "2547 ***** 432", "", "")
    page = board.payments_page(session, owner, Filters(), f.today())
    [row] = [q for q in page.queue if q.id == p.id]
    assert row.suggestion is not None and row.suggestion.lease_id == b.id
    with pytest.raises(ServiceError) as err:  # not the lease that was suggested
        suggestions.accept_suggestion(session, owner, p.id or 0, a.id or 0)
    assert err.value.message == suggestions.SUGGESTION_CHANGED
    session.rollback()
    done = suggestions.accept_suggestion(session, owner, p.id or 0, b.id or 0)
    assert (done.status, done.lease_id) == (PaymentStatus.PAID, b.id)
    assert ledger.balance(session, b.id or 0) == 12_000 - 5_000
    f.assert_ledger_exact(session, b.id or 0)
    page = board.payments_page(session, owner, Filters(), f.today())
    assert [q.id for q in page.queue] == []
    with pytest.raises(NotFound):  # it left the queue: a second click finds nothing
        suggestions.accept_suggestion(session, owner, p.id or 0, b.id or 0)


def test_someone_elses_money_cannot_be_confirmed(session: Session, two: tuple) -> None:
    a, b, prop = two
    p = _queued(session, f"{prop.account_prefix}-ZZ9", 5_000, "2547 ***** 432", "", "")
    rival = f.landlord(session)
    before = f.db_snapshot(session)
    with pytest.raises(NotFound):
        suggestions.accept_suggestion(session, rival, p.id or 0, b.id or 0)
    session.commit()
    assert f.db_snapshot(session) == before
