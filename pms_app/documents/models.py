"""Private documents of a lease (the signed lease, scans)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from pms_app.core.timestamps import utcnow


class LeaseDocument(SQLModel, table=True):
    """A file kept outside the public upload dir; served only through an authorised route."""

    __tablename__ = "lease_documents"

    id: int | None = Field(default=None, primary_key=True)
    lease_id: int = Field(foreign_key="leases.id", index=True, ondelete="CASCADE")
    original_name: str = Field(max_length=200)
    stored_name: str = Field(max_length=80, unique=True)
    content_type: str = Field(max_length=60)
    size: int
    uploaded_by_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
