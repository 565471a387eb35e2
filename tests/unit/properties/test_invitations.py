"""Inviting managers and staff, accepting by link, and what each may then do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from pms_app.accounts import service as accounts
from pms_app.accounts import throttle
from pms_app.accounts.models import Role, User
from pms_app.accounts.tokens import hash_token
from pms_app.core.errors import NotFound, ServiceError, Throttled, ValidationError
from pms_app.core.i18n import use_language
from pms_app.core.timestamps import utcnow
from pms_app.emails.models import EmailMessage
from pms_app.properties import invitations, memberships
from pms_app.properties import service as properties
from pms_app.properties.access import get_visible_property
from pms_app.properties.models import Invitation, Membership, MembershipStatus
from tests import factories as f


def invitation_rows(session: Session) -> list[tuple[str, str]]:
    return [(i.email, i.role) for i in session.exec(select(Invitation).order_by(Invitation.id))]


def accept(session: Session, token: str, name: str = "Mary Manager") -> User:
    user, _ = invitations.accept_with_new_account(session, token, name, "0733000111", f.PASSWORD)
    return user


# --- invite -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.STAFF])
def test_owner_invites_a_manager_or_staff_member_by_email(session: Session, role: Role) -> None:
    owner = f.landlord(session, name="Lucy Landlord")
    prop = f.property_(session, owner, name="Sunrise Apartments")
    answer = invitations.invite(session, owner, prop.id, "  New.Person@Example.TEST ", role.value)
    assert answer == "Invitation sent to new.person@example.test if they can be invited."
    inv = session.exec(select(Invitation)).one()
    assert (inv.property_id, inv.email, inv.role, inv.invited_by_id) == (
        prop.id,
        "new.person@example.test",
        role,
        owner.id,
    )
    assert inv.expires_at - utcnow() > timedelta(days=6, hours=23)

    mail = f.last_email(session, "new.person@example.test", "invitation")
    assert mail.subject == "You're invited to help manage Sunrise Apartments"
    assert (
        f"Lucy Landlord ({owner.email}) invited you to help manage Sunrise Apartments as "
        + role.value
    ) in mail.body
    token = f.token_from_email(session, "new.person@example.test", "invitation")
    assert inv.token_hash == hash_token(token) and token not in inv.token_hash  # stored hashed
    view = invitations.view_invitation(session, token)
    assert (view.property_name, view.email, view.role, view.has_account) == (
        "Sunrise Apartments",
        "new.person@example.test",
        role,
        False,
    )


def test_the_answer_comes_in_the_inviters_language(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    with use_language("sw"):
        answer = invitations.invite(session, owner, prop.id, "mlinzi@example.test", "staff")
    assert answer == "Mwaliko umetumwa kwa mlinzi@example.test ikiwa anaweza kualikwa."


def test_a_manager_invites_staff_but_not_managers(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    manager = f.member(session, prop, Role.MANAGER)
    invitations.invite(session, manager, prop.id, "helper@example.test", "staff")
    assert ("helper@example.test", "staff") in invitation_rows(session)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        invitations.invite(session, manager, prop.id, "boss@example.test", "manager")
    assert err.value.field == "role"
    assert "owner" in err.value.message
    session.commit()
    assert f.db_snapshot(session) == before  # no invitation, no email


@pytest.mark.parametrize("who", ["staff", "tenant", "other_landlord", "other_manager"])
def test_people_who_dont_manage_the_property_cannot_invite(session: Session, who: str) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    other_prop = f.property_(session, f.landlord(session), name="Zebra Towers")
    actor = {
        "staff": lambda: f.member(session, prop, Role.STAFF),
        "tenant": lambda: f.tenant(session, prop),
        "other_landlord": lambda: session.get(User, other_prop.owner_id),
        "other_manager": lambda: f.member(session, other_prop, Role.MANAGER),
    }[who]()
    before = f.db_snapshot(session)
    for role in ("staff", "manager"):
        with pytest.raises(NotFound):
            invitations.invite(session, actor, prop.id, "helper@example.test", role)
    session.commit()
    assert f.db_snapshot(session) == before


@pytest.mark.parametrize(
    ("email", "role", "field"),
    [
        ("x@example.test", "tenant", "role"),
        ("x@example.test", "landlord", "role"),
        ("x@example.test", "admin", "role"),
        ("x@example.test", "", "role"),
        ("not an email", "staff", "email"),
        ("", "staff", "email"),
    ],
)
def test_invite_refuses_bad_input(session: Session, email: str, role: str, field: str) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        invitations.invite(session, owner, prop.id, email, role)
    assert err.value.field == field
    session.commit()
    assert f.db_snapshot(session) == before


def test_the_answer_never_tells_whose_address_it_is(session: Session) -> None:
    """Enumeration through the invite form: a new person, a tenant's account (here or
    elsewhere), a landlord, a member already. Same answer; only invitable people get mail."""
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    addresses = {
        "new": "brand-new@example.test",
        "tenant here": f.tenant(session, prop).email,
        "tenant elsewhere": f.tenant(session, f.property_(session, f.landlord(session))).email,
        "landlord": f.landlord(session).email,
        "member": f.member(session, prop, Role.STAFF).email,
    }
    rows_before = invitation_rows(session)
    answers = {
        who: invitations.invite(session, owner, prop.id, email, "staff").replace(email, "<email>")
        for who, email in addresses.items()
    }
    assert set(answers.values()) == {"Invitation sent to <email> if they can be invited."}
    assert invitation_rows(session) == [*rows_before, ("brand-new@example.test", "staff")]


def test_the_twenty_first_invitation_in_an_hour_is_refused(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = {"t": utcnow()}
    monkeypatch.setattr(throttle, "utcnow", lambda: clock["t"])
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    manager = f.member(session, prop, Role.MANAGER)  # the owner's first invitation
    for i in range(19):
        invitations.invite(session, owner, prop.id, f"p{i}@example.test", "staff")
    with pytest.raises(Throttled) as err:
        invitations.invite(session, owner, prop.id, "one-too-many@example.test", "staff")
    assert err.value.message == "You have sent too many invitations. Try again later."
    session.rollback()
    assert (
        session.exec(select(Invitation).where(Invitation.email.like("one-too-many%"))).all() == []
    )
    assert not session.exec(
        select(EmailMessage).where(EmailMessage.to_email == "one-too-many@example.test")
    ).all()
    invitations.invite(
        session, manager, prop.id, "from-manager@example.test", "staff"
    )  # per inviter
    clock["t"] += timedelta(hours=1, seconds=1)
    invitations.invite(session, owner, prop.id, "one-too-many@example.test", "staff")


def test_invitations_from_one_address_are_limited_across_inviters(session: Session) -> None:
    inviters = [f.landlord(session) for _ in range(3)]
    props = [f.property_(session, who) for who in inviters]
    for n in range(50):  # 50 an hour from one address, whoever is logged in
        who, prop = inviters[n % 3], props[n % 3]
        invitations.invite(session, who, prop.id, f"x{n}@example.test", "staff", ip="5.5.5.5")
    who, prop = inviters[2], props[2]  # 16 of its own 20 so far
    with pytest.raises(Throttled):
        invitations.invite(session, who, prop.id, "x50@example.test", "staff", ip="5.5.5.5")
    session.rollback()
    invitations.invite(session, who, prop.id, "x50@example.test", "staff", ip="6.6.6.6")


# --- accept with a new account ----------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.STAFF])
def test_accepting_creates_the_account_with_the_invited_role(session: Session, role: Role) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    email, token = f.invitation(session, prop, role)
    user, session_token = invitations.accept_with_new_account(
        session, token, "Mary Member", "0733 000 111", f.PASSWORD
    )
    assert (user.email, user.role, user.full_name, user.phone) == (
        email,
        role,
        "Mary Member",
        "254733000111",
    )
    assert accounts.user_for_token(session, session_token).id == user.id  # logged in
    m = f.membership_of(session, user)
    assert (m.property_id, m.role, m.status, m.decided_by_id) == (
        prop.id,
        role,
        MembershipStatus.APPROVED,
        owner.id,
    )
    assert session.exec(select(Invitation)).one().accepted_at is not None
    assert accounts.login(session, email, f.PASSWORD)  # the password they chose works


def test_an_invitation_link_works_once(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    email, token = f.invitation(session, prop, Role.STAFF)
    accept(session, token)
    before = f.db_snapshot(session)
    with pytest.raises(ServiceError) as err:
        invitations.accept_with_new_account(
            session, token, "Someone Else", "0733000222", "another passphrase"
        )
    assert err.value.message == invitations.INVALID_INVITATION
    with pytest.raises(ServiceError):
        invitations.view_invitation(session, token)
    session.commit()
    assert f.db_snapshot(session) == before
    assert len(session.exec(select(User).where(User.email == email)).all()) == 1


def test_an_expired_invitation_is_refused(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    email, token = f.invitation(session, prop, Role.MANAGER)
    session.exec(  # type: ignore[call-overload]
        update(Invitation)
        .where(Invitation.email == email)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    session.expire_all()
    before = f.db_snapshot(session)
    with pytest.raises(ServiceError) as err:
        invitations.view_invitation(session, token)
    assert err.value.message == invitations.INVALID_INVITATION
    with pytest.raises(ServiceError) as err:
        accept(session, token)
    assert err.value.message == invitations.INVALID_INVITATION
    session.commit()
    assert f.db_snapshot(session) == before  # no account was made


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 101])
def test_a_made_up_link_is_refused_the_same_way(session: Session, token: str) -> None:
    f.invitation(session, f.property_(session, f.landlord(session)), Role.STAFF)
    with pytest.raises(ServiceError) as err:
        accept(session, token)
    assert err.value.message == invitations.INVALID_INVITATION
    assert session.exec(select(Invitation)).one().accepted_at is None


def test_a_refused_password_does_not_use_up_the_invitation(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    email, token = f.invitation(session, prop, Role.STAFF)
    with pytest.raises(ValidationError) as err:
        invitations.accept_with_new_account(session, token, "Mary", "0733000111", "password123")
    assert err.value.field == "password"
    assert session.exec(select(User).where(User.email == email)).first() is None
    user = accept(session, token)  # they try again with a better one
    assert user.role == Role.STAFF


def test_an_invitation_for_an_existing_account_needs_logging_in(session: Session) -> None:
    lucy = f.landlord(session)
    oscar = f.landlord(session)
    zebra = f.property_(session, oscar, name="Zebra Towers")
    sunrise = f.property_(session, lucy, name="Sunrise Apartments")
    manager = f.member(session, zebra, Role.MANAGER)
    _, token = f.invitation(session, sunrise, Role.MANAGER, email=manager.email)
    assert invitations.view_invitation(session, token).has_account is True
    with pytest.raises(ValidationError) as err:
        accept(session, token)
    assert err.value.field == "email"
    assert session.exec(select(Invitation).where(Invitation.property_id == sunrise.id)).one()


# --- accept as a logged-in user ----------------------------------------------------------------


def test_an_existing_manager_accepts_and_then_manages_both_properties(session: Session) -> None:
    lucy = f.landlord(session)
    oscar = f.landlord(session)
    zebra = f.property_(session, oscar, name="Zebra Towers")
    sunrise = f.property_(session, lucy, name="Sunrise Apartments")
    manager = f.member(session, zebra, Role.MANAGER)
    with pytest.raises(NotFound):
        properties.list_units(session, manager, sunrise.id)
    _, token = f.invitation(session, sunrise, Role.MANAGER, email=manager.email)
    invitations.accept_as_user(session, manager, token)
    assert {p.name for p in properties.list_properties(session, manager)} == {
        "Sunrise Apartments",
        "Zebra Towers",
    }
    assert [u.label for u in properties.list_units(session, manager, sunrise.id)] == [
        "A1",
        "A2",
        "A3",
    ]
    with pytest.raises(ServiceError) as err:
        invitations.accept_as_user(session, manager, token)  # once only
    assert err.value.message == invitations.INVALID_INVITATION


@pytest.mark.parametrize("who", ["someone else", "same email, other role"])
def test_accept_as_user_needs_the_invited_email_and_role(session: Session, who: str) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    email, token = f.invitation(session, prop, Role.STAFF)
    if who == "someone else":
        actor = f.member(session, f.property_(session, f.landlord(session)), Role.STAFF)
    else:  # the invited address signed up as a landlord before accepting
        actor = f.landlord(session, email=email)
    before = f.db_snapshot(session)
    with pytest.raises(NotFound):
        invitations.accept_as_user(session, actor, token)
    session.commit()
    assert f.db_snapshot(session) == before  # the invitation is still unused
    with pytest.raises(NotFound):
        properties.list_units(session, actor, prop.id)


def test_accept_as_user_needs_a_login(session: Session) -> None:
    owner = f.landlord(session)
    _, token = f.invitation(session, f.property_(session, owner), Role.STAFF)
    with pytest.raises(ServiceError):
        invitations.accept_as_user(session, None, token)
    assert session.exec(select(Invitation)).one().accepted_at is None


# --- what the invited people may do --------------------------------------------------------------


def test_an_invited_manager_manages_the_property(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=3, name="Sunrise Apartments")
    other = f.property_(session, f.landlord(session), name="Zebra Towers")
    _, token = f.invitation(session, prop, Role.MANAGER)
    manager = accept(session, token)
    a1, a2, _ = f.units_of(session, prop)
    waiting = f.tenant(session, prop, a2, approved=False)

    assert [u.label for u in properties.list_units(session, manager, prop.id)] == [
        "A1",
        "A2",
        "A3",
    ]
    [pending] = memberships.pending_approvals(session, manager)
    assert pending.email == waiting.email
    memberships.approve_tenant(session, manager, pending.membership_id, a2.id)
    assert memberships.tenant_status(session, waiting).status == "approved"
    assert f.membership_of(session, waiting).decided_by_id == manager.id
    properties.add_unit(session, manager, prop.id, "B1", "5000")
    properties.update_unit(session, manager, a1.id, "A1", "21000")
    properties.update_property(session, manager, prop.id, "Sunrise Court", "Ngong Road", "20000")
    people = {(p.email, p.role) for p in memberships.property_people(session, manager, prop.id)}
    assert (waiting.email, "tenant") in people and (manager.email, "manager") in people
    invitations.invite(session, manager, prop.id, "helper@example.test", "staff")
    # ... but it stays the owner's property, and other properties stay out of reach.
    with pytest.raises(NotFound):
        properties.delete_property(session, manager, prop.id)
    with pytest.raises(NotFound):
        properties.list_units(session, manager, other.id)
    assert [p.name for p in properties.list_properties(session, manager)] == ["Sunrise Court"]


def test_invited_staff_can_look_but_not_manage(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2, name="Sunrise Apartments")
    _, token = f.invitation(session, prop, Role.STAFF)
    staff = accept(session, token, name="Sam Staff")
    a1, a2 = f.units_of(session, prop)
    resident = f.tenant(session, prop, a1)
    waiting = f.tenant(session, prop, a2, approved=False)
    m = f.membership_of(session, waiting)

    assert [p.name for p in properties.list_properties(session, staff)] == ["Sunrise Apartments"]
    assert get_visible_property(session, staff, prop.id).id == prop.id
    rows = properties.list_units(session, staff, prop.id)
    assert [(r.label, r.tenant_names) for r in rows] == [("A1", [resident.full_name]), ("A2", [])]
    assert memberships.pending_approvals(session, staff) == []
    assert memberships.pending_count(session, staff) == 0

    before = f.db_snapshot(session)
    refused = [
        lambda: memberships.approve_tenant(session, staff, m.id, a2.id),
        lambda: memberships.reject_tenant(session, staff, m.id, ""),
        lambda: memberships.property_people(session, staff, prop.id),
        lambda: properties.add_unit(session, staff, prop.id, "B1", ""),
        lambda: properties.update_unit(session, staff, a2.id, "B2", ""),
        lambda: properties.delete_unit(session, staff, a2.id),
        lambda: properties.update_property(session, staff, prop.id, "Mine", "Here", ""),
        lambda: properties.delete_property(session, staff, prop.id),
        lambda: invitations.invite(session, staff, prop.id, "pal@example.test", "staff"),
    ]
    for call in refused:
        with pytest.raises(NotFound):
            call()
    session.commit()
    assert f.db_snapshot(session) == before
    assert memberships.tenant_status(session, waiting).status == "pending"


def test_each_invitation_email_is_sent_to_the_invited_address_only(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner)
    f.invitation(session, prop, Role.STAFF, email="one@example.test")
    f.invitation(session, prop, Role.MANAGER, email="two@example.test")
    sent = session.exec(select(EmailMessage).where(EmailMessage.kind == "invitation")).all()
    assert sorted(m.to_email for m in sent) == ["one@example.test", "two@example.test"]
    one = f.token_from_email(session, "one@example.test", "invitation")
    two = f.token_from_email(session, "two@example.test", "invitation")
    assert one != two
    assert invitations.view_invitation(session, one).role == "staff"
    assert invitations.view_invitation(session, two).role == "manager"
    assert session.exec(select(Membership).where(Membership.role != "tenant")).all() == []
