"""Emails: enqueued only after commit, delivered exactly once, failures released for a retry."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from pms_app import worker
from pms_app.core import jobs
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.emails.models import EmailMessage
from pms_app.emails.service import queue_email, send_email_now, send_emails_now, unsent_email_ids
from pms_app.emails.tasks import EMAIL_BATCH
from pms_app.integrations import mail
from tests.smtp_server import SmtpServer


def _queue(session: Session, to: str = "tina@example.test", **kw: str) -> EmailMessage:
    args = {"subject": "Rent reminder", "body": "Your rent is due.", "kind": "reminder"} | kw
    msg = session.get(EmailMessage, queue_email(session, to, **args))  # type: ignore[arg-type]
    assert msg is not None
    return msg


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids handed to the worker. The real enqueue still runs (in-process pool)."""
    calls: list[int] = []
    real = jobs.LOCAL_RUNNERS["pms.send_email"]

    def spy(email_id: int) -> None:
        calls.append(email_id)
        real(email_id)

    monkeypatch.setitem(jobs.LOCAL_RUNNERS, "pms.send_email", spy)
    return calls


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids handed to the worker, which keeps them (a broker holding the message): nothing runs."""
    calls: list[int] = []
    monkeypatch.setitem(jobs.LOCAL_RUNNERS, "pms.send_email", calls.append)
    return calls


@pytest.fixture
def deliveries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Ids passed to the real `mail.deliver` (the outbox file name is per id, so files can't
    show a double send: this can)."""
    calls: list[int] = []
    real = mail.deliver

    def spy(msg: EmailMessage, settings: object = None, **kw: object) -> None:
        calls.append(msg.id)  # type: ignore[arg-type]
        real(msg, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(mail, "deliver", spy)
    return calls


def _fresh(engine: Engine, email_id: int) -> EmailMessage:
    with Session(engine) as s:
        msg = s.get(EmailMessage, email_id)
        assert msg is not None
        return msg


def _send_in_new_session(engine: Engine, email_id: int) -> bool:
    """What the worker does: its own session, the id only."""
    with Session(engine, expire_on_commit=False) as s:
        return send_email_now(s, email_id)


def _eml_files(outbox: Path) -> list[Path]:
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []


def test_rolled_back_transaction_enqueues_nothing_and_leaves_no_row(
    session: Session, outbox: Path, enqueued: list[int], deliveries: list[int]
) -> None:
    _queue(session)
    session.rollback()
    worker.wait_for_local_tasks()
    assert enqueued == []
    assert deliveries == []
    assert session.exec(select(EmailMessage)).all() == []
    assert _eml_files(outbox) == []

    # The same call, committed, does enqueue (so the spy above is live).
    msg = _queue(session)
    session.commit()
    worker.wait_for_local_tasks()
    assert enqueued == [msg.id]


def test_committed_email_is_delivered_to_the_outbox_exactly_once(
    session: Session, engine: Engine, outbox: Path, enqueued: list[int], deliveries: list[int]
) -> None:
    msg = _queue(session, "Tina@example.test", subject="Your unit A1")
    assert enqueued == []  # not before the commit
    session.commit()
    worker.wait_for_local_tasks()

    assert enqueued == [msg.id]
    assert deliveries == [msg.id]
    files = _eml_files(outbox)
    assert [p.name for p in files] == [f"{msg.id:08d}-reminder.eml"]
    parsed = BytesParser(policy=default_policy).parse(files[0].open("rb"))
    assert parsed["To"] == "Tina@example.test"
    assert parsed["Subject"] == "Your unit A1"
    assert parsed["X-PMS-Email-Id"] == str(msg.id)
    assert "Your rent is due." in parsed.get_content()
    stored = _fresh(engine, msg.id)  # type: ignore[arg-type]
    assert stored.sent_at is not None
    assert stored.attempts == 1
    assert stored.last_error == ""


def test_redelivered_task_writes_one_file(
    session: Session, engine: Engine, outbox: Path, held: list[int], deliveries: list[int]
) -> None:
    msg = _queue(session)
    session.commit()
    assert held == [msg.id]

    assert _send_in_new_session(engine, msg.id) is True  # type: ignore[arg-type]
    assert _send_in_new_session(engine, msg.id) is False  # type: ignore[arg-type]
    # The Celery task body, as a redelivered message would run it, also sends nothing.
    assert worker.send_email.run(msg.id) is False
    # Long after the claim expired (a broker redelivery after its visibility timeout): the
    # sent_at guard alone still refuses.
    with Session(engine) as s:
        s.exec(  # type: ignore[call-overload]
            update(EmailMessage)
            .where(EmailMessage.id == msg.id)  # type: ignore[arg-type]
            .values(claimed_until=utcnow() - timedelta(hours=1))
        )
        s.commit()
    assert _send_in_new_session(engine, msg.id) is False  # type: ignore[arg-type]

    assert deliveries == [msg.id]
    assert len(_eml_files(outbox)) == 1
    assert _fresh(engine, msg.id).attempts == 1  # type: ignore[arg-type]


def test_concurrent_deliveries_of_one_email_send_it_once(
    session: Session, engine: Engine, outbox: Path, held: list[int], deliveries: list[int]
) -> None:
    msg = _queue(session)
    session.commit()
    email_id = msg.id
    assert email_id is not None
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    results: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                barrier.wait(timeout=10)
                sent = send_email_now(s, email_id)
            with lock:
                results.append(sent)
        except BaseException as exc:  # surfaced below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sorted(results) == [False] * (threads_n - 1) + [True]
    assert deliveries == [email_id]
    assert len(_eml_files(outbox)) == 1
    assert _fresh(engine, email_id).attempts == 1


def test_failed_delivery_releases_the_claim_and_a_later_call_sends_it(
    session: Session,
    engine: Engine,
    outbox: Path,
    held: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    msg = _queue(session)
    session.commit()
    email_id = msg.id
    assert email_id is not None

    def down(_msg: EmailMessage, _settings: object = None, **_kw: object) -> None:
        raise OSError("SMTP server unreachable")

    with monkeypatch.context() as m:
        m.setattr(mail, "deliver", down)
        with pytest.raises(OSError, match="unreachable"):
            _send_in_new_session(engine, email_id)

    failed = _fresh(engine, email_id)
    assert failed.sent_at is None
    assert failed.claimed_until is None  # released: a retry need not wait for the claim to expire
    assert failed.attempts == 1
    assert failed.last_error == "SMTP server unreachable"
    assert _eml_files(outbox) == []

    assert _send_in_new_session(engine, email_id) is True
    sent = _fresh(engine, email_id)
    assert sent.sent_at is not None
    assert sent.attempts == 2
    assert sent.last_error == ""
    assert len(_eml_files(outbox)) == 1


def test_failed_delivery_in_the_session_that_queued_it_also_releases_the_claim(
    session: Session, engine: Engine, held: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity map holds the row as queued (claimed_until=None): the release must still
    reach the database."""
    msg = _queue(session)
    session.commit()

    def down(_msg: EmailMessage, _settings: object = None, **_kw: object) -> None:
        raise OSError("connection refused")

    monkeypatch.setattr(mail, "deliver", down)
    with pytest.raises(OSError):
        send_email_now(session, msg.id)  # type: ignore[arg-type]
    failed = _fresh(engine, msg.id)  # type: ignore[arg-type]
    assert failed.claimed_until is None
    assert failed.attempts == 1
    assert failed.last_error == "connection refused"


def test_sweeper_finds_lost_emails_only(session: Session, held: list[int]) -> None:
    long_ago = utcnow() - timedelta(minutes=5)

    def make(**fields: object) -> int:
        msg = _queue(session)
        for key, value in {"created_at": long_ago, **fields}.items():
            setattr(msg, key, value)
        session.add(msg)
        session.commit()
        assert msg.id is not None
        return msg.id

    lost = make()
    expired_claim = make(claimed_until=utcnow() - timedelta(seconds=1))
    make(created_at=utcnow())  # fresh: its task is probably still on the way
    make(sent_at=utcnow())  # sent
    make(claimed_until=utcnow() + timedelta(seconds=60))  # being sent right now
    make(attempts=10)  # given up on

    assert sorted(unsent_email_ids(session, older_than_s=60)) == [lost, expired_claim]
    assert unsent_email_ids(session, older_than_s=600) == []


def test_dedupe_key_queues_once(
    session: Session, engine: Engine, outbox: Path, enqueued: list[int], deliveries: list[int]
) -> None:
    first = _queue(session, dedupe_key="rent-reminder:unit-7:2026-01")
    session.commit()
    again = _queue(session, dedupe_key="rent-reminder:unit-7:2026-01")
    session.commit()
    worker.wait_for_local_tasks()

    assert again.id == first.id
    assert len(session.exec(select(EmailMessage)).all()) == 1
    assert enqueued == [first.id]
    assert deliveries == [first.id]
    assert len(_eml_files(outbox)) == 1
    # A different key is a different email.
    other = _queue(session, dedupe_key="rent-reminder:unit-8:2026-01")
    session.commit()
    assert other.id != first.id


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], SmtpServer]]:
    """Start a local SMTP server and point the settings at it (plain SMTP, no STARTTLS)."""
    stack = ExitStack()

    def start() -> SmtpServer:
        server = stack.enter_context(SmtpServer())
        monkeypatch.setenv("SMTP_HOST", server.host)
        monkeypatch.setenv("SMTP_PORT", str(server.port))
        monkeypatch.setenv("SMTP_STARTTLS", "0")
        get_settings.cache_clear()
        return server

    with stack:
        yield start


def test_smtp_delivery_reaches_the_server_with_the_right_headers(
    session: Session, engine: Engine, outbox: Path, smtp: Callable[[], SmtpServer]
) -> None:
    server = smtp()
    assert get_settings().uses_smtp
    msg = _queue(session, "tina@example.test", subject="Welcome to Sunrise Apartments")
    session.commit()
    worker.wait_for_local_tasks()

    [got] = server.wait_for(1)
    assert got.rcpt_to == ["tina@example.test"]
    assert got.message["To"] == "tina@example.test"
    assert got.message["Subject"] == "Welcome to Sunrise Apartments"
    assert got.message["Message-ID"] == f"<pms-email-{msg.id}@pms.local>"
    assert "Your rent is due." in got.message.get_content()
    assert _fresh(engine, msg.id).sent_at is not None  # type: ignore[arg-type]
    assert _eml_files(outbox) == []  # SMTP replaces the outbox
    assert len(server.received) == 1


# --- batches (the in-process sender, and several emails over one SMTP connection) ----------------


def _queue_many(session: Session, n: int) -> list[int]:
    ids = [_queue(session, f"t{i}@example.test", subject=f"Receipt {i}").id for i in range(n)]
    session.commit()
    return ids  # type: ignore[return-value]


def test_a_batch_is_sent_once_and_a_failing_message_is_released_alone(
    session: Session,
    engine: Engine,
    outbox: Path,
    held: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = _queue_many(session, 5)
    bad = ids[2]
    real = mail.deliver

    def flaky(msg: EmailMessage, settings: object = None, **kw: object) -> None:
        if msg.id == bad:
            raise OSError("disk full")
        real(msg)

    monkeypatch.setattr(mail, "deliver", flaky)
    with Session(engine, expire_on_commit=False) as s:
        sent = send_emails_now(s, ids + [ids[0], 999_999])  # a repeat and an unknown id: ignored
    assert sorted(sent) == sorted(set(ids) - {bad})
    assert len(_eml_files(outbox)) == 4
    failed = _fresh(engine, bad)
    assert (failed.sent_at, failed.claimed_until, failed.attempts) == (None, None, 1)
    assert failed.last_error == "disk full"
    for email_id in sent:
        assert _fresh(engine, email_id).attempts == 1

    # Sending the same batch again sends only the one that failed (the others are done).
    monkeypatch.setattr(mail, "deliver", real)
    with Session(engine, expire_on_commit=False) as s:
        assert send_emails_now(s, ids) == [bad]
    assert _fresh(engine, bad).attempts == 2
    assert len(_eml_files(outbox)) == 5


def test_raise_errors_reports_the_failure_after_recording_it(
    session: Session, engine: Engine, held: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    [email_id] = _queue_many(session, 1)

    def down(_msg: EmailMessage, _settings: object = None, **_kw: object) -> None:
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(mail, "deliver", down)
    with Session(engine, expire_on_commit=False) as s, pytest.raises(ConnectionRefusedError):
        send_emails_now(s, [email_id], raise_errors=True)
    assert _fresh(engine, email_id).last_error == "SMTP down"


def test_a_batch_goes_over_one_smtp_connection(
    session: Session, engine: Engine, held: list[int], smtp: Callable[[], SmtpServer]
) -> None:
    server = smtp()
    ids = _queue_many(session, 4)
    with Session(engine, expire_on_commit=False) as s:
        assert sorted(send_emails_now(s, ids)) == sorted(ids)
    got = server.wait_for(4)
    assert sorted(r.rcpt_to[0] for r in got) == sorted(f"t{i}@example.test" for i in range(4))
    assert server.connections == 1


def test_unreachable_smtp_server_releases_the_rest_of_the_batch_untried(
    session: Session, engine: Engine, held: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    get_settings.cache_clear()
    ids = _queue_many(session, 3)
    with Session(engine, expire_on_commit=False) as s:
        assert send_emails_now(s, ids) == []
    first, *rest = (_fresh(engine, i) for i in ids)
    assert first.attempts == 1 and first.last_error and first.claimed_until is None
    # Not tried (connecting again for each would only wait for the same timeout again):
    for msg in rest:
        assert (msg.attempts, msg.claimed_until, msg.sent_at) == (0, None, None)
    get_settings.cache_clear()


def test_the_in_process_sender_sends_a_burst_in_batches_exactly_once(
    engine: Engine, outbox: Path, deliveries: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pms_app.emails import service as emails

    batches: list[int] = []
    real = emails.send_emails_now

    def spy(session: Session, ids: list[int], raise_errors: bool = False) -> list[int]:
        batches.append(len(ids))
        return real(session, ids, raise_errors)

    monkeypatch.setattr(emails, "send_emails_now", spy)
    # 8 threads each commit 30 emails one by one, as concurrent requests would.
    queued: list[int] = []
    lock = threading.Lock()

    def commit_some(t: int) -> None:
        with Session(engine, expire_on_commit=False) as s:
            for i in range(30):
                email_id = queue_email(s, f"t{t}-{i}@example.test", "Receipt", "Paid.", "receipt")
                s.commit()
                with lock:
                    queued.append(email_id)

    threads = [threading.Thread(target=commit_some, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    worker.wait_for_local_tasks(60)

    assert len(queued) == 240
    assert sorted(deliveries) == sorted(queued)  # each once
    assert len(_eml_files(outbox)) == 240
    assert all(n <= EMAIL_BATCH for n in batches)
    assert sum(batches) == 240
    with Session(engine) as s:
        unsent = s.exec(select(EmailMessage).where(EmailMessage.sent_at.is_(None))).all()  # type: ignore[union-attr]
    assert unsent == []
