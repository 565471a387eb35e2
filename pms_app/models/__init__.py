"""All tables, imported here so SQLModel.metadata (and Alembic) sees every one."""

from pms_app.models.accounts import (
    AuthSession,
    EmailMessage,
    Invitation,
    LoginThrottle,
    Role,
    User,
)
from pms_app.models.property import Membership, MembershipStatus, Property, Unit

__all__ = [
    "AuthSession",
    "EmailMessage",
    "Invitation",
    "LoginThrottle",
    "Membership",
    "MembershipStatus",
    "Property",
    "Role",
    "Unit",
    "User",
]
