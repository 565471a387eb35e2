"""Tenant signup → landlord approval or rejection, and what a waiting tenant may do meanwhile."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from sqlmodel import Session, select

from pms_app.accounts import admin
from pms_app.accounts import service as accounts
from pms_app.accounts.models import Role, User
from pms_app.accounts.service import SignupForm
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.emails.models import EmailMessage
from pms_app.properties import invitations, joining, memberships
from pms_app.properties import service as properties
from pms_app.properties.access import get_managed_property, get_visible_property
from pms_app.properties.models import Invitation, Membership, MembershipStatus, Property
from tests import factories as f


def emails(session: Session, kind: str) -> list[str]:
    return list(session.exec(select(EmailMessage.to_email).where(EmailMessage.kind == kind)))


# --- signup -----------------------------------------------------------------------------------


def test_tenant_signup_waits_for_approval_and_tells_both_sides(session: Session) -> None:
    owner = f.landlord(session)
    other = f.landlord(session)
    prop = f.property_(session, owner, units=3, name="Sunrise Apartments")
    f.property_(session, other, name="Zebra Towers")
    a2 = f.units_of(session, prop)[1]
    user, token = joining.signup_tenant(
        session,
        SignupForm("Tina Tenant", "Tina@Example.test", "0711000111", f.PASSWORD),
        prop.account_prefix.lower() + " ",  # as typed on a phone
        a2.id,
    )
    assert accounts.user_for_token(session, token).id == user.id  # logged in (to wait)
    assert (user.role, user.email) == (Role.TENANT, "tina@example.test")
    m = f.membership_of(session, user)
    assert (m.property_id, m.role, m.status, m.requested_unit_id, m.unit_id) == (
        prop.id,
        Role.TENANT,
        MembershipStatus.PENDING,
        a2.id,
        None,
    )
    received = f.last_email(session, user.email, "signup_received")
    assert "Sunrise Apartments, unit A2" in received.body
    told = f.last_email(session, owner.email, "signup_pending")
    assert "Tina Tenant" in told.body and "tina@example.test" in told.body
    assert emails(session, "signup_pending") == [owner.email]  # not the other landlord
    status = memberships.tenant_status(session, user)
    assert (status.status, status.property_name, status.unit_label, status.reason) == (
        "pending",
        "Sunrise Apartments",
        "",
        "",
    )


def test_signup_without_a_unit_is_fine(session: Session) -> None:
    prop = f.property_(session, f.landlord(session))
    user = f.tenant(session, prop, approved=False)
    assert f.membership_of(session, user).requested_unit_id is None
    assert ", unit" not in f.last_email(session, user.email, "signup_received").body


@pytest.mark.parametrize("which", ["no code", "unknown code", "forged code", "unit elsewhere"])
def test_signup_needs_a_real_property_code_and_one_of_its_units(
    session: Session, which: str
) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    elsewhere = f.units_of(session, f.property_(session, f.landlord(session), name="Zebra"))[0]
    code, unit_id, field = {
        "no code": ("  ", None, "code"),
        "unknown code": ("QQQQ", None, "code"),
        "forged code": (prop.id, None, "code"),  # an id, not a code
        "unit elsewhere": (prop.account_prefix, elsewhere.id, "unit"),
    }[which]
    before = {u.id for u in session.exec(select(User))}
    with pytest.raises(ValidationError) as err:
        joining.signup_tenant(
            session,
            SignupForm("Tina Tenant", "tina@example.test", "0711000111", f.PASSWORD),
            code,  # type: ignore[arg-type]
            unit_id,
        )
    assert err.value.field == field
    assert {u.id for u in session.exec(select(User))} == before
    assert session.exec(select(Membership)).all() == []


# --- a waiting tenant can do nothing but look at the waiting page ------------------------------

SERVICE_MODULES: tuple[ModuleType, ...] = (
    properties,
    memberships,
    joining,
    invitations,
    admin,
    accounts,
)
# What a waiting (or rejected) tenant may do: see where he stands, apply again, and choose the
# language of the waiting page (it touches his own account only).
ALLOWED_WHILE_WAITING = {"memberships.tenant_status", "joining.reapply", "accounts.set_language"}


def actor_services() -> list[tuple[str, Callable[..., Any]]]:
    """Every public service function that acts for a logged-in user (takes `actor`)."""
    found = []
    for module in SERVICE_MODULES:
        package, _, leaf = module.__name__.rpartition(".")
        short = package.rsplit(".", 1)[-1] if leaf == "service" else leaf  # accounts.service
        for name, fn in vars(module).items():
            if (
                inspect.isfunction(fn)
                and fn.__module__ == module.__name__
                and not name.startswith("_")
                and "actor" in inspect.signature(fn).parameters
            ):
                found.append((f"{short}.{name}", fn))
    return found


def test_the_waiting_tenant_list_covers_the_services_we_know() -> None:
    names = {n for n, _ in actor_services()}
    assert {
        "properties.create_property",
        "properties.list_properties",
        "memberships.approve_tenant",
        "invitations.invite",
        "invitations.accept_as_user",
        "admin.set_user_active",
        "accounts.change_password",
        "accounts.update_profile",
    } <= names
    assert names >= ALLOWED_WHILE_WAITING


@pytest.mark.parametrize(
    ("name", "fn"),
    [(n, fn) for n, fn in actor_services() if n not in ALLOWED_WHILE_WAITING],
    ids=[n for n, _ in actor_services() if n not in ALLOWED_WHILE_WAITING],
)
@pytest.mark.parametrize("state", ["pending", "rejected"])
def test_an_unapproved_tenant_is_refused_by_every_other_service(
    session: Session, name: str, fn: Callable[..., Any], state: str
) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=3)
    a1 = f.units_of(session, prop)[0]
    waiting = f.tenant(session, prop, a1, approved=False)
    m = f.membership_of(session, waiting)
    if state == "rejected":
        memberships.reject_tenant(session, owner, m.id, "")
    # A live invitation link, for the services that take one (his own address can't be
    # invited as staff: it already belongs to a tenant account).
    _, token = f.invitation(session, prop, Role.STAFF, email=waiting.email.replace("@", "+x@"))
    values = {
        "session": session,
        "actor": waiting,
        "property_id": prop.id,
        "unit_id": a1.id,
        "membership_id": m.id,  # his own signup: he must not approve himself
        "user_id": waiting.id,
        "name": "My Place",
        "address": "Here",
        "unit_count": 2,
        "default_rent": "1000",
        "label_prefix": "A",
        "label": "Z1",
        "rent": "1000",
        "reason": "",
        "email": "friend@example.test",
        "role": "staff",
        "token": token,
        "invitation_id": session.exec(select(Invitation.id)).one(),
        "search": "",
        "page": 1,
        "active": False,
        "current": f.PASSWORD,
        "new": "a brand new passphrase",
        "full_name": "New Name",
        "phone": "0722000000",
        "late_fee_kind": "fixed",
        "late_fee_value": "500",
        "grace_days": "5",
        "remind_before": "3",
        "remind_after": "1",
        "ip": "5.5.5.5",
    }
    params = inspect.signature(fn).parameters
    missing = [p for p in params if p not in values]
    assert not missing, f"add a value for {missing} to this test"
    before = f.db_snapshot(session)
    with pytest.raises(NotFound) as err:
        fn(**{p: values[p] for p in params})
    assert prop.name not in err.value.message and "@" not in err.value.message
    session.commit()
    assert f.db_snapshot(session) == before, name
    # ... while the waiting page keeps working.
    assert memberships.tenant_status(session, waiting).status == state


def test_a_waiting_tenant_sees_no_property_even_his_own(session: Session) -> None:
    prop = f.property_(session, f.landlord(session))
    waiting = f.tenant(session, prop, approved=False)
    for lookup in (get_visible_property, get_managed_property):
        with pytest.raises(NotFound):
            lookup(session, waiting, prop.id)


# --- approve ----------------------------------------------------------------------------------


def test_approve_puts_the_tenant_in_the_chosen_unit_and_emails_him(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=3, name="Sunrise Apartments")
    a1, _, a3 = f.units_of(session, prop)
    waiting = f.tenant(session, prop, a1, approved=False)
    m = f.membership_of(session, waiting)
    assert memberships.pending_count(session, owner) == 1
    memberships.approve_tenant(session, owner, m.id, a3.id)  # not the unit he asked for
    session.expire_all()
    m = f.membership_of(session, waiting)
    assert (m.status, m.unit_id, m.decided_by_id) == (MembershipStatus.APPROVED, a3.id, owner.id)
    assert m.decided_at is not None
    mail = f.last_email(session, waiting.email, "tenant_approved")
    assert "unit A3 at Sunrise Apartments" in mail.body
    status = memberships.tenant_status(session, waiting)
    assert (status.status, status.unit_label) == ("approved", "A3")
    assert memberships.pending_count(session, owner) == 0
    assert memberships.pending_approvals(session, owner) == []
    # Now he may use the app: his own property only.
    assert [p.name for p in properties.list_properties(session, waiting)] == ["Sunrise Apartments"]
    assert get_visible_property(session, waiting, prop.id).id == prop.id
    occupancy = properties.list_properties(session, owner)[0]
    assert (occupancy.occupied, occupancy.vacant) == (1, 2)


@pytest.mark.parametrize("unit", ["other property", "missing", "none"])
def test_approve_needs_a_unit_of_the_same_property(session: Session, unit: str) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    mine_too = f.property_(session, owner, name="Second Place")  # even the owner's other one
    waiting = f.tenant(session, prop, approved=False)
    m = f.membership_of(session, waiting)
    unit_id = {
        "other property": f.units_of(session, mine_too)[0].id,
        "missing": 987_654,
        "none": None,
    }[unit]
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        memberships.approve_tenant(session, owner, m.id, unit_id)
    assert err.value.field == "unit"
    session.commit()
    assert f.db_snapshot(session) == before
    assert memberships.tenant_status(session, waiting).status == "pending"


# --- reject -----------------------------------------------------------------------------------


def test_reject_with_a_reason_tells_the_tenant_why(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, name="Sunrise Apartments")
    waiting = f.tenant(session, prop, f.units_of(session, prop)[0], approved=False)
    m = f.membership_of(session, waiting)
    memberships.reject_tenant(session, owner, m.id, "  We have no   tenant by that name. ")
    mail = f.last_email(session, waiting.email, "tenant_rejected")
    assert "Reason given: We have no tenant by that name." in mail.body
    status = memberships.tenant_status(session, waiting)
    assert (status.status, status.reason, status.unit_label) == (
        "rejected",
        "We have no tenant by that name.",
        "",
    )
    assert memberships.pending_count(session, owner) == 0
    assert emails(session, "tenant_approved") == []
    with pytest.raises(NotFound):
        properties.list_properties(session, waiting)


def test_reject_without_a_reason(session: Session) -> None:
    owner = f.landlord(session)
    waiting = f.tenant(session, f.property_(session, owner), approved=False)
    memberships.reject_tenant(session, owner, f.membership_of(session, waiting).id)
    assert "Reason given" not in f.last_email(session, waiting.email, "tenant_rejected").body
    assert memberships.tenant_status(session, waiting).reason == ""


def test_a_reason_over_500_characters_is_refused(session: Session) -> None:
    owner = f.landlord(session)
    waiting = f.tenant(session, f.property_(session, owner), approved=False)
    m = f.membership_of(session, waiting)
    with pytest.raises(ValidationError) as err:
        memberships.reject_tenant(session, owner, m.id, "x" * 501)
    assert err.value.field == "reason"
    assert memberships.tenant_status(session, waiting).status == "pending"
    assert emails(session, "tenant_rejected") == []


# --- deciding twice ---------------------------------------------------------------------------


def _approve(session: Session, actor: User, m: Membership) -> None:
    unit = f.units_of(session, session.get(Property, m.property_id))[1]
    memberships.approve_tenant(session, actor, m.id, unit.id)


def _reject(session: Session, actor: User, m: Membership) -> None:
    memberships.reject_tenant(session, actor, m.id, "second thoughts")


@pytest.mark.parametrize(
    ("first", "second"),
    [(_approve, _approve), (_approve, _reject), (_reject, _approve), (_reject, _reject)],
    ids=["approve-approve", "approve-reject", "reject-approve", "reject-reject"],
)
def test_a_signup_is_decided_once(
    session: Session, first: Callable[..., None], second: Callable[..., None]
) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    manager = f.member(session, prop, Role.MANAGER)
    waiting = f.tenant(session, prop, approved=False)
    m = f.membership_of(session, waiting)
    first(session, owner, m)
    before = f.db_snapshot(session)
    with pytest.raises(ServiceError) as err:
        second(session, manager, m)  # a second person, a moment later
    assert type(err.value) is ServiceError
    assert "already decided" in err.value.message
    session.commit()
    assert f.db_snapshot(session) == before  # no new decision, no second email


def test_a_decision_in_another_session_wins_over_a_stale_page(session: Session) -> None:
    """Two managers have the approvals page open; the second click loses cleanly."""
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    waiting = f.tenant(session, prop, approved=False)
    m = f.membership_of(session, waiting)
    unit = f.units_of(session, prop)[0]
    with Session(session.get_bind(), expire_on_commit=False) as other:
        memberships.reject_tenant(other, other.get(User, owner.id), m.id, "no")
    with pytest.raises(ServiceError, match="already decided"):
        memberships.approve_tenant(session, owner, m.id, unit.id)
    session.expire_all()
    assert f.membership_of(session, waiting).status == MembershipStatus.REJECTED
    assert emails(session, "tenant_approved") == []


# --- scoping ----------------------------------------------------------------------------------


def test_pending_lists_are_scoped_to_the_actors_properties(session: Session) -> None:
    lucy = f.landlord(session)
    oscar = f.landlord(session)
    sunrise = f.property_(session, lucy, name="Sunrise Apartments")
    acacia = f.property_(session, lucy, name="Acacia Flats")
    zebra = f.property_(session, oscar, name="Zebra Towers")
    manager = f.member(session, sunrise, Role.MANAGER)
    staff = f.member(session, sunrise, Role.STAFF)
    boss = f.admin_user(session)
    at_sunrise = f.tenant(session, sunrise, f.units_of(session, sunrise)[2], approved=False)
    at_acacia = f.tenant(session, acacia, approved=False)
    at_zebra = f.tenant(session, zebra, approved=False)
    f.tenant(session, sunrise)  # approved: not pending

    def seen(actor: User) -> set[tuple[str, str, str]]:
        rows = memberships.pending_approvals(session, actor)
        assert memberships.pending_count(session, actor) == len(rows)
        return {(p.email, p.property_name, p.requested_unit_label) for p in rows}

    assert seen(lucy) == {
        (at_sunrise.email, "Sunrise Apartments", "A3"),
        (at_acacia.email, "Acacia Flats", ""),
    }
    assert seen(manager) == {(at_sunrise.email, "Sunrise Apartments", "A3")}
    assert seen(oscar) == {(at_zebra.email, "Zebra Towers", "")}
    assert seen(boss) == seen(lucy) | seen(oscar)
    assert seen(staff) == set()
    # and nobody can decide outside their scope
    with pytest.raises(NotFound):
        memberships.approve_tenant(
            session,
            manager,
            f.membership_of(session, at_acacia).id,
            f.units_of(session, acacia)[0].id,
        )
    with pytest.raises(NotFound):
        memberships.reject_tenant(session, oscar, f.membership_of(session, at_sunrise).id, "")
    assert len(seen(lucy)) == 2  # both still waiting


def test_staff_memberships_are_not_signups(session: Session) -> None:
    """Manager and staff memberships are not signups: approve/reject can't touch them."""
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    staff = f.member(session, prop, Role.STAFF)
    m = f.membership_of(session, staff)
    before = f.db_snapshot(session)
    with pytest.raises(NotFound):
        memberships.reject_tenant(session, owner, m.id, "")
    with pytest.raises(NotFound):
        memberships.approve_tenant(session, owner, m.id, f.units_of(session, prop)[0].id)
    session.commit()
    assert f.db_snapshot(session) == before
