"""Users, login sessions, throttling, invitations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from pms_app.models.base import utcnow


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


class Invitation(SQLModel, table=True):
    """A landlord/manager invites a manager or staff member to a property by email."""

    __tablename__ = "invitations"

    id: int | None = Field(default=None, primary_key=True)
    property_id: int = Field(foreign_key="properties.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254, index=True)
    role: str = Field(max_length=16)  # Role value
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None


class EmailMessage(SQLModel, table=True):
    """Every email is a row first; the background task delivers it once (`sent_at` guard)."""

    __tablename__ = "email_messages"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_email_dedupe"),)

    id: int | None = Field(default=None, primary_key=True)
    to_email: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str
    kind: str = Field(max_length=40)
    dedupe_key: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
