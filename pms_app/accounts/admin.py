"""Admin: all users and properties, deactivation, creating the first admin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from pms_app.accounts.access import require_user
from pms_app.accounts.models import Role, User
from pms_app.accounts.passwords import check_password_policy, hash_password
from pms_app.accounts.service import revoke_all_sessions
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.validation import clean_email, clean_name

PAGE_SIZE = 25


def require_admin(actor: User | None) -> User:
    user = require_user(actor)
    if user.role != Role.ADMIN:
        raise NotFound("page")
    return user


@dataclass(frozen=True)
class UserRow:
    id: int
    full_name: str
    email: str
    role: str
    is_active: bool


def list_users(
    session: Session, actor: User | None, search: str = "", page: int = 1
) -> tuple[list[UserRow], int]:
    """(rows of this page, total matching)."""
    require_admin(actor)
    query = select(User)
    count = select(func.count(User.id))
    term = (search or "").strip().lower()[:100]
    if term:
        cond = or_(col(User.email).contains(term), func.lower(User.full_name).contains(term))
        query, count = query.where(cond), count.where(cond)
    page = max(1, int(page) if isinstance(page, int) else 1)
    rows = session.exec(
        query.order_by(col(User.id)).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return [
        UserRow(u.id or 0, u.full_name, u.email, u.role, u.is_active) for u in rows
    ], session.exec(count).one()


def set_user_active(session: Session, actor: User | None, user_id: int, active: bool) -> None:
    admin = require_admin(actor)
    target = session.get(User, user_id) if isinstance(user_id, int) else None
    if target is None:
        raise NotFound("user")
    if target.id == admin.id:
        raise ServiceError("You can't deactivate your own account.")
    target.is_active = bool(active)
    session.add(target)
    if not active:
        revoke_all_sessions(session, target.id or 0)
    session.commit()


def create_admin(session: Session, email: str, full_name: str, password: str) -> User:
    """Used by the `create-admin` command (no actor: whoever runs it owns the server)."""
    address = clean_email(email)
    name = clean_name(full_name)
    check_password_policy(password, email=address, name=name)
    if session.exec(select(User.id).where(User.email == address)).first() is not None:
        raise ValidationError("A user with this email already exists.", "email")
    user = User(
        email=address,
        full_name=name,
        role=Role.ADMIN,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.commit()
    return user
