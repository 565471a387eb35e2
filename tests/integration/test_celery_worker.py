"""A real Redis broker and a real Celery worker process: emails are sent once, whatever happens.

The test process publishes (a signup, a redelivery); a `celery worker` subprocess shares the same
SQLite file and outbox. Redis db 15 (tests.conftest.REDIS_URL) is flushed before and after.
"""

from __future__ import annotations

import os
import re
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pms_app import worker
from pms_app.core import db
from pms_app.core.migrations import upgrade
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.emails.models import EmailMessage
from pms_app.emails.service import queue_email
from tests import factories as f
from tests.conftest import REDIS_URL, service_unavailable
from tests.smtp_server import SmtpServer
from tests.workers import Worker

pytestmark = pytest.mark.redis


@dataclass
class Stack:
    url: str
    engine: Engine
    outbox: Path
    worker_env: dict[str, str]
    tmp_path: Path
    redis: redis.Redis

    @contextmanager
    def worker(self, pool: str = "solo", **env: str) -> Iterator[Worker]:
        w = Worker(
            self.worker_env | env, self.tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log", pool
        )
        try:
            yield w
        finally:
            w.stop()

    def email(self, email_id: int) -> EmailMessage:
        with Session(self.engine) as s:
            msg = s.get(EmailMessage, email_id)
            assert msg is not None
            return msg

    def eml_files(self) -> list[Path]:
        return sorted(self.outbox.glob("*.eml")) if self.outbox.exists() else []

    def queue_idle(self) -> bool:
        """Nothing waiting in the queue and nothing delivered-but-unacknowledged."""
        return self.redis.llen("celery") == 0 and self.redis.hlen("unacked") == 0


@contextmanager
def _publish_to(broker_url: str) -> Iterator[None]:
    """pms_app.worker fixed its broker when first imported (memory:// here): point it at Redis.

    The app caches its broker pools on first use, so they are dropped on the way in and out (not
    closed: kombu keeps them in a process-wide registry, keyed by URL, for the next user).
    """
    app = worker.celery_app

    def drop_pools() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    drop_pools()
    app.conf.broker_url = broker_url
    try:
        yield
    finally:
        drop_pools()
        app.conf.broker_url = old


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=10)
    try:
        client.ping()
    except Exception as exc:
        client.close()
        service_unavailable("Redis", f"{REDIS_URL}: {type(exc).__name__}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_db: redis.Redis
) -> Iterator[Stack]:
    url = f"sqlite:///{tmp_path / 'pms.db'}"
    upgrade(url)
    outbox = tmp_path / "outbox"
    worker_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SMTP_") and k not in ("DATABASE_URL", "REDIS_URL", "OUTBOX_DIR")
    } | {
        "PMS_DATA_DIR": str(tmp_path / "worker-data"),
        "DATABASE_URL": url,
        "OUTBOX_DIR": str(outbox),
        "REDIS_URL": REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    # This process enqueues to the same Redis, against the same database.
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    monkeypatch.setenv("OUTBOX_DIR", str(outbox))
    get_settings.cache_clear()
    engine = db.make_engine(url)
    db.use_engine(engine)
    try:
        with _publish_to(REDIS_URL):
            yield Stack(url, engine, outbox, worker_env, tmp_path, redis_db)
    finally:
        db.use_engine(None)
        engine.dispose()
        get_settings.cache_clear()


def test_signup_welcome_email_is_sent_once_and_a_redelivered_task_sends_nothing(
    stack: Stack,
) -> None:
    assert get_settings().redis_url == REDIS_URL
    with Session(stack.engine, expire_on_commit=False) as session:
        user = f.landlord(session)
        welcome = f.last_email(session, user.email, "welcome")
    email_id = welcome.id
    assert email_id is not None
    # Enqueued to Redis, not run in-process: it waits there for a worker.
    assert stack.redis.llen("celery") == 1
    assert stack.eml_files() == []

    with stack.worker() as w:
        w.wait(stack.eml_files, 30, "the welcome email in the outbox")
        sent = w.wait(lambda: stack.email(email_id).sent_at, 10, "sent_at")
        w.wait(stack.queue_idle, 10, "the task to be acknowledged")
        assert [p.name for p in stack.eml_files()] == [f"{email_id:08d}-welcome.eml"]
        assert f"To: {user.email}" in stack.eml_files()[0].read_text()
        assert stack.email(email_id).attempts == 1

        # The same task delivered again (a broker redelivery), twice.
        first = worker.send_email.apply_async(args=[email_id])
        second = worker.send_email.apply_async(args=[email_id])
        for result in (first, second):
            assert w.wait(lambda r=result: w.task_results(r.id), 20, f"task {result.id}") == [
                "False"
            ]
        w.wait(stack.queue_idle, 10, "the redelivered tasks to be acknowledged")

        stored = stack.email(email_id)
        assert stored.attempts == 1  # one delivery (the outbox file name alone can't show it)
        assert stored.sent_at == sent
        assert len(stack.eml_files()) == 1
        assert len(re.findall(r"Task pms\.send_email\[[^\]]+\] succeeded", w.log())) == 3
        assert "Traceback" not in w.log()


def _kill_mid_delivery(stack: Stack, w: Worker, smtp: SmtpServer, email_id: int) -> str:
    """Wait until the pool process has claimed the email and is inside SMTP; SIGKILL it.

    Returns the task id, read from the worker's log.
    """
    w.wait(smtp.stalled.is_set, 30, "the worker to connect to SMTP")
    claimed = stack.email(email_id)
    assert claimed.claimed_until is not None and claimed.sent_at is None
    task_id = re.findall(r"Task pms\.send_email\[([^\]]+)\] received", w.log())[0]
    [child] = w.children()
    os.kill(child, signal.SIGKILL)
    w.wait(lambda: "WorkerLostError" in w.log(), 20, "the pool to notice the kill")
    return task_id


def test_sigkill_mid_delivery_reruns_the_task_and_the_email_is_sent_once(stack: Stack) -> None:
    with SmtpServer() as smtp:
        smtp.stall(1)  # the first delivery hangs inside smtplib.SMTP(...), after the claim
        smtp_env = {
            "SMTP_HOST": smtp.host,
            "SMTP_PORT": str(smtp.port),
            "SMTP_STARTTLS": "0",
        }
        # prefork: the pool process running the task is what dies; the worker stays up, and
        # task_acks_late + task_reject_on_worker_lost put the unacknowledged message back.
        with stack.worker(pool="prefork", **smtp_env) as w:
            w.wait_ready()
            with Session(stack.engine, expire_on_commit=False) as session:
                email_id = queue_email(
                    session, "tina@example.test", "Rent receipt", "Paid.", "receipt"
                )
                session.commit()

            task_id = _kill_mid_delivery(stack, w, smtp, email_id)

            # The same task runs again in a new pool process. The dead sender's claim still
            # holds, so it must not send (it can't know whether the dead one did).
            assert w.wait(lambda: w.task_results(task_id), 30, "the rerun") == ["False"]
            w.wait(stack.queue_idle, 10, "the rerun to be acknowledged")
            assert smtp.received == []
            assert stack.email(email_id).sent_at is None

            # The claim (120 s) expires and the beat sweeper (older than 60 s) finds the email:
            # moved forward in time here rather than waited for.
            with stack.engine.begin() as conn:
                conn.execute(
                    update(EmailMessage)
                    .where(EmailMessage.id == email_id)  # type: ignore[arg-type]
                    .values(
                        claimed_until=utcnow() - timedelta(seconds=1),
                        created_at=utcnow() - timedelta(minutes=5),
                    )
                )
            sweep = worker.sweep_unsent_emails.apply_async()
            w.wait(
                lambda: re.search(
                    rf"Task pms\.sweep_unsent_emails\[{sweep.id}\] succeeded in \S+: 1", w.log()
                ),
                20,
                "the sweeper to resend it",
            )

            [got] = smtp.wait_for(1, timeout=20)
            assert got.message["X-PMS-Email-Id"] == str(email_id)
            assert got.message["To"] == "tina@example.test"
            assert got.message["Subject"] == "Rent receipt"
            w.wait(lambda: stack.email(email_id).sent_at, 10, "sent_at")
            w.wait(stack.queue_idle, 10, "every task to be acknowledged")

            # One outcome: one message at the server, one counted attempt, nothing left to send.
            sends = re.findall(r"Task pms\.send_email\[[^\]]+\] succeeded in \S+: (\w+)", w.log())
            assert sorted(sends) == ["False", "True"]
            assert len(smtp.received) == 1
            assert stack.email(email_id).attempts == 1
