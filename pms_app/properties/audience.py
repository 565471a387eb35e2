"""Who is told when something changes at a property (live updates)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, union
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.properties.models import Membership, MembershipStatus, Property


@lru_cache(maxsize=2)
def _audience_query(unallocated: bool) -> Any:
    """Built once (it runs for every payment change), executed with the property id."""
    admins = select(User.id).where(User.role == Role.ADMIN)
    if unallocated:
        return admins
    property_id = bindparam("property_id")
    return union(
        admins,
        select(Property.owner_id).where(Property.id == property_id),
        select(Membership.user_id).where(
            Membership.property_id == property_id,
            col(Membership.role) == Role.MANAGER,
            Membership.status == MembershipStatus.APPROVED,
        ),
    )


def property_audience(session: Session, property_id: int | None) -> set[int]:
    """Everyone who manages a property: owner, its approved managers, and admins (one query).
    Money that points at no property is for admins only."""
    query = _audience_query(property_id is None)
    params = {} if property_id is None else {"property_id": property_id}
    return {int(u) for u in session.execute(query, params).scalars() if u is not None}
