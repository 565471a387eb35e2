"""Compose emails as rows and hand them to the background worker after commit.

An email speaks its recipient's language, not the acting person's: compose it inside
`composing_for(recipient)`, where `gettext` and core/formats (month names, money) speak
`users.language` ("" = never chosen → English):

    with composing_for(tenant):
        queue_email(session, tenant.email, gettext("Rent reminder — {unit}", unit=…), …)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from pms_app.core import jobs
from pms_app.core.i18n import DEFAULT_LANGUAGE, gettext, use_language
from pms_app.core.sequences import insert_if_absent
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.emails.models import EmailMessage
from pms_app.integrations import mail

CLAIM_SECONDS = 120
_EMAILS = EmailMessage.__table__  # type: ignore[attr-defined]


@contextmanager
def composing_for(recipient: object) -> Iterator[str]:
    """Within the block, text is written in the recipient's language: `recipient` is a user (or
    a row) with `.language`, or a language code; None or "" (never chosen) → English. Yields
    the code. It replaces the language of the page that triggered the email."""
    code = recipient if isinstance(recipient, str) else getattr(recipient, "language", "")
    with use_language(code or DEFAULT_LANGUAGE) as chosen:
        yield chosen


def queue_email(
    session: Session,
    to_email: str,
    subject: str,
    body: str,
    kind: str,
    dedupe_key: str | None = None,
) -> int:
    """Add an email row (once per `dedupe_key`); a background task sends it once the transaction
    commits. Returns the row's id (the existing one's for a repeated `dedupe_key`). `subject`
    and `body` are already in the recipient's language; the footer is added in the current one
    (call it inside `composing_for`)."""
    footer = "\n\n—\n" + gettext("pms · {url}", url=get_settings().base_url) + "\n"
    email_id = insert_if_absent(
        session,
        EmailMessage,
        {
            "to_email": to_email,
            "subject": subject,
            "body": body + footer,
            "kind": kind,
            "dedupe_key": dedupe_key,
            "created_at": utcnow(),
            "attempts": 0,
            "last_error": "",
        },
    )
    if email_id is None:  # already queued under this key (by us earlier, or concurrently)
        return session.exec(
            select(EmailMessage.id).where(EmailMessage.dedupe_key == dedupe_key)
        ).one()  # type: ignore[return-value]

    jobs.enqueue_after_commit(session, "pms.send_email", int(email_id))
    return int(email_id)


def send_email_now(session: Session, email_id: int) -> bool:
    """Deliver one queued email exactly once. Returns True if this call sent it; a delivery
    error is recorded and raised (the Celery task retries on it)."""
    return send_emails_now(session, [email_id], raise_errors=True) == [email_id]


def send_emails_now(
    session: Session, email_ids: Sequence[int], raise_errors: bool = False
) -> list[int]:
    """Deliver queued emails, each exactly once, in two write transactions for the whole batch
    (and over one SMTP connection). Returns the ids this call sent.

    A short claim (conditional UPDATE) keeps two senders of the same email from both sending; a
    crashed sender's claims expire and `unsent_email_ids` finds the messages again. A message
    that fails is recorded (attempts, last_error) and released for a retry; if the SMTP server
    cannot be reached the rest of the batch is released untried.
    """
    if not email_ids:
        return []
    now = utcnow()
    claimed = set(
        session.execute(
            update(_EMAILS)
            .where(
                _EMAILS.c.id.in_(list(email_ids)),
                _EMAILS.c.sent_at.is_(None),
                or_(_EMAILS.c.claimed_until.is_(None), _EMAILS.c.claimed_until < now),
            )
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
            .returning(_EMAILS.c.id)
        ).scalars()
    )
    session.commit()
    if not claimed:
        return []
    messages = session.exec(
        select(EmailMessage).where(col(EmailMessage.id).in_(claimed)).order_by(col(EmailMessage.id))
    ).all()
    settings = get_settings()
    sent: list[int] = []
    failed: dict[int, str] = {}
    first_error: Exception | None = None
    smtp = None
    try:
        for msg in messages:
            assert msg.id is not None
            try:
                if settings.uses_smtp and smtp is None:
                    smtp = mail.open_smtp(settings)
                mail.deliver(msg, settings, smtp=smtp)
            except Exception as exc:
                failed[msg.id] = str(exc)[:500] or type(exc).__name__
                first_error = first_error or exc
                if smtp is None and settings.uses_smtp:
                    break  # the server cannot be reached: leave the rest for a retry
                if smtp is not None:  # its state is unknown after an error: start afresh
                    mail.close_smtp(smtp)
                    smtp = None
                continue
            sent.append(msg.id)
    finally:
        if smtp is not None:
            mail.close_smtp(smtp)
    _record_outcome(session, sent, failed, claimed - set(sent) - set(failed))
    if first_error is not None and raise_errors:
        raise first_error
    return sent


def _record_outcome(
    session: Session, sent: list[int], failed: dict[int, str], untried: set[int]
) -> None:
    attempts = _EMAILS.c.attempts + 1
    if sent:
        session.execute(
            update(_EMAILS)
            .where(_EMAILS.c.id.in_(sent))
            .values(sent_at=utcnow(), attempts=attempts, last_error="")
        )
    for email_id, error in failed.items():  # released: a retry may send it
        session.execute(
            update(_EMAILS)
            .where(_EMAILS.c.id == email_id)
            .values(attempts=attempts, last_error=error, claimed_until=None)
        )
    if untried:
        session.execute(update(_EMAILS).where(_EMAILS.c.id.in_(untried)).values(claimed_until=None))
    session.commit()


def unsent_email_ids(session: Session, older_than_s: int = 60) -> list[int]:
    """Emails whose task was lost (worker died, broker down at enqueue): the sweeper resends them."""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    rows = session.exec(
        select(EmailMessage.id).where(
            EmailMessage.sent_at.is_(None),  # type: ignore[union-attr]
            EmailMessage.created_at < cutoff,
            EmailMessage.attempts < 10,
            or_(
                EmailMessage.claimed_until.is_(None),  # type: ignore[union-attr]
                EmailMessage.claimed_until < utcnow(),  # type: ignore[operator]
            ),
        )
    ).all()
    return [r for r in rows if r is not None]
