"""Properties, units, memberships and invitations, and the World the authorisation grids share."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from pms_app.accounts.models import Role, User
from pms_app.accounts.service import SignupForm
from pms_app.properties import invitations, joining, memberships
from pms_app.properties import service as properties
from pms_app.properties.models import Membership, Property, Unit
from tests.factories.accounts import (
    PASSWORD,
    _email,
    _phone,
    admin_user,
    deactivated,
    landlord,
    token_from_email,
)
from tests.factories.snapshots import Rows, db_snapshot, restore


def property_(
    session: Session,
    owner: User,
    units: int = 3,
    name: str = "Sunrise Apartments",
    rent: int | None = 20000,
) -> Property:
    return properties.create_property(session, owner, name, "Ngong Road, Nairobi", units, rent, "A")


def units_of(session: Session, prop: Property) -> list[Unit]:
    return list(
        session.exec(select(Unit).where(Unit.property_id == prop.id).order_by(Unit.id)).all()
    )


def tenant(
    session: Session,
    prop: Property,
    unit: Unit | None = None,
    approved: bool = True,
    email: str | None = None,
) -> User:
    """A tenant of `prop`; approved onto `unit` (default: the first vacant) unless approved=False."""
    user, _ = joining.signup_tenant(
        session,
        SignupForm("Tom Tenant", email or _email("tenant"), _phone(), PASSWORD),
        prop.account_prefix,
        unit.id if unit else None,
    )
    if approved:
        owner = session.get(User, prop.owner_id)
        m = membership_of(session, user)
        target = unit or _first_vacant(session, prop)
        memberships.approve_tenant(session, owner, m.id, target.id)
    return user


def _first_vacant(session: Session, prop: Property) -> Unit:
    taken = set(
        session.exec(
            select(Membership.unit_id).where(
                Membership.property_id == prop.id, Membership.unit_id.is_not(None)
            )  # type: ignore[union-attr]
        ).all()
    )
    return next(u for u in units_of(session, prop) if u.id not in taken)


def membership_of(session: Session, user: User) -> Membership:
    return session.exec(select(Membership).where(Membership.user_id == user.id)).one()


def member(session: Session, prop: Property, role: Role, inviter: User | None = None) -> User:
    """A manager or staff member of `prop`, joined through a real invitation."""
    inviter = inviter or session.get(User, prop.owner_id)
    email = _email(role.value)
    invitations.invite(session, inviter, prop.id, email, role.value)
    token = token_from_email(session, email, "invitation")
    user, _ = invitations.accept_with_new_account(
        session, token, f"Sam {role.value.title()}", _phone(), PASSWORD
    )
    return user


def invitation(
    session: Session,
    prop: Property,
    role: Role,
    inviter: User | None = None,
    email: str | None = None,
) -> tuple[str, str]:
    """Invite `email` (default: a fresh address) to `prop`; returns (email, token from the link)."""
    inviter = inviter or session.get(User, prop.owner_id)
    address = email or _email(f"invited-{role.value}")
    invitations.invite(session, inviter, prop.id, address, role.value)
    return address, token_from_email(session, address, "invitation")


@dataclass
class World:
    """Everyone the authorisation tests need, around two landlords' properties.

    `prop` (Sunrise Apartments, units A1-A4) belongs to `owner`: `tenant` lives in A1, `pending`
    asked for A2 and waits, `manager` and `staff` joined by invitation, `deactivated` was a manager
    until the admin switched the account off. A3 and A4 are vacant. `other_prop` (Zebra Towers)
    belongs to `other_landlord`, with `other_tenant` approved and `other_pending` waiting.
    """

    admin: User
    owner: User
    other_landlord: User
    prop: Property
    other_prop: Property
    tenant: User
    pending: User
    other_tenant: User
    other_pending: User
    manager: User
    staff: User
    deactivated: User

    def actor(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)

    def unit(self, session: Session, label: str, prop: Property | None = None) -> Unit:
        return next(u for u in units_of(session, prop or self.prop) if u.label == label)


_PROPERTY_FIELDS = ("prop", "other_prop")
_WORLDS: dict[str, tuple[Rows, dict[str, int]]] = {}


def world(session: Session) -> World:
    """The World, built through the services once per database kind, then copied row for row.

    The authorisation matrix needs hundreds of identical worlds; building each one would hash a
    dozen passwords and make ~100 round trips. The copy holds exactly the rows the services wrote.
    """
    dialect = session.get_bind().dialect.name
    if dialect not in _WORLDS:
        built = _build_world(session)
        ids = {name: getattr(built, name).id for name in World.__dataclass_fields__}
        _WORLDS[dialect] = (db_snapshot(session), ids)
        return built
    rows, ids = _WORLDS[dialect]
    restore(session, rows)
    return world_from_ids(session, ids)


def world_from_ids(session: Session, ids: dict[str, int]) -> World:
    """The World whose rows (already in the database) have these ids."""
    return World(
        **{
            name: session.get(Property if name in _PROPERTY_FIELDS else User, ids[name])
            for name in World.__dataclass_fields__
        }
    )


def _build_world(session: Session) -> World:
    boss = admin_user(session)
    owner = landlord(session, name="Lucy Landlord")
    other_landlord = landlord(session, name="Oscar Other")
    prop = property_(session, owner, units=4, name="Sunrise Apartments")
    other_prop = property_(session, other_landlord, units=2, name="Zebra Towers")
    a1, a2 = units_of(session, prop)[:2]
    ex_manager = member(session, prop, Role.MANAGER)
    return World(
        admin=boss,
        owner=owner,
        other_landlord=other_landlord,
        prop=prop,
        other_prop=other_prop,
        tenant=tenant(session, prop, a1),
        pending=tenant(session, prop, a2, approved=False),
        other_tenant=tenant(session, other_prop),
        other_pending=tenant(session, other_prop, approved=False),
        manager=member(session, prop, Role.MANAGER),
        staff=member(session, prop, Role.STAFF),
        deactivated=deactivated(session, ex_manager, by=boss),
    )
