"""Shared column helpers."""

from __future__ import annotations

from datetime import datetime

from pms_app.core import clock


def utcnow() -> datetime:
    """Aware UTC now (pms_app.core.clock). SQLModel's datetime columns store UTC, never naive."""
    return clock.now()
