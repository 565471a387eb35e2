"""Background work: the Celery app, enqueueing by task name (after commit), the in-process pool
of the embedded default, and ONE registry of periodic jobs that Celery beat and the embedded
scheduler both read.

Domains define their tasks in their own `tasks.py` with `@task(...)` / `@periodic(...)` and
enqueue by name (`enqueue("pms.send_email", email_id)`), so no service imports the worker and
this module imports no domain. `pms_app.worker` (the Celery entry point) imports every tasks
module; so does the web app.

With `REDIS_URL` set, tasks go to Redis and a real worker runs them:
    celery -A pms_app.worker worker --beat --loglevel=info
Without it the same task bodies run in a small in-process thread pool, so the UI never waits.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from celery import Celery
from sqlmodel import Session

from pms_app.core.db import on_commit
from pms_app.core.settings import get_settings

log = logging.getLogger(__name__)

_settings = get_settings()

celery_app = Celery("pms", broker=_settings.redis_url or "memory://", backend=None)
celery_app.conf.update(
    task_acks_late=True,  # only on idempotent tasks: a task that is not says acks_late=False
    task_reject_on_worker_lost=True,
    task_time_limit=120,
    task_soft_time_limit=100,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": 600},
    timezone="UTC",
    beat_schedule={},  # filled by @periodic
)


@dataclass(frozen=True)
class Periodic:
    key: str  # the schedule entry's name
    task_name: str
    every_s: float


PERIODIC: dict[str, Periodic] = {}


def task(name: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """A Celery task (a thin wrapper over a service: open a session, call it)."""
    return celery_app.task(name=name, **options)


def periodic(key: str, every_s: float) -> Callable[[Any], Any]:
    """Register an already-declared task to run every `every_s` seconds (beat and embedded)."""

    def register(celery_task: Any) -> Any:
        PERIODIC[key] = Periodic(key, celery_task.name, every_s)
        celery_app.conf.beat_schedule[key] = {"task": celery_task.name, "schedule": every_s}
        return celery_task

    return register


def registered(name: str) -> Any:
    try:
        return celery_app.tasks[name]
    except KeyError:
        raise LookupError(
            f"task {name!r} is not registered: import pms_app.worker (it loads every tasks module)"
        ) from None


# --- enqueueing ---------------------------------------------------------------------------------

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pms-task")
_pending: set[Future[Any]] = set()
_pending_lock = threading.Lock()
# Tasks with their own in-process runner (e.g. emails, sent in batches); called with the args.
LOCAL_RUNNERS: dict[str, Callable[..., None]] = {}


def submit(name: str, fn: Callable[..., object], *args: Any) -> None:
    """Run `fn` on the in-process pool; `wait_for_local_tasks` waits for it."""

    def _body() -> None:
        try:
            fn(*args)
        except Exception:  # the sweepers retry; never crash the UI process
            log.exception("background task %s%r failed", name, args)

    fut = _pool.submit(_body)
    with _pending_lock:
        _pending.add(fut)
    fut.add_done_callback(_discard)


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


def _run_local(name: str, *args: Any) -> None:
    runner = LOCAL_RUNNERS.get(name)
    if runner is not None:
        runner(*args)
        return
    submit(name, registered(name).run, *args)


def enqueue(name: str, *args: Any) -> None:
    """Run task `name` in the background: on a Celery worker with Redis, else in-process."""
    if get_settings().redis_url:
        try:
            registered(name).apply_async(args=args)
        except LookupError:
            raise
        except Exception:  # broker down: the row is committed, a sweeper will retry
            log.exception("could not enqueue %s%r; the sweeper will retry", name, args)
        return
    _run_local(name, *args)


def enqueue_later(name: str, delay_s: float, *args: Any) -> None:
    if get_settings().redis_url:
        try:
            registered(name).apply_async(args=args, countdown=delay_s)
        except LookupError:
            raise
        except Exception:
            log.exception("could not enqueue %s%r", name, args)
        return
    timer = threading.Timer(delay_s, _run_local, args=(name, *args))
    timer.daemon = True
    timer.start()


def enqueue_after_commit(session: Session, name: str, *args: Any) -> None:
    """Enqueue once the caller's transaction commits (never before the row exists)."""
    on_commit(session, lambda: enqueue(name, *args))


# --- the embedded scheduler (no Redis, no beat) ----------------------------------------------------

TICK_S = 60.0


async def embedded_scheduler() -> None:
    """Beat's schedule (PERIODIC), run in the web process when there is no Redis/Celery."""
    if get_settings().redis_url:
        return
    last_run: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for job in list(PERIODIC.values()):
            if now - last_run.get(job.key, -float("inf")) < job.every_s - 1:
                continue
            last_run[job.key] = now
            try:
                await asyncio.to_thread(registered(job.task_name).run)
            except Exception:
                log.exception("scheduled %s failed", job.task_name)
        await asyncio.sleep(TICK_S)
