"""Who is behind a browser's session token, in one statement: the user, whether he is approved
(a tenant needs an approved membership) and, for managers, how many tenants wait for approval.
Page states call this once per event; the navbar shows the last two."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from pms_app.accounts.models import AuthSession, Role, User
from pms_app.accounts.tokens import hash_token
from pms_app.core.timestamps import utcnow
from pms_app.properties.models import Membership, MembershipStatus, Property

MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class Identity:
    user: User | None
    approved: bool = False
    pending_approvals: int = 0


NOBODY = Identity(None)


@cache
def _statement() -> Any:
    """Built once: the same statement (and its compiled form) serves every event."""
    latest = aliased(Membership)
    latest_tenant_membership = (
        select(func.max(latest.id))
        .where(latest.user_id == User.id, latest.role == Role.TENANT)
        .correlate(User)  # nested two levels deep: SQLAlchemy correlates one level by itself
        .scalar_subquery()
    )
    approved_tenant = exists().where(
        Membership.id == latest_tenant_membership,
        Membership.status == MembershipStatus.APPROVED,
    )
    approved = case((User.role != Role.TENANT, True), else_=approved_tenant)
    waiting, managing = aliased(Membership), aliased(Membership)
    managed = or_(
        User.role == Role.ADMIN,
        and_(
            User.role == Role.LANDLORD,
            waiting.property_id.in_(
                select(Property.id).where(Property.owner_id == User.id).correlate(User)
            ),
        ),
        and_(
            User.role == Role.MANAGER,
            waiting.property_id.in_(
                select(managing.property_id)
                .where(
                    managing.user_id == User.id,
                    managing.role == Role.MANAGER,
                    managing.status == MembershipStatus.APPROVED,
                )
                .correlate(User)
            ),
        ),
    )
    pending = (
        select(func.count(waiting.id))
        .where(waiting.role == Role.TENANT, waiting.status == MembershipStatus.PENDING, managed)
        .scalar_subquery()
    )
    return (
        select(User, approved.label("approved"), pending.label("pending"))
        .join(AuthSession, col(AuthSession.user_id) == User.id)
        .where(
            AuthSession.token_hash == bindparam("token_hash"),
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > bindparam("now"),
            col(User.is_active).is_(True),
        )
    )


def session_identity(session: Session, token: str | None) -> Identity:
    """The same answer as `accounts.user_for_token` + `access.is_approved` +
    `memberships.pending_count`, in one round trip (checked by tests/unit/properties)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return NOBODY
    row = session.exec(
        _statement(), params={"token_hash": hash_token(token), "now": utcnow()}
    ).first()
    if row is None:
        return NOBODY
    user, approved, pending = row
    managing = user.role in (Role.ADMIN, Role.LANDLORD, Role.MANAGER)
    return Identity(user, bool(approved), int(pending or 0) if managing else 0)
