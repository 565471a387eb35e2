"""Who may act at all: an active account, and — through checks that higher domains register —
an approved one (a tenant's landlord must approve him first; the accounts domain knows no
properties, so properties registers that check here)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.core.errors import NotAuthenticated, NotFound

ApprovalCheck = Callable[[Session, User], bool]
APPROVAL_CHECKS: list[ApprovalCheck] = []


def register_approval_check(check: ApprovalCheck) -> ApprovalCheck:
    if check not in APPROVAL_CHECKS:
        APPROVAL_CHECKS.append(check)
    return check


def require_user(actor: User | None) -> User:
    if actor is None or not actor.is_active:
        raise NotAuthenticated()
    return actor


def require_approved(session: Session, actor: User | None) -> User:
    """An active user every registered check approves (an unapproved tenant may do nothing but
    look at the waiting page)."""
    user = require_user(actor)
    if not APPROVAL_CHECKS:
        raise RuntimeError("no approval check registered: import pms_app.worker")
    if not all(check(session, user) for check in APPROVAL_CHECKS):
        raise NotFound("page")
    return user
