"""Live updates: "something changed for these users" signals, published after commit.

Without Redis the signal goes through an in-process queue; with REDIS_URL it is published on a
Redis channel so every web worker (and signals from Celery workers) reach the browser sessions.
A signal only says "reload from the database"; it carries no data, so receiving it twice is
harmless and it can never leak anything.
"""

from __future__ import annotations

import json
import logging
import queue
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, union
from sqlmodel import Session, col, select

from pms_app.db import on_commit
from pms_app.models.accounts import Role, User
from pms_app.models.property import Membership, MembershipStatus, Property
from pms_app.settings import get_settings

log = logging.getLogger(__name__)

CHANNEL = "pms:live"
local_queue: queue.SimpleQueue[tuple[list[int], str]] = queue.SimpleQueue()


def publish(user_ids: Iterable[int], topic: str) -> None:
    ids = sorted({int(u) for u in user_ids})
    if not ids:
        return
    settings = get_settings()
    if settings.redis_url:
        try:
            import redis

            redis.Redis.from_url(settings.redis_url).publish(
                CHANNEL, json.dumps({"users": ids, "topic": topic})
            )
        except Exception:  # a lost live update is not lost data: pages reload on navigation
            log.exception("live update not published")
        return
    local_queue.put((ids, topic))


def notify_after_commit(session: Session, user_ids: Iterable[int], topic: str) -> None:
    ids = list(user_ids)
    on_commit(session, lambda: publish(ids, topic))


@lru_cache(maxsize=2)
def _audience_query(unallocated: bool) -> Any:
    """Built once (it runs for every payment change), executed with the property id."""
    admins = select(User.id).where(User.role == Role.ADMIN)
    if unallocated:
        return admins
    property_id = bindparam("property_id")
    return union(
        admins,
        select(Property.owner_id).where(Property.id == property_id),
        select(Membership.user_id).where(
            Membership.property_id == property_id,
            col(Membership.role) == Role.MANAGER,
            Membership.status == MembershipStatus.APPROVED,
        ),
    )


def property_audience(session: Session, property_id: int | None) -> set[int]:
    """Everyone who manages a property: owner, its approved managers, and admins (one query).
    Money that points at no property is for admins only."""
    query = _audience_query(property_id is None)
    params = {} if property_id is None else {"property_id": property_id}
    return {int(u) for u in session.execute(query, params).scalars() if u is not None}
