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

from sqlmodel import Session

from pms_app.core.db import on_commit
from pms_app.core.settings import get_settings

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
