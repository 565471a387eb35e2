"""Periodic work inside the web process for the embedded default (no Redis, no Celery beat)."""

from __future__ import annotations

import asyncio
import logging

from pms_app.settings import get_settings

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60


async def embedded_scheduler() -> None:
    """Celery beat's schedule, run in the web process when there is no Redis/Celery:
    resend lost emails, reconcile pending M-Pesa payments, raise due rent charges."""
    if get_settings().redis_url:
        return
    from pms_app.worker import reconcile_payments, run_billing, sweep_unsent_emails

    tick = 0
    while True:
        for task in (sweep_unsent_emails, reconcile_payments) + (
            (run_billing,) if tick % 60 == 0 else ()
        ):
            try:
                await asyncio.to_thread(task.run)
            except Exception:
                log.exception("scheduled %s failed", task.name)
        tick += 1
        await asyncio.sleep(SWEEP_EVERY_S)
