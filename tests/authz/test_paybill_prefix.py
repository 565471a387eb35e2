"""Paybill money routed by account prefix, attacked by a landlord who names his property like his
rival's. Before, the prefix came from the first three letters of the name, so landlord B's
"Sunrise Heights" shared SUN with landlord A's "Sunrise Apartments": B saw A's tenant's payment
(name, amount) and credited it to his own tenant. Now every property's prefix is unique in the
install, and only the managers of the property a prefix names may assign its money, and only to
that property's leases.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from pms_app.accounts.models import Role, User
from pms_app.core.errors import NotAuthenticated, NotFound
from pms_app.leases.models import Lease
from pms_app.payments import paybill
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.properties.account_numbers import prefix_of
from pms_app.properties.audience import property_audience
from pms_app.properties.models import Property
from tests import factories as f
from tests.authz.grid import assert_denied_quietly


@dataclass
class Rivals:
    a_owner: User
    a_manager: User
    a_tenant: User
    b_owner: User
    b_manager: User
    admin: User
    a_lease: Lease  # Sunrise Apartments (A)
    a_other_lease: Lease  # A's second property, Sunset Villas
    b_lease: Lease  # Sunrise Heights (B)
    a_money: Payment  # A's tenant mistyped the unit: A's prefix, unknown unit
    b_money: Payment  # B's tenant mistyped the unit: B's prefix, unknown unit
    stray: Payment  # a prefix no property has


def rivals(session: Session) -> Rivals:
    a_owner, b_owner = f.landlord(session), f.landlord(session)
    a_prop = f.property_(session, a_owner, units=2, name="Sunrise Apartments")
    a_second = f.property_(session, a_owner, units=2, name="Sunset Villas")
    b_prop = f.property_(session, b_owner, units=2, name="Sunrise Heights")
    a_lease = f.lease(session, prop=a_prop, rent=23_456)
    a_other_lease = f.lease(session, prop=a_second, rent=21_000)
    b_lease = f.lease(session, prop=b_prop, rent=34_567)
    a_money = f.c2b_payment(session, f"{a_prop.account_prefix}-ZZ9", 7_777)
    b_money = f.c2b_payment(session, f"{b_prop.account_prefix}-ZZ9", 9_999)
    stray = f.c2b_payment(session, "XQZ-A1", 1_234)
    return Rivals(
        a_owner=a_owner,
        a_manager=f.member(session, a_prop, Role.MANAGER),
        a_tenant=session.get(User, a_lease.tenant_id),  # type: ignore[arg-type]
        b_owner=b_owner,
        b_manager=f.member(session, b_prop, Role.MANAGER),
        admin=f.admin_user(session),
        a_lease=a_lease,
        a_other_lease=a_other_lease,
        b_lease=b_lease,
        a_money=a_money,
        b_money=b_money,
        stray=stray,
    )


def test_colliding_names_get_distinct_prefixes_and_money_goes_to_its_property(
    session: Session,
) -> None:
    r = rivals(session)
    props = {p.name: p for p in session.exec(select(Property)).all()}
    a, b = props["Sunrise Apartments"], props["Sunrise Heights"]
    assert a.account_prefix != b.account_prefix
    # Even the very same name gets its own prefix.
    twin = f.property_(session, r.b_owner, units=1, name="Sunrise Apartments")
    assert twin.account_prefix not in {a.account_prefix, b.account_prefix}
    assert prefix_of(r.a_lease.account_ref) == a.account_prefix
    assert prefix_of(r.b_lease.account_ref) == b.account_prefix
    assert r.a_money.property_id == a.id and r.a_money.status == PaymentStatus.UNALLOCATED
    assert r.b_money.property_id == b.id
    assert r.stray.property_id is None
    # Live updates go to the same people.
    assert r.b_owner.id not in property_audience(session, a.id)
    assert r.a_owner.id not in property_audience(session, b.id)
    assert property_audience(session, None) == {r.admin.id}


# Who sees which queued money: A's side, B's side, the stray one (prefix of no property).
VISIBLE = {
    "a_owner": {"a_money"},
    "a_manager": {"a_money"},
    "b_owner": {"b_money"},
    "b_manager": {"b_money"},
    "admin": {"a_money", "b_money", "stray"},
}


@pytest.mark.parametrize("actor", sorted(VISIBLE))
def test_each_side_sees_only_its_own_queued_money(session: Session, actor: str) -> None:
    r = rivals(session)
    ids = {getattr(r, name).id: name for name in ("a_money", "b_money", "stray")}
    seen = {ids[p.id] for p in paybill.visible_unallocated(session, getattr(r, actor))}
    assert seen == VISIBLE[actor]


def test_tenants_and_anonymous_see_no_queued_money(session: Session) -> None:
    r = rivals(session)
    with pytest.raises(NotFound):
        paybill.visible_unallocated(session, r.a_tenant)
    with pytest.raises(NotAuthenticated):
        paybill.visible_unallocated(session, None)


# (actor, payment, lease) → allowed? Only the named property's managers, only to its leases.
ASSIGN = [
    ("b_owner", "a_money", "b_lease", False),  # the attack: A's tenant's money to B's tenant
    ("b_manager", "a_money", "b_lease", False),
    ("b_owner", "a_money", "a_lease", False),
    ("a_owner", "b_money", "a_lease", False),
    ("a_manager", "b_money", "b_lease", False),
    ("a_owner", "a_money", "a_other_lease", False),  # same landlord, other property
    ("a_owner", "stray", "a_lease", False),
    ("a_tenant", "a_money", "a_lease", False),
    ("a_owner", "a_money", "a_lease", True),
    ("a_manager", "a_money", "a_lease", True),
    ("b_manager", "b_money", "b_lease", True),
    ("admin", "stray", "b_lease", True),
    ("admin", "a_money", "a_lease", True),
]


@pytest.mark.parametrize(("actor", "money", "target", "allowed"), ASSIGN)
def test_assigning_queued_money(
    session: Session, actor: str, money: str, target: str, allowed: bool
) -> None:
    r = rivals(session)
    payment, lease = getattr(r, money), getattr(r, target)
    if allowed:
        done = paybill.assign_unallocated(session, getattr(r, actor), payment.id, lease.id)
        assert done.status == PaymentStatus.PAID and done.lease_id == lease.id
        f.assert_ledger_exact(session, lease.id)
        return
    # Refused as if the payment did not exist: nothing changes, even once committed, and the
    # message names no payer, amount or account number.
    assert payment.payer_name and payment.account_ref
    assert_denied_quietly(
        session,
        lambda: paybill.assign_unallocated(session, getattr(r, actor), payment.id, lease.id),
        NotFound,
        f"{actor} assigns {money} to {target}",
        [payment.payer_name, str(payment.amount), f"{payment.amount:,}", payment.account_ref],
    )
    with Session(session.get_bind()) as fresh:
        row = fresh.get(Payment, payment.id)
        assert row is not None
        assert (row.status, row.lease_id) == (PaymentStatus.UNALLOCATED, None)
    f.assert_ledger_exact(session, lease.id)


def test_concurrent_properties_with_one_name_get_distinct_prefixes(engine: Engine) -> None:
    """Both creators pick the same first candidate; the unique index makes one of them retry."""
    with Session(engine) as setup:
        owners = [f.landlord(setup).id for _ in range(4)]
    barrier = threading.Barrier(len(owners))
    prefixes: list[str] = []
    errors: list[BaseException] = []

    def create(owner_id: int | None) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                owner = s.get(User, owner_id)
                barrier.wait()
                prefixes.append(f.property_(s, owner, units=1, name="Sunrise").account_prefix)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(o,)) for o in owners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(prefixes) == len(owners) and len(set(prefixes)) == len(owners)
