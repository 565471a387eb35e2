"""Start-up work of the web process (the periodic schedule itself is pms_app.core.jobs)."""

from __future__ import annotations

import asyncio
import logging

from pms_app.core.settings import get_settings
from pms_app.integrations.daraja import DarajaError, client_from_settings
from pms_app.integrations.daraja_setup import config_problems, describe, explain
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


def mpesa_setup_problems() -> list[str]:
    """With real credentials: what the settings get wrong, and the keys tried once against
    Daraja (through the process's shared client, so the token it gets is the one used next).
    English: these go to the log."""
    settings = get_settings()
    if not settings.daraja_configured:
        return []
    problems = [p.text() for p in config_problems(settings)]
    try:
        client_from_settings().access_token()
    except DarajaError as exc:
        problems.append(explain(exc.code, exc.message, settings).text())
    return problems


async def check_mpesa_setup() -> None:
    """The web process's start-up check: logs each M-Pesa setup problem as an error and serves
    on regardless (cash and bank work without M-Pesa; the embedded default has no Daraja)."""
    if not get_settings().daraja_configured:
        return
    try:
        problems = await asyncio.to_thread(mpesa_setup_problems)
    except Exception:  # a start-up check must never take the app down
        log.exception("the M-Pesa start-up check failed")
        return
    for problem in problems:
        log.error("M-Pesa setup problem: %s (python -m pms_app.cli check)", problem)
    if not problems:
        log.info("M-Pesa: %s", "; ".join(describe(get_settings()).lines()))
