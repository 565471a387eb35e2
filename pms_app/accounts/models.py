"""Users, login sessions, throttling, invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from pms_app.core.timestamps import utcnow


class Role(StrEnum):
    ADMIN = "admin"
    LANDLORD = "landlord"
    MANAGER = "manager"
    STAFF = "staff"
    TENANT = "tenant"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(max_length=120)
    phone: str = Field(default="", max_length=20)
    role: str = Field(max_length=16)  # Role value
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    password_changed_at: datetime = Field(default_factory=utcnow)
    # core/i18n.LANGUAGES code chosen by the person; "" until he chooses (the install's default).
    language: str = Field(default="", max_length=8)


class AuthSession(SQLModel, table=True):
    """A login. The browser holds a random token; only its SHA-256 is stored."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    user_agent: str = Field(default="", max_length=255)


class LoginThrottle(SQLModel, table=True):
    """Failure counters for login/reset/signup keys such as `acct:<email>`, `ip:<addr>`."""

    __tablename__ = "login_throttles"

    key: str = Field(primary_key=True, max_length=300)
    failures: int = 0
    blocked_until: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
