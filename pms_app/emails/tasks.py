"""Email delivery tasks: one email per Celery task with Redis; in-process, a single sender that
takes queued emails in batches (one claim and one "sent" write per batch, one SMTP connection),
which matters on SQLite where every write waits for the single writer."""

from __future__ import annotations

import logging
import threading

from pms_app.core import jobs
from pms_app.core.db import session_scope
from pms_app.emails import service as emails

log = logging.getLogger(__name__)

SEND = "pms.send_email"
EMAIL_BATCH = 50


@jobs.task(SEND, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=8)
def send_email(email_id: int) -> bool:
    with session_scope() as session:
        return emails.send_email_now(session, email_id)


@jobs.periodic("resend-stuck-emails", 60.0)
@jobs.task("pms.sweep_unsent_emails")
def sweep_unsent_emails() -> int:
    with session_scope() as session:
        ids = emails.unsent_email_ids(session)
    for email_id in ids:
        jobs.enqueue(SEND, email_id)
    return len(ids)


# --- in-process: one sender, in batches ------------------------------------------------------------

_email_ids: list[int] = []
_email_lock = threading.Lock()
_sender_running = False


def _enqueue_locally(email_id: int) -> None:
    global _sender_running
    with _email_lock:
        _email_ids.append(email_id)
        if _sender_running:
            return  # the running sender takes it with its next batch
        _sender_running = True
    try:
        jobs.submit("send_emails", _send_queued_emails)
    except BaseException:  # no pool (interpreter shutting down): the sweeper sends it later
        _sender_stopped()
        raise


def _sender_stopped() -> None:
    global _sender_running
    with _email_lock:
        _sender_running = False


def _send_queued_emails() -> None:
    global _sender_running
    try:
        while True:
            with _email_lock:
                batch = _email_ids[:EMAIL_BATCH]
                del _email_ids[:EMAIL_BATCH]
                if not batch:  # decided under the lock: a new id either is seen or restarts us
                    _sender_running = False
                    return
            try:
                with session_scope() as session:
                    emails.send_emails_now(session, batch)
            except Exception:  # the rows are committed: the sweeper sends them later
                log.exception("sending emails %s failed; the sweeper will retry", batch)
    except BaseException:
        _sender_stopped()
        raise


jobs.LOCAL_RUNNERS[SEND] = _enqueue_locally
