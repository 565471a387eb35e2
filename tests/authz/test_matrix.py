"""The authorisation matrix: every actor × every action on the objects that exist today.

Each cell either succeeds (and the test checks the effect, or for lists the exact scope), or is
denied: a ServiceError (NotAuthenticated for anonymous/deactivated actors, NotFound otherwise),
nothing changes in the database, and the message leaks no property name, person or email.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from pms_app.accounts import admin
from pms_app.accounts.models import User
from pms_app.core.errors import NotFound
from pms_app.properties import invitations, memberships
from pms_app.properties import service as properties
from pms_app.properties.access import get_visible_property
from pms_app.properties.models import Invitation, Membership, MembershipStatus, Property, Unit
from tests import factories as f
from tests.authz import grid
from tests.authz.grid import ACTORS, Action, committed

# Columns: grid.ACTORS. Y = allowed, - = denied (NotAuthenticated / NotFound),
# v = refused with a ValidationError (the actor may see the property but not choose this option).
# Actions act on Sunrise Apartments (the owner's property) unless they are lists.
GRID = """
action               anon pend tnt  otnt staf mgr  own  olan admn deac
list_properties      -    -    Y    Y    Y    Y    Y    Y    Y    -
read_property        -    -    Y    -    Y    Y    Y    -    Y    -
list_units           -    -    -    -    Y    Y    Y    -    Y    -
create_property      -    -    -    -    -    -    Y    Y    Y    -
update_property      -    -    -    -    -    Y    Y    -    Y    -
delete_property      -    -    -    -    -    -    Y    -    Y    -
add_unit             -    -    -    -    -    Y    Y    -    Y    -
update_unit          -    -    -    -    -    Y    Y    -    Y    -
delete_unit          -    -    -    -    -    Y    Y    -    Y    -
pending_approvals    -    -    Y    Y    Y    Y    Y    Y    Y    -
pending_count        -    -    Y    Y    Y    Y    Y    Y    Y    -
approve_tenant       -    -    -    -    -    Y    Y    -    Y    -
reject_tenant        -    -    -    -    -    Y    Y    -    Y    -
property_people      -    -    -    -    -    Y    Y    -    Y    -
invite_staff         -    -    -    -    -    Y    Y    -    Y    -
invite_manager       -    -    -    -    -    v    Y    -    Y    -
list_users           -    -    -    -    -    -    -    -    Y    -
list_all_properties  -    -    -    -    -    -    -    -    Y    -
set_user_active      -    -    -    -    -    -    -    -    Y    -
"""
ROWS = grid.parse_grid(GRID)
CELLS = grid.cells(ROWS)
# Every other action is a read: allowed, it must write nothing.
WRITES = {
    "create_property",
    "update_property",
    "delete_property",
    "add_unit",
    "update_unit",
    "delete_unit",
    "approve_tenant",
    "reject_tenant",
    "invite_staff",
    "invite_manager",
    "set_user_active",
}

SUNRISE, ZEBRA = "Sunrise Apartments", "Zebra Towers"

# What each actor's scoped lists must contain: exactly these, nothing else.
VISIBLE_PROPERTIES = {
    "tenant": {SUNRISE},
    "other_tenant": {ZEBRA},
    "staff": {SUNRISE},
    "manager": {SUNRISE},
    "owner": {SUNRISE},
    "other_landlord": {ZEBRA},
    "admin": {SUNRISE, ZEBRA},
}
PENDING_SEEN = {  # whose signups the actor is asked to decide
    "tenant": set(),
    "other_tenant": set(),
    "staff": set(),
    "manager": {"pending"},
    "owner": {"pending"},
    "other_landlord": {"other_pending"},
    "admin": {"pending", "other_pending"},
}


# --- runs -------------------------------------------------------------------------------------


def _pending_id(session: Session, w: f.World) -> int:
    return f.membership_of(session, w.pending).id


def _run_update_property(s: Session, w: f.World, a: User | None) -> object:
    return properties.update_property(s, a, w.prop.id, "Sunrise Renamed", "Mombasa Road", "25000")


def _run_add_unit(s: Session, w: f.World, a: User | None) -> object:
    return properties.add_unit(s, a, w.prop.id, "b9", "15000")


def _run_update_unit(s: Session, w: f.World, a: User | None) -> object:
    return properties.update_unit(s, a, w.unit(s, "A3").id, "c3", "18000")


def _run_delete_unit(s: Session, w: f.World, a: User | None) -> object:
    return properties.delete_unit(s, a, w.unit(s, "A4").id)


def _run_approve(s: Session, w: f.World, a: User | None) -> object:
    return memberships.approve_tenant(s, a, _pending_id(s, w), w.unit(s, "A2").id)


def _run_reject(s: Session, w: f.World, a: User | None) -> object:
    return memberships.reject_tenant(s, a, _pending_id(s, w), "Unknown to us")


def _run_invite(role: str) -> Callable[[Session, f.World, User | None], object]:
    def run(s: Session, w: f.World, a: User | None) -> object:
        return invitations.invite(s, a, w.prop.id, f"new-{role}@example.test", role)

    return run


# --- checks -----------------------------------------------------------------------------------


def _check_list_properties(s: Session, w: f.World, actor: str, result: object) -> None:
    assert {p.name for p in result} == VISIBLE_PROPERTIES[actor]  # type: ignore[attr-defined]


def _check_read_property(s: Session, w: f.World, actor: str, result: object) -> None:
    assert result.id == w.prop.id  # type: ignore[attr-defined]


def _check_list_units(s: Session, w: f.World, actor: str, result: object) -> None:
    rows = {u.label: u.tenant_names for u in result}  # type: ignore[attr-defined]
    assert rows == {"A1": ["Tom Tenant"], "A2": [], "A3": [], "A4": []}


def _check_create_property(s: Session, w: f.World, actor: str, result: object) -> None:
    with committed(s) as c:
        prop = c.exec(select(Property).where(Property.name == "Actor's New Place")).one()
        assert prop.owner_id == w.actor(actor).id  # type: ignore[union-attr]
        assert len(c.exec(select(Unit).where(Unit.property_id == prop.id)).all()) == 2


def _check_update_property(s: Session, w: f.World, actor: str, result: object) -> None:
    with committed(s) as c:
        prop = c.get(Property, w.prop.id)
        assert (prop.name, prop.address, prop.default_rent) == (
            "Sunrise Renamed",
            "Mombasa Road",
            25000,
        )


def _check_delete_property(s: Session, w: f.World, actor: str, result: object) -> None:
    with committed(s) as c:
        assert c.get(Property, w.prop.id) is None
        assert c.exec(select(Unit).where(Unit.property_id == w.prop.id)).all() == []
        assert c.exec(select(Membership).where(Membership.property_id == w.prop.id)).all() == []
        assert c.get(Property, w.other_prop.id) is not None


def _labels(s: Session, w: f.World) -> list[str]:
    with committed(s) as c:
        rows = c.exec(select(Unit.label).where(Unit.property_id == w.prop.id).order_by(Unit.id))
        return list(rows.all())


def _check_add_unit(s: Session, w: f.World, actor: str, result: object) -> None:
    assert _labels(s, w) == ["A1", "A2", "A3", "A4", "B9"]


def _check_update_unit(s: Session, w: f.World, actor: str, result: object) -> None:
    assert _labels(s, w) == ["A1", "A2", "C3", "A4"]


def _check_delete_unit(s: Session, w: f.World, actor: str, result: object) -> None:
    assert _labels(s, w) == ["A1", "A2", "A3"]


def _check_pending_approvals(s: Session, w: f.World, actor: str, result: object) -> None:
    expected = {getattr(w, who).email for who in PENDING_SEEN[actor]}
    assert {p.email for p in result} == expected  # type: ignore[attr-defined]


def _check_pending_count(s: Session, w: f.World, actor: str, result: object) -> None:
    assert result == len(PENDING_SEEN[actor])


def _decision(s: Session, w: f.World) -> Membership:
    with committed(s) as c:
        return c.exec(select(Membership).where(Membership.user_id == w.pending.id)).one()


def _check_approve(s: Session, w: f.World, actor: str, result: object) -> None:
    m = _decision(s, w)
    assert (m.status, m.unit_id, m.decided_by_id) == (
        MembershipStatus.APPROVED,
        w.unit(s, "A2").id,
        w.actor(actor).id,  # type: ignore[union-attr]
    )
    assert f.last_email(s, w.pending.email, "tenant_approved")


def _check_reject(s: Session, w: f.World, actor: str, result: object) -> None:
    m = _decision(s, w)
    assert (m.status, m.unit_id, m.decision_reason) == (
        MembershipStatus.REJECTED,
        None,
        "Unknown to us",
    )
    assert f.last_email(s, w.pending.email, "tenant_rejected")


def _check_people(s: Session, w: f.World, actor: str, result: object) -> None:
    people = {(p.email, p.role) for p in result}  # type: ignore[attr-defined]
    assert people == {
        (w.tenant.email, "tenant"),
        (w.manager.email, "manager"),
        (w.staff.email, "staff"),
        (w.deactivated.email, "manager"),  # the account is off; the membership stays
    }  # approved people of Sunrise only: no pending signup, nobody from Zebra Towers


def _check_invite(role: str) -> Callable[[Session, f.World, str, object], None]:
    def check(s: Session, w: f.World, actor: str, result: object) -> None:
        with committed(s) as c:
            inv = c.exec(select(Invitation).where(Invitation.email == f"new-{role}@example.test"))
            row = inv.one()
        assert (row.property_id, row.role) == (w.prop.id, role)
        assert f.last_email(s, f"new-{role}@example.test", "invitation")

    return check


def _check_list_users(s: Session, w: f.World, actor: str, result: object) -> None:
    rows, total = result  # type: ignore[misc]
    with committed(s) as c:
        everyone = c.exec(select(User.email)).all()
    assert total == len(everyone) and {r.email for r in rows} == set(everyone)


def _check_all_properties(s: Session, w: f.World, actor: str, result: object) -> None:
    assert [(p.name, p.owner_name) for p in result] == [  # type: ignore[attr-defined]
        (SUNRISE, "Lucy Landlord"),
        (ZEBRA, "Oscar Other"),
    ]


def _check_set_user_active(s: Session, w: f.World, actor: str, result: object) -> None:
    with committed(s) as c:
        assert c.get(User, w.tenant.id).is_active is False


ACTIONS: dict[str, Action[f.World]] = {
    "list_properties": Action(
        lambda s, w, a: properties.list_properties(s, a), _check_list_properties
    ),
    "read_property": Action(
        lambda s, w, a: get_visible_property(s, a, w.prop.id), _check_read_property
    ),
    "list_units": Action(lambda s, w, a: properties.list_units(s, a, w.prop.id), _check_list_units),
    "create_property": Action(
        lambda s, w, a: properties.create_property(s, a, "Actor's New Place", "Thika Road", 2),
        _check_create_property,
    ),
    "update_property": Action(_run_update_property, _check_update_property),
    "delete_property": Action(
        lambda s, w, a: properties.delete_property(s, a, w.prop.id), _check_delete_property
    ),
    "add_unit": Action(_run_add_unit, _check_add_unit),
    "update_unit": Action(_run_update_unit, _check_update_unit),
    "delete_unit": Action(_run_delete_unit, _check_delete_unit),
    "pending_approvals": Action(
        lambda s, w, a: memberships.pending_approvals(s, a), _check_pending_approvals
    ),
    "pending_count": Action(lambda s, w, a: memberships.pending_count(s, a), _check_pending_count),
    "approve_tenant": Action(_run_approve, _check_approve),
    "reject_tenant": Action(_run_reject, _check_reject),
    "property_people": Action(
        lambda s, w, a: memberships.property_people(s, a, w.prop.id), _check_people
    ),
    "invite_staff": Action(_run_invite("staff"), _check_invite("staff")),
    "invite_manager": Action(_run_invite("manager"), _check_invite("manager")),
    "list_users": Action(lambda s, w, a: admin.list_users(s, a), _check_list_users),
    "list_all_properties": Action(
        lambda s, w, a: properties.list_all_properties(s, a), _check_all_properties
    ),
    "set_user_active": Action(
        lambda s, w, a: admin.set_user_active(s, a, w.tenant.id, False), _check_set_user_active
    ),
}


def test_the_grid_covers_every_action_and_actor() -> None:
    grid.check_covers(ROWS, ACTIONS, {"Y", "-", "v"})
    assert {action for _, action, _ in CELLS} == set(ACTIONS)
    assert len(CELLS) == len(ACTIONS) * len(ACTORS)
    assert set(ACTIONS) >= WRITES


def _secrets(session: Session) -> list[str]:
    """What a denial message must never contain: any property name, person's name or email."""
    return grid.people_and_places(session) + [
        SUNRISE,
        ZEBRA,
        "new-staff@example.test",
        "new-manager@example.test",
    ]


def assert_denied_quietly(session: Session, run: Callable[[], object], what: str) -> None:
    grid.assert_denied_quietly(session, run, NotFound, what, _secrets(session))


@pytest.mark.parametrize(
    ("actor", "action", "cell"),
    CELLS,
    ids=[f"{action}-{actor}" for actor, action, _ in CELLS],
)
def test_authorisation_matrix(session: Session, actor: str, action: str, cell: str) -> None:
    w = f.world(session)
    grid.run_cell(
        session,
        w,
        ACTIONS[action],
        action,
        actor,
        cell,
        w.actor(actor),
        read=action not in WRITES,
        secrets=lambda: _secrets(session),
    )


@pytest.mark.parametrize("actor", list(VISIBLE_PROPERTIES))
def test_lists_never_show_the_other_landlords_property(session: Session, actor: str) -> None:
    """Scoping, seen from the data: the other side's rows never appear in any list."""
    w = f.world(session)
    user = w.actor(actor)
    names = {p.name for p in properties.list_properties(session, user)}
    pending = {p.property_name for p in memberships.pending_approvals(session, user)}
    mine = actor not in ("other_tenant", "other_landlord")
    hidden = ZEBRA if mine else SUNRISE
    if actor != "admin":
        assert hidden not in names | pending
    assert names == VISIBLE_PROPERTIES[actor]


@pytest.mark.parametrize(
    "call",
    [
        lambda s, a, pid, uid, mid: get_visible_property(s, a, pid),
        lambda s, a, pid, uid, mid: properties.list_units(s, a, pid),
        lambda s, a, pid, uid, mid: properties.update_property(s, a, pid, "X", "Y", ""),
        lambda s, a, pid, uid, mid: properties.delete_property(s, a, pid),
        lambda s, a, pid, uid, mid: properties.add_unit(s, a, pid, "Z1", ""),
        lambda s, a, pid, uid, mid: properties.update_unit(s, a, uid, "Z1", ""),
        lambda s, a, pid, uid, mid: properties.delete_unit(s, a, uid),
        lambda s, a, pid, uid, mid: memberships.approve_tenant(s, a, mid, uid),
        lambda s, a, pid, uid, mid: memberships.reject_tenant(s, a, mid, ""),
        lambda s, a, pid, uid, mid: memberships.property_people(s, a, pid),
        lambda s, a, pid, uid, mid: invitations.invite(s, a, pid, "x@example.test", "staff"),
    ],
    ids=[
        "read_property",
        "list_units",
        "update_property",
        "delete_property",
        "add_unit",
        "update_unit",
        "delete_unit",
        "approve_tenant",
        "reject_tenant",
        "property_people",
        "invite",
    ],
)
def test_someone_elses_object_looks_exactly_like_a_missing_one(
    session: Session, call: Callable[..., object]
) -> None:
    """The other landlord probing Sunrise ids learns nothing he wouldn't from made-up ids."""
    w = f.world(session)
    real = (w.prop.id, w.unit(session, "A3").id, f.membership_of(session, w.pending).id)
    made_up = (987_654, 987_654, 987_654)
    with pytest.raises(NotFound) as theirs:
        call(session, w.other_landlord, *real)
    with pytest.raises(NotFound) as missing:
        call(session, w.other_landlord, *made_up)
    assert theirs.value.message == missing.value.message
    assert theirs.value.field == missing.value.field


@pytest.mark.parametrize("bad_id", [None, "1", 1.0, -1, 0])
def test_ids_of_the_wrong_type_or_range_are_not_found(session: Session, bad_id: object) -> None:
    w = f.world(session)
    for what, call in (
        ("read_property", lambda: get_visible_property(session, w.owner, bad_id)),  # type: ignore[arg-type]
        ("update_unit", lambda: properties.update_unit(session, w.owner, bad_id, "Z1", "")),  # type: ignore[arg-type]
        (
            "approve_tenant",
            lambda: memberships.approve_tenant(session, w.owner, bad_id, w.unit(session, "A2").id),  # type: ignore[arg-type]
        ),
    ):
        assert_denied_quietly(session, call, f"{what}({bad_id!r})")
