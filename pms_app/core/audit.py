"""The audit trail: one `record` call per consequential change, inside the caller's transaction
(so the event commits or rolls back with the change it describes). Services decide who may act;
this module only writes and reads the rows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from pms_app.core.models import AuditEvent


def _plain(value: Any) -> Any:
    """JSON-safe: dates and datetimes as ISO text (UTC as stored), everything else as is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a row, for `before`/`after` (only what a reader needs, no secrets)."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(
    session: Session,
    actor_user_id: int | None,
    *,
    object_type: str,
    object_id: int,
    action: str,
    property_id: int | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_user_id=actor_user_id,
        property_id=property_id,
        object_type=object_type,
        object_id=object_id,
        action=action,
        reason=reason,
        before={k: _plain(v) for k, v in (before or {}).items()},
        after={k: _plain(v) for k, v in (after or {}).items()},
    )
    session.add(event)
    return event


def history(session: Session, object_type: str, object_id: int) -> list[AuditEvent]:
    """An object's events, oldest first (callers check the reader may see the object)."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        ).all()
    )


def histories(session: Session, object_type: str, object_ids: list[int]) -> list[AuditEvent]:
    """The events of several objects of one type, oldest first (callers check the reader)."""
    if not object_ids:
        return []
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, col(AuditEvent.object_id).in_(object_ids))
            .order_by(col(AuditEvent.at), col(AuditEvent.id))
        ).all()
    )
