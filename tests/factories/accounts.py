"""People and their mail: landlords, admins, logins, and the tokens in the emails they get."""

from __future__ import annotations

import itertools
import re

from sqlmodel import Session, select

from pms_app.accounts import admin
from pms_app.accounts import service as accounts
from pms_app.accounts.models import User
from pms_app.accounts.service import SignupForm
from pms_app.emails.models import EmailMessage

PASSWORD = "correct horse battery"
# One sequence for every factory module: emails, phones, receipts and ids never repeat in a run.
_seq = itertools.count(1)


def _email(prefix: str) -> str:
    return f"{prefix}{next(_seq)}@example.test"


def _phone() -> str:
    return f"07{next(_seq) % 100_000_000:08d}"


def landlord(session: Session, email: str | None = None, name: str = "Lucy Landlord") -> User:
    user, _token = accounts.signup_landlord(
        session, SignupForm(name, email or _email("landlord"), _phone(), PASSWORD)
    )
    return user


def admin_user(session: Session) -> User:
    return admin.create_admin(session, _email("admin"), "Ada Admin", PASSWORD)


def login_token(session: Session, user: User, password: str = PASSWORD) -> str:
    return accounts.login(session, user.email, password, ip="10.0.0.1")


def last_email(session: Session, to: str, kind: str) -> EmailMessage:
    msg = session.exec(
        select(EmailMessage)
        .where(EmailMessage.to_email == to, EmailMessage.kind == kind)
        .order_by(EmailMessage.id.desc())  # type: ignore[union-attr]
    ).first()
    assert msg is not None, f"no {kind} email to {to}"
    return msg


def token_from_email(session: Session, to: str, kind: str) -> str:
    """The token in the link of the last `kind` email to `to` (what the person would click)."""
    match = re.search(r"token=([A-Za-z0-9_\-]+)", last_email(session, to, kind).body)
    assert match, "no link in the email"
    return match.group(1)


def deactivated(session: Session, user: User, by: User | None = None) -> User:
    """`user`, switched off by an admin (a fresh one unless `by` is given)."""
    admin.set_user_active(session, by or admin_user(session), user.id, False)
    session.refresh(user)
    return user
