"""Emails: every one a row first, delivered once."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from pms_app.core.timestamps import utcnow


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
