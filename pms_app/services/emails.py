"""Compose emails as rows and hand them to the background worker after commit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from pms_app.db import on_commit
from pms_app.integrations import mail
from pms_app.models.accounts import EmailMessage
from pms_app.models.base import utcnow
from pms_app.settings import get_settings

CLAIM_SECONDS = 120


def queue_email(
    session: Session,
    to_email: str,
    subject: str,
    body: str,
    kind: str,
    dedupe_key: str | None = None,
) -> EmailMessage:
    """Add an email row; it is sent by a background task once the transaction commits."""
    if dedupe_key:
        existing = session.exec(
            select(EmailMessage).where(EmailMessage.dedupe_key == dedupe_key)
        ).first()
        if existing:
            return existing
    footer = f"\n\n—\npms · {get_settings().base_url}\n"
    msg = EmailMessage(
        to_email=to_email,
        subject=subject,
        body=body + footer,
        kind=kind,
        dedupe_key=dedupe_key,
    )
    session.add(msg)
    session.flush()
    email_id = msg.id
    assert email_id is not None

    def _enqueue() -> None:
        from pms_app.worker import enqueue_send_email

        enqueue_send_email(email_id)

    on_commit(session, _enqueue)
    return msg


def send_email_now(session: Session, email_id: int) -> bool:
    """Deliver one queued email exactly once. Returns True if this call sent it.

    A short claim (conditional UPDATE) keeps two deliveries of the same task from both sending;
    a crashed sender's claim expires and the message is picked up again by `resend_stuck`.
    """
    now = utcnow()
    claimed = session.exec(  # type: ignore[call-overload]
        update(EmailMessage)
        .where(
            EmailMessage.id == email_id,  # type: ignore[arg-type]
            EmailMessage.sent_at.is_(None),  # type: ignore[union-attr]
            or_(
                EmailMessage.claimed_until.is_(None),  # type: ignore[union-attr]
                EmailMessage.claimed_until < now,  # type: ignore[operator]
            ),
        )
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    session.commit()
    if claimed.rowcount != 1:
        return False
    msg = session.get(EmailMessage, email_id)
    assert msg is not None
    try:
        mail.deliver(msg)
    except Exception as exc:  # delivery failed: release the claim so a retry can send it
        msg.attempts += 1
        msg.last_error = str(exc)[:500]
        msg.claimed_until = None
        session.add(msg)
        session.commit()
        raise
    msg.attempts += 1
    msg.sent_at = utcnow()
    msg.last_error = ""
    session.add(msg)
    session.commit()
    return True


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
