"""Removing managers and staff from a property, and revoking invitations (#10.10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from pms_app.accounts import service as accounts
from pms_app.accounts.models import Role, User
from pms_app.core.errors import NotFound, ServiceError
from pms_app.core.models import AuditEvent
from pms_app.core.timestamps import utcnow
from pms_app.properties import invitations, memberships
from pms_app.properties import service as properties
from pms_app.properties.access import get_visible_property
from pms_app.properties.models import Invitation, Membership, MembershipStatus, Property
from pms_app.properties.views import property_page
from tests import factories as f


def membership_at(session: Session, user: User, prop: Property) -> Membership:
    return session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.property_id == prop.id)
    ).one()


def events(session: Session, object_type: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.object_type == object_type)))


def invitation_row(session: Session, email: str) -> Invitation:
    return session.exec(select(Invitation).where(Invitation.email == email)).one()


def refused_quietly(session: Session, call: object, error: type[ServiceError]) -> str:
    """`call()` raises exactly `error` and, committed afterwards, changed nothing."""
    before = f.db_snapshot(session)
    with pytest.raises(ServiceError) as err:
        call()  # type: ignore[operator]
    assert type(err.value) is error, err.value.message
    session.commit()
    assert f.db_snapshot(session) == before
    return err.value.message


# --- remove_member ----------------------------------------------------------------------------


def test_the_owner_removes_a_manager_who_loses_access_at_once(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    manager = f.member(session, prop, Role.MANAGER)
    token = f.login_token(session, manager)
    m = membership_at(session, manager, prop)
    assert properties.list_units(session, manager, prop.id)
    memberships.remove_member(session, owner, prop.id, m.id)
    session.expire_all()
    assert membership_at(session, manager, prop).status == MembershipStatus.REMOVED
    # His session still logs him in, but every check now refuses the property.
    again = accounts.user_for_token(session, token)
    assert again is not None and again.id == manager.id
    for call in (
        lambda: properties.list_units(session, again, prop.id),
        lambda: get_visible_property(session, again, prop.id),
        lambda: property_page(session, again, prop.id),
        lambda: invitations.invite(session, again, prop.id, "x@example.test", "staff"),
    ):
        with pytest.raises(NotFound):
            call()
    assert properties.list_properties(session, again) == []
    assert manager.email not in {
        p.email for p in memberships.property_people(session, owner, prop.id)
    }
    [event] = events(session, "membership")
    assert (event.action, event.object_id, event.actor_user_id, event.property_id) == (
        "remove",
        m.id,
        owner.id,
        prop.id,
    )
    assert (event.before["status"], event.after["status"]) == ("approved", "removed")
    assert event.before["role"] == "manager" and event.before["user_id"] == manager.id


@pytest.mark.parametrize("by", ["owner", "manager"])
def test_the_owner_or_a_manager_removes_staff(session: Session, by: str) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    manager = f.member(session, prop, Role.MANAGER)
    staff = f.member(session, prop, Role.STAFF)
    actor = owner if by == "owner" else manager
    memberships.remove_member(session, actor, prop.id, membership_at(session, staff, prop).id)
    with pytest.raises(NotFound):
        property_page(session, staff, prop.id)
    assert properties.list_properties(session, staff) == []
    [event] = events(session, "membership")
    assert event.actor_user_id == actor.id


def test_removal_at_one_property_keeps_the_others(session: Session) -> None:
    lucy, oscar = f.landlord(session), f.landlord(session)
    sunrise = f.property_(session, lucy, name="Sunrise Apartments")
    zebra = f.property_(session, oscar, name="Zebra Towers")
    manager = f.member(session, zebra, Role.MANAGER)
    _, token = f.invitation(session, sunrise, Role.MANAGER, email=manager.email)
    invitations.accept_as_user(session, manager, token)
    memberships.remove_member(
        session, lucy, sunrise.id, membership_at(session, manager, sunrise).id
    )
    assert {p.name for p in properties.list_properties(session, manager)} == {"Zebra Towers"}


def test_a_manager_may_not_remove_a_manager_not_even_himself(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    manager = f.member(session, prop, Role.MANAGER)
    colleague = f.member(session, prop, Role.MANAGER)
    for target in (colleague, manager):
        mid = membership_at(session, target, prop).id
        message = refused_quietly(
            session,
            lambda mid=mid: memberships.remove_member(session, manager, prop.id, mid),
            ServiceError,
        )
        assert message == "Only the property's owner can remove managers."


def test_tenants_are_not_removed_here(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    tenant = f.tenant(session, prop)
    mid = f.membership_of(session, tenant).id
    message = refused_quietly(
        session, lambda: memberships.remove_member(session, owner, prop.id, mid), ServiceError
    )
    assert message == "Only managers and staff can be removed here."


def test_the_owner_is_never_removed(session: Session) -> None:
    """Even a membership row naming the owner (none is made today) is refused."""
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    m = Membership(
        user_id=owner.id, property_id=prop.id, role=Role.MANAGER, status=MembershipStatus.APPROVED
    )
    session.add(m)
    session.commit()
    message = refused_quietly(
        session, lambda: memberships.remove_member(session, owner, prop.id, m.id), ServiceError
    )
    assert message == "The property's owner can't be removed."


def test_staff_tenants_and_other_landlords_learn_nothing(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    staff = f.member(session, prop, Role.STAFF)
    other_staff = f.member(session, prop, Role.STAFF)
    tenant = f.tenant(session, prop)
    stranger = f.landlord(session)
    mid = membership_at(session, other_staff, prop).id
    for actor in (staff, tenant, stranger):
        refused_quietly(
            session,
            lambda actor=actor: memberships.remove_member(session, actor, prop.id, mid),
            NotFound,
        )


def test_a_membership_of_another_property_or_a_made_up_id_is_not_found(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    other = f.property_(session, f.landlord(session), name="Zebra Towers")
    theirs = membership_at(session, f.member(session, other, Role.STAFF), other).id
    for mid in (theirs, 987_654, "1"):
        refused_quietly(
            session,
            lambda mid=mid: memberships.remove_member(session, owner, prop.id, mid),  # type: ignore[arg-type]
            NotFound,
        )


def test_removing_twice_says_so_and_a_new_invitation_brings_him_back(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    staff = f.member(session, prop, Role.STAFF)
    mid = membership_at(session, staff, prop).id
    memberships.remove_member(session, owner, prop.id, mid)
    message = refused_quietly(
        session, lambda: memberships.remove_member(session, owner, prop.id, mid), ServiceError
    )
    assert message == "This person was already removed."
    _, token = f.invitation(session, prop, Role.STAFF, email=staff.email)
    invitations.accept_as_user(session, staff, token)
    assert [p.name for p in properties.list_properties(session, staff)] == [prop.name]


# --- open invitations and revoke_invitation ---------------------------------------------------


def test_open_invitations_lists_only_the_ones_that_still_work(session: Session) -> None:
    owner = f.landlord(session, name="Lucy Landlord")
    prop = f.property_(session, owner)
    other = f.property_(session, f.landlord(session), name="Zebra Towers")
    waiting, _ = f.invitation(session, prop, Role.STAFF)
    boss, _ = f.invitation(session, prop, Role.MANAGER)
    _, used = f.invitation(session, prop, Role.STAFF)
    invitations.accept_with_new_account(session, used, "Sam Staff", "0733000111", f.PASSWORD)
    old, _ = f.invitation(session, prop, Role.STAFF)
    session.exec(  # type: ignore[call-overload]
        update(Invitation)
        .where(Invitation.email == old)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    f.invitation(session, other, Role.STAFF)
    session.commit()
    rows = invitations.open_invitations(session, owner, prop.id)
    assert [(r.email, r.role, r.invited_by) for r in rows] == [
        (waiting, "staff", "Lucy Landlord"),
        (boss, "manager", "Lucy Landlord"),
    ]
    assert [i.email for i in property_page(session, owner, prop.id).invitations] == [waiting, boss]
    manager = f.member(session, prop, Role.MANAGER)
    assert {r.email for r in invitations.open_invitations(session, manager, prop.id)} == {
        waiting,
        boss,
    }
    staff = f.member(session, prop, Role.STAFF)
    assert property_page(session, staff, prop.id).invitations == []
    with pytest.raises(NotFound):
        invitations.open_invitations(session, staff, prop.id)


def test_the_owner_revokes_an_invitation_and_its_link_stops_working(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    email, token = f.invitation(session, prop, Role.MANAGER)
    inv = invitation_row(session, email)
    invitations.revoke_invitation(session, owner, inv.id)
    session.expire_all()
    assert invitation_row(session, email).revoked_at is not None
    for call in (
        lambda: invitations.view_invitation(session, token),
        lambda: invitations.accept_with_new_account(
            session, token, "Mary Manager", "0733000111", f.PASSWORD
        ),
    ):
        with pytest.raises(ServiceError) as err:
            call()
        assert err.value.message == invitations.INVALID_INVITATION
        assert "revoked" in err.value.message
    assert session.exec(select(User).where(User.email == email)).first() is None
    assert invitations.open_invitations(session, owner, prop.id) == []
    [event] = events(session, "invitation")
    assert (event.action, event.object_id, event.actor_user_id, event.property_id) == (
        "revoke",
        inv.id,
        owner.id,
        prop.id,
    )
    assert event.before["revoked_at"] is None and event.after["revoked_at"]
    assert event.after["email"] == email


def test_a_manager_revokes_staff_invitations_only(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    manager = f.member(session, prop, Role.MANAGER)
    helper, _ = f.invitation(session, prop, Role.STAFF, inviter=manager)
    boss, _ = f.invitation(session, prop, Role.MANAGER)
    invitations.revoke_invitation(session, manager, invitation_row(session, helper).id)
    boss_id = invitation_row(session, boss).id
    message = refused_quietly(
        session, lambda: invitations.revoke_invitation(session, manager, boss_id), ServiceError
    )
    assert message == "Only the property's owner can revoke a manager's invitation."


def test_an_accepted_or_revoked_invitation_cannot_be_revoked(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    email, token = f.invitation(session, prop, Role.STAFF)
    invitations.accept_with_new_account(session, token, "Sam Staff", "0733000111", f.PASSWORD)
    accepted = invitation_row(session, email).id
    other, _ = f.invitation(session, prop, Role.STAFF)
    revoked = invitation_row(session, other).id
    invitations.revoke_invitation(session, owner, revoked)
    for iid in (accepted, revoked):
        message = refused_quietly(
            session,
            lambda iid=iid: invitations.revoke_invitation(session, owner, iid),
            ServiceError,
        )
        assert message == "This invitation was already accepted or revoked."


def test_strangers_get_not_found_for_an_invitation(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    staff = f.member(session, prop, Role.STAFF)
    tenant = f.tenant(session, prop)
    stranger = f.landlord(session)
    email, _ = f.invitation(session, prop, Role.STAFF)
    iid = invitation_row(session, email).id
    for actor, target in ((staff, iid), (tenant, iid), (stranger, iid), (owner, 987_654)):
        refused_quietly(
            session,
            lambda actor=actor, target=target: invitations.revoke_invitation(
                session, actor, target
            ),
            NotFound,
        )


def test_a_revoke_between_opening_and_accepting_wins(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The person opened the link (checked: fine), then the owner revoked it, then he submits:
    the join refuses, no account is made."""
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    email, token = f.invitation(session, prop, Role.STAFF)
    iid = invitation_row(session, email).id
    opened = invitations._open_invitation

    def open_then_revoke(s: Session, t: str) -> Invitation:
        inv = opened(s, t)
        with Session(s.get_bind()) as other:
            invitations.revoke_invitation(other, other.get(User, owner.id), iid)
        return inv

    monkeypatch.setattr(invitations, "_open_invitation", open_then_revoke)
    with pytest.raises(ServiceError) as err:
        invitations.accept_with_new_account(session, token, "Sam Staff", "0733000111", f.PASSWORD)
    assert err.value.message == invitations.INVALID_INVITATION
    assert session.exec(select(User).where(User.email == email)).first() is None
