"""The Celery entry point: `celery -A pms_app.worker worker --beat --loglevel=info`.

It loads every domain's tasks (so the worker, beat and the web app's in-process runner know
them all); the machinery is in pms_app.core.jobs. The names below are re-exported for tests and
scripts that run a task body directly (`worker.run_billing()`).
"""

from __future__ import annotations

from pms_app.bookings.tasks import booking_housekeeping
from pms_app.core.jobs import (
    celery_app,
    enqueue,
    enqueue_after_commit,
    enqueue_later,
    wait_for_local_tasks,
)
from pms_app.emails.tasks import send_email, sweep_unsent_emails
from pms_app.ledger.tasks import run_billing
from pms_app.payments.tasks import automatic_reminders, reconcile_payments, send_stk_push

__all__ = [
    "automatic_reminders",
    "booking_housekeeping",
    "celery_app",
    "enqueue",
    "enqueue_after_commit",
    "enqueue_later",
    "reconcile_payments",
    "run_billing",
    "send_email",
    "send_stk_push",
    "sweep_unsent_emails",
    "wait_for_local_tasks",
]
