"""Who may act on what. Every service that takes an id goes through these helpers."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import Session, select

from pms_app.accounts.access import register_approval_check, require_user
from pms_app.accounts.models import Role, User
from pms_app.core.errors import NotFound
from pms_app.properties.models import Membership, MembershipStatus, Property

MANAGING_ROLES = (Role.ADMIN, Role.LANDLORD, Role.MANAGER)


def tenant_membership(session: Session, user: User) -> Membership | None:
    return session.exec(
        select(Membership)
        .where(Membership.user_id == user.id, Membership.role == Role.TENANT)
        .order_by(Membership.id.desc())  # type: ignore[union-attr]
    ).first()


@register_approval_check
def is_approved(session: Session, user: User) -> bool:
    """Tenants count as approved only with an approved membership; other roles always are."""
    if user.role != Role.TENANT:
        return True
    m = tenant_membership(session, user)
    return m is not None and m.status == MembershipStatus.APPROVED


def require_approved(session: Session, actor: User | None) -> User:
    """For every handler except the waiting page: an unapproved tenant may do nothing."""
    user = require_user(actor)
    if not is_approved(session, user):
        raise NotFound("page")
    return user


_MANAGED_KEY = "pms_managed_property_ids"


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_managed_ids(session: Session, *_: object) -> None:
    """A write (or a new transaction, which may see others' writes) invalidates the memo."""
    session.info.pop(_MANAGED_KEY, None)


def managed_property_ids(session: Session, user: User) -> list[int]:
    """Properties the user may manage: all (admin), owned (landlord), assigned (manager).
    Remembered for the session's transaction: a page asks several times per event."""
    memo: dict[tuple[int | None, str], list[int]] = session.info.setdefault(_MANAGED_KEY, {})
    key = (user.id, str(user.role))
    if key not in memo:
        memo[key] = _managed_property_ids(session, user)
    return list(memo[key])


def _managed_property_ids(session: Session, user: User) -> list[int]:
    if user.role == Role.ADMIN:
        return [p for p in session.exec(select(Property.id)).all() if p is not None]
    if user.role == Role.LANDLORD:
        rows = session.exec(select(Property.id).where(Property.owner_id == user.id)).all()
        return [p for p in rows if p is not None]
    if user.role == Role.MANAGER:
        return _member_property_ids(session, user, Role.MANAGER)
    return []


def visible_property_ids(session: Session, user: User) -> list[int]:
    """Properties the user may see at all (managers', staff's and approved tenants')."""
    if user.role in MANAGING_ROLES:
        return managed_property_ids(session, user)
    return _member_property_ids(session, user, Role(user.role))


def _member_property_ids(session: Session, user: User, role: Role) -> list[int]:
    rows = session.exec(
        select(Membership.property_id).where(
            Membership.user_id == user.id,
            Membership.role == role,
            Membership.status == MembershipStatus.APPROVED,
        )
    ).all()
    return list(rows)


def get_managed_property(session: Session, actor: User | None, property_id: int) -> Property:
    user = require_approved(session, actor)
    prop = session.get(Property, property_id) if isinstance(property_id, int) else None
    if prop is None or prop.id not in managed_property_ids(session, user):
        raise NotFound("property")
    return prop


def get_visible_property(session: Session, actor: User | None, property_id: int) -> Property:
    user = require_approved(session, actor)
    prop = session.get(Property, property_id) if isinstance(property_id, int) else None
    if prop is None or prop.id not in visible_property_ids(session, user):
        raise NotFound("property")
    return prop


def can_own(user: User, prop: Property) -> bool:
    """Owner-only actions (inviting managers, deleting the property)."""
    return user.role == Role.ADMIN or prop.owner_id == user.id
