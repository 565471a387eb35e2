"""Celery app and thin task wrappers over services.

With `REDIS_URL` set, tasks go to Redis and a real worker runs them:
    celery -A pms_app.worker worker --beat --loglevel=info
Without it (the embedded default) the same task bodies run in a small in-process thread pool,
so the UI never waits for SMTP.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from celery import Celery

from pms_app.core.db import session_scope
from pms_app.core.settings import get_settings

log = logging.getLogger(__name__)

_settings = get_settings()

celery_app = Celery(
    "pms",
    broker=_settings.redis_url or "memory://",
    backend=None,
)
celery_app.conf.update(
    task_acks_late=True,  # only on idempotent tasks: all tasks here are
    task_reject_on_worker_lost=True,
    task_time_limit=120,
    task_soft_time_limit=100,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": 600},
    timezone="UTC",
    beat_schedule={
        "resend-stuck-emails": {"task": "pms.sweep_unsent_emails", "schedule": 60.0},
        "reconcile-mpesa": {"task": "pms.reconcile_payments", "schedule": 60.0},
        "billing": {"task": "pms.run_billing", "schedule": 3600.0},
        "rent-reminders": {"task": "pms.automatic_reminders", "schedule": 3600.0},
        "booking-housekeeping": {"task": "pms.booking_housekeeping", "schedule": 60.0},
    },
)


@celery_app.task(
    name="pms.send_email",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(email_id: int) -> bool:
    from pms_app.emails.service import send_email_now

    with session_scope() as session:
        return send_email_now(session, email_id)


@celery_app.task(name="pms.sweep_unsent_emails")
def sweep_unsent_emails() -> int:
    from pms_app.emails.service import unsent_email_ids

    with session_scope() as session:
        ids = unsent_email_ids(session)
    for email_id in ids:
        enqueue_send_email(email_id)
    return len(ids)


# Not acks_late: Daraja has no idempotency, so a redelivered push would ring the phone twice.
# A push lost to a crash is caught by the reconciler (never sent → failed after a while).
@celery_app.task(name="pms.send_stk_push", acks_late=False)
def send_stk_push(payment_id: int, attempt: int = 0) -> str:
    from pms_app.integrations.daraja import DarajaError, client_from_settings
    from pms_app.payments import service as payments

    with session_scope() as session:
        if not get_settings().mpesa_enabled:  # switched off since the payment was started
            payments.fail_unsent(session, payment_id, payments.MPESA_OFF)
            return "off"
        try:
            return payments.send_stk_push(session, payment_id, client_from_settings())
        except DarajaError as exc:
            if attempt < 3:
                enqueue_later(send_stk_push, 2**attempt, payment_id, attempt + 1)
                return "retrying"
            payments.fail_unsent(
                session, payment_id, f"M-Pesa is not answering ({exc.message}). Try again later."
            )
            return "gave up"


@celery_app.task(name="pms.reconcile_payments")
def reconcile_payments() -> dict[str, int]:
    from pms_app.integrations.daraja import client_from_settings
    from pms_app.payments import service as payments

    if not get_settings().mpesa_enabled:
        return {"paid": 0, "failed": 0, "pending": 0}  # no M-Pesa to ask
    with session_scope() as session:
        return payments.reconcile_pending(
            session, client_from_settings(), older_than_s=get_settings().reconcile_after_s
        )


@celery_app.task(name="pms.run_billing")
def run_billing() -> dict[str, int]:
    from pms_app.leases.service import today_local
    from pms_app.ledger import service as ledger

    with session_scope() as session:
        return ledger.run_billing(session, today_local())


@celery_app.task(name="pms.automatic_reminders")
def automatic_reminders() -> int:
    from pms_app.leases.service import today_local
    from pms_app.payments import reminders

    with session_scope() as session:
        return reminders.automatic_reminders(session, today_local())


@celery_app.task(name="pms.booking_housekeeping")
def booking_housekeeping() -> dict[str, int]:
    """Expire unpaid holds and lapsed waiting-list offers; send booking reminders."""
    from pms_app.bookings import service as bookings

    with session_scope() as session:
        return {
            "holds_expired": bookings.expire_holds(session),
            "offers_expired": bookings.expire_offers(session),
            "reminders": bookings.send_reminders(session),
        }


# --- enqueueing ---------------------------------------------------------------------------------

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pms-task")
_pending: set[Future[Any]] = set()
_pending_lock = threading.Lock()


def _submit(name: str, fn: Callable[..., object], *args: Any) -> None:
    """Run `fn` on the in-process pool; `wait_for_local_tasks` waits for it."""

    def _body() -> None:
        try:
            fn(*args)
        except Exception:  # the sweeper retries; never crash the UI process
            log.exception("background task %s%r failed", name, args)

    fut = _pool.submit(_body)
    with _pending_lock:
        _pending.add(fut)
    fut.add_done_callback(lambda f: _discard(f))


def _run_local(task: Any, *args: Any) -> None:
    _submit(task.name, task.run, *args)


def _discard(fut: Future[Any]) -> None:
    with _pending_lock:
        _pending.discard(fut)


def wait_for_local_tasks(timeout: float = 30) -> None:
    """Block until in-process tasks are done (tests, CLI commands that exit right after)."""
    deadline = time.monotonic() + timeout
    while True:  # a task may queue another (the email sender picks up what arrived meanwhile)
        with _pending_lock:
            futures = set(_pending)
        left = deadline - time.monotonic()
        if not futures or left <= 0:
            return
        wait(futures, timeout=left)


def enqueue(task: Any, *args: Any) -> None:
    if get_settings().redis_url:
        try:
            task.apply_async(args=args)
        except Exception:  # broker down: the row is committed, the sweeper will send it
            log.exception("could not enqueue %s%r; the sweeper will retry", task.name, args)
        return
    _run_local(task, *args)


def enqueue_later(task: Any, delay_s: float, *args: Any) -> None:
    if get_settings().redis_url:
        try:
            task.apply_async(args=args, countdown=delay_s)
        except Exception:
            log.exception("could not enqueue %s%r", task.name, args)
        return
    timer = threading.Timer(delay_s, _run_local, args=(task, *args))
    timer.daemon = True
    timer.start()


# --- in-process email sending: one sender, in batches ---------------------------------------------
# Without Redis, emails queued while the sender is busy (a burst of payment receipts) are sent
# together: one claim and one "sent" write for the batch instead of two write transactions each,
# which matters on SQLite where every write waits for the single writer.

EMAIL_BATCH = 50
_email_ids: list[int] = []
_email_lock = threading.Lock()
_email_sender_running = False


def enqueue_send_email(email_id: int) -> None:
    global _email_sender_running
    if get_settings().redis_url:
        enqueue(send_email, email_id)
        return
    with _email_lock:
        _email_ids.append(email_id)
        if _email_sender_running:
            return  # the running sender takes it with its next batch
        _email_sender_running = True
    try:
        _submit("send_emails", _send_queued_emails)
    except BaseException:  # no pool (interpreter shutting down): the sweeper sends it later
        _sender_stopped()
        raise


def _sender_stopped() -> None:
    global _email_sender_running
    with _email_lock:
        _email_sender_running = False


def _send_queued_emails() -> None:
    global _email_sender_running
    from pms_app.emails.service import send_emails_now

    try:
        while True:
            with _email_lock:
                batch = _email_ids[:EMAIL_BATCH]
                del _email_ids[:EMAIL_BATCH]
                if not batch:  # decided under the lock: a new id either is seen or restarts us
                    _email_sender_running = False
                    return
            try:
                with session_scope() as session:
                    send_emails_now(session, batch)
            except Exception:  # the rows are committed: the sweeper sends them later
                log.exception("sending emails %s failed; the sweeper will retry", batch)
    except BaseException:
        _sender_stopped()
        raise
