"""Start-up work of the web process (the periodic schedule itself is pms_app.core.jobs)."""

from __future__ import annotations

import asyncio
import logging

from pms_app.core.settings import get_settings
from pms_app.integrations.daraja import DarajaError, client_from_settings
from pms_app.payments.stk import callback_url

log = logging.getLogger(__name__)


async def register_simulator_c2b() -> None:
    """With the built-in simulator, register this app's paybill URLs once the server answers
    (with real Daraja, run `python -m pms_app.cli register-c2b` once instead)."""
    settings = get_settings()
    if not settings.uses_simulator:
        return

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
