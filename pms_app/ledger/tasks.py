"""Rent billing: monthly charges and late fees, caught up after downtime."""

from __future__ import annotations

from pms_app.core import clock, jobs
from pms_app.core.db import session_scope
from pms_app.ledger import service as ledger


@jobs.periodic("billing", 3600.0)
@jobs.task("pms.run_billing")
def run_billing() -> dict[str, int]:
    with session_scope() as session:
        return ledger.run_billing(session, clock.today_local())
