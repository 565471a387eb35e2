"""Live updates in the browser.

Each tab registers its client token under its user (derived on the server from the session,
never from an argument). When something changes for a user, the bridge opens each of that
user's connected tabs' state (`app.modify_state` on the tab's own token) and re-runs the open
page's `_reload()` — the same database read the page does on load, with the same permission
checks — plus the navbar's. Reflex then sends the tab the changed vars. The signal carries no
data, so a duplicate (one per web worker with Redis) is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from pms_app.core.realtime import CHANNEL, local_queue
from pms_app.core.settings import get_settings
from pms_app.ui.shell.session import SessionState
from pms_app.ui.shell.tabs import forget_tab, tabs_of

log = logging.getLogger(__name__)


# route → page state whose `_reload()` refreshes that page (filled by @live_page).
LIVE_PAGES: dict[str, type[SessionState]] = {}


def live_page(route: str) -> Any:
    def register(cls: type[SessionState]) -> type[SessionState]:
        LIVE_PAGES[route] = cls
        return cls

    return register


class LiveState(rx.State):
    """A tab's entry for the bridge (`modify_state`); the tab registers in `SessionState._enter`."""

    stamp: int = 0  # bumped on every push


async def _push(app: Any, user_ids: list[int]) -> None:
    connected = app.event_namespace.token_to_sid if app.event_namespace else {}
    for uid in user_ids:
        for token in tabs_of(uid):
            if token not in connected:  # closed tab: forget it
                forget_tab(uid, token)
                continue
            try:
                async with app.modify_state(rx.BaseStateToken(ident=token, cls=LiveState)) as root:
                    await _refresh_tab(root)
            except Exception:  # a missed live update is not lost data
                log.exception("live update for user %s failed", uid)


async def _refresh_tab(root: Any) -> None:
    live = await root.get_state(LiveState)
    live.stamp += 1
    path = (root.router.url.path or "/").rstrip("/") or "/"
    if (page_cls := LIVE_PAGES.get(path)) is not None:
        page = await root.get_state(page_cls)
        await asyncio.to_thread(page._reload)  # its data and the navbar, in one session
    else:
        session_state = await root.get_state(SessionState)
        await asyncio.to_thread(session_state._reload_identity)


async def live_bridge(app: Any) -> None:
    """Lifespan task: forward signals (in-process queue or Redis pub/sub) to browser tabs.
    Reflex passes the running `app` (importing pms_app.pms_app here could load a second copy)."""

    settings = get_settings()
    if settings.redis_url:
        import json

        import redis.asyncio as aioredis

        while True:
            try:
                client = aioredis.Redis.from_url(settings.redis_url)
                pubsub = client.pubsub()
                await pubsub.subscribe(CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    data = json.loads(message["data"])
                    await _push(app, [int(u) for u in data.get("users", [])])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live bridge lost Redis; reconnecting")
                await asyncio.sleep(2)
    else:
        import queue

        while True:
            try:
                ids, _topic = await asyncio.to_thread(local_queue.get, True, 1.0)
            except queue.Empty:
                continue
            await _push(app, ids)
