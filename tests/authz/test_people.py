"""The authorisation grid for a property's people (#10.10): removing managers and staff, and
listing and revoking invitations. The owner (and the admin) removes managers and staff and
revokes any invitation; a manager removes staff and revokes staff invitations, and is told
plainly when he tries a manager's; tenants are never removed here; everyone else learns nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from pms_app.accounts.models import Role
from pms_app.core.errors import NotFound
from pms_app.core.models import AuditEvent
from pms_app.properties import invitations, memberships
from pms_app.properties.models import Invitation, Membership, MembershipStatus
from tests import factories as f
from tests.authz import grid
from tests.authz.grid import ACTORS, Action, committed

# Targets at Sunrise: the world's staff member, its manager (the mgr column removes himself),
# its approved tenant, and one open staff and one open manager invitation sent by the owner.
GRID = """
action                 anon pend tnt  otnt staf mgr  own  olan admn deac
remove_staff           -    -    -    -    -    Y    Y    -    Y    -
remove_manager         -    -    -    -    -    s    Y    -    Y    -
remove_tenant          -    -    -    -    -    s    s    -    s    -
open_invitations       -    -    -    -    -    Y    Y    -    Y    -
revoke_staff_invite    -    -    -    -    -    Y    Y    -    Y    -
revoke_manager_invite  -    -    -    -    -    s    Y    -    Y    -
"""
WRITES = {
    "remove_staff",
    "remove_manager",
    "remove_tenant",
    "revoke_staff_invite",
    "revoke_manager_invite",
}
CELLS = grid.parse_grid(GRID)
STAFF_INVITE, MANAGER_INVITE = "invited-staff@example.test", "invited-manager@example.test"


@dataclass
class PeopleWorld:
    w: f.World
    staff_invite: int
    manager_invite: int


def _world(session: Session) -> PeopleWorld:
    w = f.world(session)
    f.invitation(session, w.prop, Role.STAFF, email=STAFF_INVITE)
    f.invitation(session, w.prop, Role.MANAGER, email=MANAGER_INVITE)
    ids = {i.email: i.id or 0 for i in session.exec(select(Invitation))}
    return PeopleWorld(w, ids[STAFF_INVITE], ids[MANAGER_INVITE])


def _mid(session: Session, pw: PeopleWorld, who: str) -> int:
    user = getattr(pw.w, who)
    m = session.exec(
        select(Membership).where(
            Membership.user_id == user.id, Membership.property_id == pw.w.prop.id
        )
    ).one()
    return m.id or 0


def _remove(who: str) -> Action[PeopleWorld]:
    def run(s: Session, pw: PeopleWorld, a: object) -> object:
        return memberships.remove_member(s, a, pw.w.prop.id or 0, _mid(s, pw, who))  # type: ignore[arg-type]

    def check(s: Session, pw: PeopleWorld, actor: str, result: object) -> None:
        mid = _mid(s, pw, who)
        with committed(s) as c:
            m = c.get(Membership, mid)
            assert m is not None and m.status == MembershipStatus.REMOVED
            [event] = c.exec(select(AuditEvent).where(AuditEvent.object_type == "membership"))
            assert (event.action, event.object_id) == ("remove", mid)
            assert event.actor_user_id == getattr(pw.w, actor).id

    return Action(run, check)


def _revoke(field: str) -> Action[PeopleWorld]:
    def run(s: Session, pw: PeopleWorld, a: object) -> object:
        return invitations.revoke_invitation(s, a, getattr(pw, field))  # type: ignore[arg-type]

    def check(s: Session, pw: PeopleWorld, actor: str, result: object) -> None:
        with committed(s) as c:
            rows = {i.id: i.revoked_at for i in c.exec(select(Invitation))}
            revoked = {i for i, at in rows.items() if at is not None}
            assert revoked == {getattr(pw, field)}  # that one, and only that one
            [event] = c.exec(select(AuditEvent).where(AuditEvent.object_type == "invitation"))
            assert (event.action, event.object_id) == ("revoke", getattr(pw, field))
            assert event.actor_user_id == getattr(pw.w, actor).id

    return Action(run, check)


def _check_open(s: Session, pw: PeopleWorld, actor: str, result: object) -> None:
    assert [(i.email, i.role) for i in result] == [  # type: ignore[attr-defined]
        (STAFF_INVITE, "staff"),
        (MANAGER_INVITE, "manager"),
    ]


ACTIONS: dict[str, Action[PeopleWorld]] = {
    "remove_staff": _remove("staff"),
    "remove_manager": _remove("manager"),
    "remove_tenant": _remove("tenant"),
    "open_invitations": Action(
        lambda s, pw, a: invitations.open_invitations(s, a, pw.w.prop.id or 0), _check_open
    ),
    "revoke_staff_invite": _revoke("staff_invite"),
    "revoke_manager_invite": _revoke("manager_invite"),
}


def _secrets(session: Session) -> list[str]:
    return grid.people_and_places(session) + [STAFF_INVITE, MANAGER_INVITE]


def test_the_grid_covers_every_action_and_actor() -> None:
    grid.check_covers(CELLS, ACTIONS, {"Y", "-", "s"})


@pytest.mark.parametrize("actor", list(ACTORS.values()))
def test_denials(session: Session, actor: str) -> None:
    pw = _world(session)
    grid.run_reads_and_denials(
        session, pw, CELLS, ACTIONS, WRITES, actor, pw.w.actor(actor), lambda: _secrets(session)
    )


@pytest.mark.parametrize(
    ("actor", "action"),
    grid.allowed(CELLS, WRITES),
    ids=[f"{b}-{a}" for a, b in grid.allowed(CELLS, WRITES)],
)
def test_allowed(session: Session, actor: str, action: str) -> None:
    pw = _world(session)
    grid.run_allowed(session, pw, ACTIONS[action], actor, pw.w.actor(actor), read=False)


@pytest.mark.parametrize("action", ["remove", "revoke"])
def test_someone_elses_object_looks_exactly_like_a_missing_one(
    session: Session, action: str
) -> None:
    """The other landlord probing Sunrise's ids learns nothing he wouldn't from made-up ids."""
    pw = _world(session)
    theirs = pw.w.other_landlord
    own_prop = pw.w.other_prop.id or 0

    def call(target: int) -> object:
        if action == "remove":  # his own property's id with Sunrise's membership, and Sunrise's
            return memberships.remove_member(session, theirs, own_prop, target)
        return invitations.revoke_invitation(session, theirs, target)

    real = _mid(session, pw, "staff") if action == "remove" else pw.staff_invite
    messages = []
    for target in (real, 987_654):
        with pytest.raises(NotFound) as err:
            call(target)
        messages.append((err.value.message, err.value.field))
    assert messages[0] == messages[1]
    if action == "remove":
        with pytest.raises(NotFound) as err:
            memberships.remove_member(session, theirs, pw.w.prop.id or 0, real)
        assert err.value.message == "That property was not found."
