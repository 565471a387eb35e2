"""Deliver one email: SMTP when configured, else an .eml file in the outbox folder."""

from __future__ import annotations

import os
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from pms_app.core.settings import Settings, get_settings


class EmailMessage(Protocol):
    """What delivery needs of a message (the emails domain's row has these): the adapter
    knows no domain."""

    id: int | None
    to_email: str
    subject: str
    body: str
    kind: str
    created_at: datetime


def build_mime(msg: EmailMessage, settings: Settings) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = settings.smtp_from
    mime["To"] = msg.to_email
    mime["Subject"] = msg.subject
    mime["Date"] = format_datetime(msg.created_at.astimezone(UTC))
    # Stable Message-ID: a redelivered task produces the same message, which receivers dedupe.
    mime["Message-ID"] = f"<pms-email-{msg.id}@pms.local>"
    mime["X-PMS-Email-Id"] = str(msg.id)
    # 8bit keeps outbox files readable (links unbroken); lines are short, servers accept 8BITMIME.
    mime.set_content(msg.body, cte="8bit")
    return mime


def outbox_path(msg: EmailMessage, settings: Settings) -> Path:
    return settings.outbox_dir / f"{msg.id:08d}-{msg.kind}.eml"


def open_smtp(settings: Settings) -> smtplib.SMTP:
    """A logged-in SMTP connection (for sending several messages over one connection)."""
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    try:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def close_smtp(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def deliver(
    msg: EmailMessage, settings: Settings | None = None, smtp: smtplib.SMTP | None = None
) -> None:
    """Send one message: over `smtp` if given, else over a new SMTP connection when SMTP is
    configured, else into the outbox folder."""
    settings = settings or get_settings()
    mime = build_mime(msg, settings)
    if smtp is not None:
        smtp.send_message(mime)
        return
    if settings.uses_smtp:
        own = open_smtp(settings)
        try:
            own.send_message(mime)
        finally:
            close_smtp(own)
        return
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    path = outbox_path(msg, settings)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(mime))
    os.replace(tmp, path)  # atomic: a reader never sees half a message
