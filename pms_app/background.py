"""Periodic work inside the web process for the embedded default (no Redis, no Celery beat)."""

from __future__ import annotations

import asyncio
import logging

from pms_app.core.settings import get_settings

log = logging.getLogger(__name__)

SWEEP_EVERY_S = 60


async def embedded_scheduler() -> None:
    """Celery beat's schedule, run in the web process when there is no Redis/Celery:
    resend lost emails, reconcile pending M-Pesa payments, raise due rent charges."""
    if get_settings().redis_url:
        return
    from pms_app.worker import (
        automatic_reminders,
        booking_housekeeping,
        reconcile_payments,
        run_billing,
        sweep_unsent_emails,
    )

    tick = 0
    while True:
        for task in (sweep_unsent_emails, reconcile_payments, booking_housekeeping) + (
            (run_billing, automatic_reminders) if tick % 60 == 0 else ()
        ):
            try:
                await asyncio.to_thread(task.run)
            except Exception:
                log.exception("scheduled %s failed", task.name)
        tick += 1
        await asyncio.sleep(SWEEP_EVERY_S)


async def register_simulator_c2b() -> None:
    """With the built-in simulator, register this app's paybill URLs once the server answers
    (with real Daraja, run `python -m pms_app.cli register-c2b` once instead)."""
    settings = get_settings()
    if not settings.uses_simulator:
        return
    from pms_app.integrations.daraja import DarajaError, client_from_settings
    from pms_app.payments.service import callback_url

    def _register() -> None:
        client_from_settings().register_c2b_urls(
            callback_url("c2b/confirmation"), callback_url("c2b/validation")
        )

    for attempt in range(60):
        await asyncio.sleep(1 if attempt < 10 else 5)
        try:
            await asyncio.to_thread(_register)
            return
        except (DarajaError, OSError):
            continue
    log.warning("could not register paybill URLs with the simulator")
