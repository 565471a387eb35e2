"""Shared column helpers."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC now. SQLModel's datetime columns store UTC and refuse naive values."""
    return datetime.now(UTC)
