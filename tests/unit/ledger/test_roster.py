"""The Tenants list: search by name, phone (any format) or unit; only the actor's properties;
balances and arrears as the statement computes them; pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from pms_app.accounts.models import Role
from pms_app.core.errors import NotFound
from pms_app.ledger import roster
from pms_app.ledger import service as ledger
from pms_app.ledger.roster import phone_key, tenant_list
from tests.factories.accounts import landlord
from tests.factories.clock import month_start
from tests.factories.leases import lease, owner_of
from tests.factories.properties import member, property_, tenant


def _phone_of(session, lease_row) -> str:
    from pms_app.accounts.models import User

    return session.get(User, lease_row.tenant_id).phone


def test_phone_key_agrees_across_formats():
    assert {
        phone_key(p) for p in ("0712345678", "+254712345678", "254 712 345 678", "712345678")
    } == {"712345678"}


@pytest.mark.parametrize("fmt", ["local", "intl", "bare", "spaced"])
def test_search_by_each_phone_format(session, fmt):
    lz = lease(session)
    other = lease(session, prop=property_(session, owner_of(session, lz), name="Other"))
    owner = owner_of(session, lz)
    sub = phone_key(_phone_of(session, lz))  # stored normalised; 9 subscriber digits
    assert len(sub) == 9
    query = {
        "local": "0" + sub,
        "intl": "+254" + sub,
        "bare": sub,
        "spaced": f"+254 {sub[:3]} {sub[3:6]} {sub[6:]}",
    }[fmt]
    found = tenant_list(session, owner, month_start(), query).rows
    assert [r.lease_id for r in found] == [lz.id]
    assert other.id not in [r.lease_id for r in found]


def test_search_by_name_case_insensitive_and_by_unit(session):
    lz = lease(session)
    owner = owner_of(session, lz)
    assert [r.lease_id for r in tenant_list(session, owner, month_start(), "tOm TEN").rows] == [
        lz.id
    ]
    row = tenant_list(session, owner, month_start()).rows[0]
    assert [r.lease_id for r in tenant_list(session, owner, month_start(), row.unit).rows] == [
        lz.id
    ]
    nothing = tenant_list(session, owner, month_start(), "nobody-here")
    assert nothing.rows == [] and nothing.total == 0 and nothing.any_tenants


def test_a_landlord_never_sees_another_landlords_tenants(session):
    mine = lease(session)
    theirs = lease(session)
    owner = owner_of(session, mine)
    ids = [r.lease_id for r in tenant_list(session, owner, month_start()).rows]
    assert ids == [mine.id]
    with pytest.raises(NotFound):
        tenant_list(session, owner, month_start(), property_id=theirs.property_id)


def test_managers_see_only_their_properties(session):
    owner = landlord(session)
    a, b = property_(session, owner, name="A"), property_(session, owner, name="B")
    la, lb = lease(session, prop=a), lease(session, prop=b)
    mgr = member(session, a, Role.MANAGER)
    assert [r.lease_id for r in tenant_list(session, mgr, month_start()).rows] == [la.id]
    assert lb.id in [r.lease_id for r in tenant_list(session, owner, month_start()).rows]
    t = tenant(session, b)
    with pytest.raises(NotFound):
        tenant_list(session, t, month_start())  # tenants have no tenants list


def test_balance_and_arrears_match_the_statement(session):
    start = month_start() - timedelta(days=70)  # three rent charges due by today
    today = month_start() + timedelta(days=10)
    lz = lease(session, rent=10_000, deposit=5_000, due_day=5, start=start, today=today)
    owner = owner_of(session, lz)
    ledger.post_adjustment(session, owner, lz.id, 12_000, "credit", "Paid cash", on=start)
    st = ledger.statement(session, lz.id, today)
    row = tenant_list(session, owner, today).rows[0]
    assert (row.balance, row.arrears) == (st.balance, st.arrears)
    assert row.arrears > 0
    in_arrears = tenant_list(session, owner, today, in_arrears=True)
    assert [r.lease_id for r in in_arrears.rows] == [lz.id]
    ledger.post_adjustment(session, owner, lz.id, row.balance, "credit", "Settled", on=today)
    assert tenant_list(session, owner, today, in_arrears=True).rows == []


def test_pages_are_bounded_and_few_queries(session, engine, monkeypatch):
    monkeypatch.setattr(roster, "PAGE_SIZE", 2)
    owner = landlord(session)
    prop = property_(session, owner, units=5)
    for _ in range(5):
        lease(session, prop=prop)
    first = tenant_list(session, owner, month_start(), page=1)
    assert (len(first.rows), first.total, first.pages) == (2, 5, 3)
    last = tenant_list(session, owner, month_start(), page=99)
    assert (last.page, len(last.rows)) == (3, 1)
    assert tenant_list(session, owner, month_start(), page=-4).page == 1
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    session.commit()
    tenant_list(session, owner, month_start(), page=1)
    assert len(statements) <= 5  # not one per lease


def test_units_list_occupancy_search_vacant_and_scope(session):
    lz = lease(session, rent=11_000)
    owner = owner_of(session, lz)
    lease(session)  # another landlord's
    units = roster.unit_list(session, owner)
    assert units.total == 3
    occupied = [r for r in units.rows if r.lease_id]
    assert [(r.lease_id, r.rent, r.tenant) for r in occupied] == [(lz.id, 11_000, "Tom Tenant")]
    vacant = roster.unit_list(session, owner, vacant_only=True)
    assert vacant.total == 2 and all(r.lease_id == 0 and r.rent == 20_000 for r in vacant.rows)
    assert [r.lease_id for r in roster.unit_list(session, owner, "tom").rows] == [lz.id]
    assert roster.unit_list(session, owner, occupied[0].label.lower()).total == 1
    with pytest.raises(NotFound):
        roster.unit_list(session, tenant(session, property_(session, owner)))
