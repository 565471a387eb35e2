"""Periodic work inside the web process for the embedded default (no Redis, no Celery beat)."""

from __future__ import annotations

import asyncio
import logging

from pms_app.settings import get_settings

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60


async def embedded_scheduler() -> None:
    """Resend emails whose task was lost. With REDIS_URL set, Celery beat does this instead."""
    if get_settings().redis_url:
        return
    from pms_app.worker import sweep_unsent_emails

    while True:
        await asyncio.sleep(SWEEP_EVERY_S)
        try:
            await asyncio.to_thread(sweep_unsent_emails.run)
        except Exception:
            log.exception("email sweep failed")
