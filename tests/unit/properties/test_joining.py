"""A tenant finds his property by its code (no list of the install's properties), and a
rejected tenant applies again — at the same property or another."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from pms_app.accounts.models import User
from pms_app.accounts.service import SignupForm
from pms_app.core.errors import ServiceError, Throttled, ValidationError
from pms_app.properties import joining, memberships
from pms_app.properties.access import is_approved
from pms_app.properties.identity import session_identity
from pms_app.properties.models import Membership, MembershipStatus, Property
from tests import factories as f


def test_a_code_finds_the_property_its_units_and_an_account_numbers_unit(
    session: Session,
) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=3, name="Sunrise Apartments")
    f.property_(session, f.landlord(session), name="Zebra Towers")
    found = joining.find_by_code(session, f" {prop.account_prefix.lower()} ", "1.1.1.1")
    assert (found.code, found.name, found.address) == (
        prop.account_prefix,
        "Sunrise Apartments",
        "Ngong Road, Nairobi",
    )
    units = f.units_of(session, prop)
    assert found.units == [(u.id, u.label) for u in units] and found.unit_id is None
    # The account number a tenant pays with names his unit too.
    by_account = joining.find_by_code(session, f"{prop.account_prefix}-a2", "1.1.1.1")
    assert by_account.unit_id == units[1].id
    assert owner.email not in repr(found)  # nothing about the landlord


@pytest.mark.parametrize("code", ["", "   ", "NOPE9", 42, None, "<script>"])
def test_a_wrong_or_empty_code_says_so_beside_the_field(session: Session, code: object) -> None:
    f.property_(session, f.landlord(session))
    with pytest.raises(ValidationError) as err:
        joining.find_by_code(session, code, "1.1.1.1")
    assert err.value.field == "code"


def test_code_lookups_are_rate_limited_per_ip(session: Session) -> None:
    prop = f.property_(session, f.landlord(session))
    for i in range(joining.CODE_LOOKUPS_PER_IP_HOUR):  # right and wrong codes count alike
        if i % 2:
            assert joining.find_by_code(session, prop.account_prefix, "9.9.9.9").name
        else:
            with pytest.raises(ValidationError):
                joining.find_by_code(session, "ZZZZ", "9.9.9.9")
    with pytest.raises(Throttled) as err:
        joining.find_by_code(session, prop.account_prefix, "9.9.9.9")
    assert "second" not in err.value.message and "minute" not in err.value.message
    assert joining.find_by_code(session, prop.account_prefix, "8.8.8.8").name  # another IP


def test_a_whole_estate_can_sign_up_from_one_wifi(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2)
    for i in range(30):  # more than the old limit of 20 an hour per IP
        joining.signup_tenant(
            session,
            SignupForm(f"Neighbour {i}", f"n{i}@example.test", "0711000111", f.PASSWORD),
            prop.account_prefix,
            None,
            "41.90.1.1",
        )
    assert len(memberships.pending_approvals(session, owner)) == 30


def _rejected(session: Session, reason: str = "Not our tenant") -> tuple[User, User, Membership]:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=3, name="Baobab Court")
    tenant = f.tenant(session, prop, approved=False)
    m = f.membership_of(session, tenant)
    memberships.reject_tenant(session, owner, m.id, reason)
    return owner, tenant, m


def test_a_rejected_tenant_applies_again_at_the_same_property(session: Session) -> None:
    owner, tenant, m = _rejected(session)
    prop = session.get(Property, m.property_id)
    a3 = f.units_of(session, prop)[2]
    joining.reapply(session, tenant, prop.account_prefix, a3.id)
    again = f.membership_of(session, tenant)
    assert (again.status, again.requested_unit_id, again.decision_reason, again.decided_at) == (
        MembershipStatus.PENDING,
        a3.id,
        "",
        None,
    )
    assert memberships.tenant_status(session, tenant).status == "pending"
    [pending] = memberships.pending_approvals(session, owner)
    assert pending.email == tenant.email and pending.requested_unit_label == "A3"
    told = f.last_email(session, owner.email, "signup_pending")
    assert tenant.full_name in told.body
    # The landlord decides again; approved this time, the tenant is in.
    memberships.approve_tenant(session, owner, again.id, a3.id)
    assert is_approved(session, tenant)


def test_a_rejected_tenant_applies_at_another_property(session: Session) -> None:
    owner, tenant, m = _rejected(session)
    other_owner = f.landlord(session)
    other = f.property_(session, other_owner, name="Mvule Heights")
    joining.reapply(session, tenant, other.account_prefix, None)
    status = memberships.tenant_status(session, tenant)
    assert (status.status, status.property_name) == ("pending", "Mvule Heights")
    assert memberships.pending_approvals(session, owner) == []
    assert [p.email for p in memberships.pending_approvals(session, other_owner)] == [tenant.email]
    rows = session.exec(select(Membership).where(Membership.user_id == tenant.id)).all()
    assert len(rows) == 1  # one application, moved
    # The one-statement identity agrees with the services: waiting, not approved.
    token = f.login_token(session, tenant)
    assert session_identity(session, token).approved is False


@pytest.mark.parametrize("state", ["pending", "approved"])
def test_only_a_rejected_tenant_can_apply_again(session: Session, state: str) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    tenant = f.tenant(session, prop, approved=state == "approved")
    other = f.property_(session, f.landlord(session), name="Elsewhere")
    before = f.membership_of(session, tenant).property_id
    with pytest.raises(ServiceError):
        joining.reapply(session, tenant, other.account_prefix, None)
    assert f.membership_of(session, tenant).property_id == before
    with pytest.raises(ServiceError):
        joining.reapply(session, owner, prop.account_prefix, None)  # a landlord: no application


def test_reapplying_needs_a_real_code_and_unit_and_is_rate_limited(session: Session) -> None:
    _owner, tenant, m = _rejected(session)
    prop = session.get(Property, m.property_id)
    elsewhere = f.units_of(session, f.property_(session, f.landlord(session), name="Zebra"))[0]
    with pytest.raises(ValidationError) as err:
        joining.reapply(session, tenant, "NOPE9", None)
    assert err.value.field == "code"
    with pytest.raises(ValidationError) as err:
        joining.reapply(session, tenant, prop.account_prefix, elsewhere.id)
    assert err.value.field == "unit"
    assert f.membership_of(session, tenant).status == MembershipStatus.REJECTED
    for _ in range(joining.REAPPLIES_PER_DAY - 2):
        with pytest.raises(ValidationError):
            joining.reapply(session, tenant, "NOPE9", None)
    with pytest.raises(Throttled):
        joining.reapply(session, tenant, prop.account_prefix, None)
