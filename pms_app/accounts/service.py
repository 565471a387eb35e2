"""Signup, login/logout, sessions, password change and reset, profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pms_app.accounts import throttle
from pms_app.accounts.access import require_approved, require_user
from pms_app.accounts.models import AuthSession, Role, User
from pms_app.accounts.passwords import check_password_policy, hash_password, verify_password
from pms_app.accounts.tokens import (
    check_reset_token,
    hash_token,
    make_reset_token,
    new_token,
    parse_reset_token,
)
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.i18n import N_, language
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_email, clean_name, clean_phone
from pms_app.emails.service import queue_email

LOGIN_FAILED = N_("Email or password is incorrect.")
DUPLICATE_EMAIL = N_("An account with this email already exists. Log in, or reset your password.")


@dataclass(frozen=True)
class SignupForm:
    full_name: str
    email: str
    phone: str
    password: str


def clean_signup(session: Session, form: SignupForm) -> tuple[str, str, str]:
    name = clean_name(form.full_name)
    email = clean_email(form.email)
    phone = clean_phone(form.phone)
    check_password_policy(form.password, email=email, name=name)
    if session.exec(select(User.id).where(User.email == email)).first() is not None:
        raise ValidationError(DUPLICATE_EMAIL, "email")
    return name, email, phone


def create_user(
    session: Session,
    name: str,
    email: str,
    phone: str,
    password: str,
    role: Role,
    language_code: str = "",
) -> User:
    user = User(
        email=email,
        full_name=name,
        phone=phone,
        role=role,
        password_hash=hash_password(password),
        language=language(language_code) if language_code else "",
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # lost a race with a concurrent signup for the same email
        session.rollback()
        raise ValidationError(DUPLICATE_EMAIL, "email") from exc
    return user


def open_session(session: Session, user: User, user_agent: str = "") -> str:
    token = new_token()
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(seconds=get_settings().session_max_age_s),
            user_agent=user_agent[:255],
        )
    )
    user.last_login_at = utcnow()
    session.add(user)
    return token


# Per IP and hour: an estate onboarding over one Wi-Fi signs up dozens at once; a script that
# creates accounts by the thousand is still stopped (an email can sign up once anyway).
SIGNUPS_PER_IP_HOUR = 100


def signup_landlord(session: Session, form: SignupForm, ip: str = "") -> tuple[User, str]:
    """Create a landlord account and log it in. Returns (user, session token)."""
    throttle.hit(session, f"signup:{ip[:50]}", limit=SIGNUPS_PER_IP_HOUR, window_s=3600)
    session.commit()
    name, email, phone = clean_signup(session, form)
    user = create_user(session, name, email, phone, form.password, Role.LANDLORD)
    token = open_session(session, user)
    queue_email(
        session,
        email,
        "Welcome to pms",
        f"Hello {name},\n\nYour landlord account is ready. Add your first property from the "
        f"dashboard: {get_settings().base_url}/dashboard",
        kind="welcome",
    )
    session.commit()
    return user, token


def _login_email(email: str) -> str:
    return (email or "").strip().lower()[:254]


def login_delay(session: Session, email: str, now: datetime | None = None) -> float:
    """Seconds to hold a login to this address before answering: 0, or a few at most while the
    account is under attack (its failure bucket is full). The caller waits it off the event loop
    (pages/auth.py) whatever the password, so the wait says nothing about it, and it is the same
    for addresses that have no account."""
    return throttle.delay_s(session, throttle.account_key(_login_email(email)), now=now)


def login(
    session: Session,
    email: str,
    password: str,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> str:
    """Returns a new session token. Unknown email and wrong password look exactly alike.

    Refused only when the source keeps failing (this address, or this address for this
    account); the per-account count never refuses a correct password (see `login_delay`).
    The password is checked first (against a dummy hash for unknown emails: the same cost),
    then the verdict is recorded and given in one locked step."""
    email = _login_email(email)
    keys = throttle.login_keys(email, ip)
    throttle.check(session, keys, now)  # a source refused already costs no argon2
    user = session.exec(select(User).where(User.email == email)).first() if email else None
    ok, new_hash = verify_password(password or "", user.password_hash if user else None)
    ok = ok and user is not None and user.is_active
    throttle.record(session, keys, ok, now)
    if not ok or user is None:
        session.commit()
        raise ServiceError(LOGIN_FAILED)
    if new_hash:  # parameters were raised since this hash was made
        user.password_hash = new_hash
    token = open_session(session, user, user_agent)
    session.commit()
    return token


def user_for_token(session: Session, token: str | None) -> User | None:
    """The user behind a browser's session token, or None (unknown, expired, revoked, inactive)."""
    if not token or len(token) > 100:
        return None
    row = session.exec(
        select(AuthSession).where(AuthSession.token_hash == hash_token(token))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at < utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user and user.is_active else None


def logout(session: Session, token: str | None) -> None:
    if not token:
        return
    session.exec(  # type: ignore[call-overload]
        update(AuthSession)
        .where(
            AuthSession.token_hash == hash_token(token),
            AuthSession.revoked_at.is_(None),
        )  # type: ignore[union-attr]
        .values(revoked_at=utcnow())
    )
    session.commit()


def revoke_all_sessions(session: Session, user_id: int) -> None:
    session.exec(  # type: ignore[call-overload]
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))  # type: ignore[union-attr]
        .values(revoked_at=utcnow())
    )


def _password_changed_email(session: Session, user: User) -> None:
    queue_email(
        session,
        user.email,
        "Your pms password was changed",
        f"Hello {user.full_name},\n\nThe password of your account was just changed and all other "
        "sessions were logged out. If this wasn't you, reset your password at once: "
        f"{get_settings().base_url}/forgot-password",
        kind="password_changed",
    )


def change_password(session: Session, actor: User | None, current: str, new: str) -> str:
    """Check the current password, set the new one, end every session; returns a fresh token."""
    user = require_approved(session, actor)  # tenants awaiting approval: the waiting page only
    user = session.get(User, user.id)
    if user is None:
        raise NotFound("account")
    ok, _ = verify_password(current or "", user.password_hash)
    if not ok:
        raise ValidationError("Your current password is not right.", "current_password")
    check_password_policy(new, email=user.email, name=user.full_name)
    if verify_password(new, user.password_hash)[0]:
        raise ValidationError("Choose a password different from the current one.", "password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    revoke_all_sessions(session, user.id or 0)
    token = open_session(session, user)
    _password_changed_email(session, user)
    session.commit()
    return token


def request_password_reset(session: Session, email: str, ip: str = "") -> None:
    """Email a reset link if the account exists. Callers say the same thing either way."""
    email = clean_email(email)
    throttle.hit(session, f"reset:{ip}", limit=20, window_s=3600)
    throttle.hit(session, f"reset-acct:{email}", limit=5, window_s=3600)
    user = session.exec(select(User).where(User.email == email)).first()
    if user and user.is_active:
        link = f"{get_settings().base_url}/reset-password?token={make_reset_token(user)}"
        minutes = get_settings().reset_token_max_age_s // 60
        queue_email(
            session,
            user.email,
            "Reset your pms password",
            f"Hello {user.full_name},\n\nUse this link to choose a new password. It works once and "
            f"expires in {minutes} minutes:\n\n{link}\n\nIf you didn't ask for this, ignore this email.",
            kind="password_reset",
        )
    session.commit()


INVALID_RESET = N_("This reset link is invalid or has expired. Ask for a new one.")


def reset_password(session: Session, token: str, new_password: str) -> None:
    parsed = parse_reset_token(token or "")
    user = session.get(User, parsed[0]) if parsed else None
    if user is None or not user.is_active or not check_reset_token(user, token):
        raise ServiceError(INVALID_RESET)
    check_password_policy(new_password, email=user.email, name=user.full_name)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    session.add(user)
    revoke_all_sessions(session, user.id or 0)
    _password_changed_email(session, user)
    session.commit()


def reset_token_is_valid(session: Session, token: str) -> bool:
    parsed = parse_reset_token(token or "")
    user = session.get(User, parsed[0]) if parsed else None
    return bool(user and user.is_active and check_reset_token(user, token))


def set_language(session: Session, actor: User | None, code: str) -> User:
    """Save the person's language: pages, emails and SMS then speak it (core/i18n). Open to a
    tenant still waiting for approval: the waiting page has the switch too."""
    user = session.get(User, require_user(actor).id)
    if user is None:
        raise NotFound("account")
    user.language = language(code)
    session.add(user)
    session.commit()
    return user


def update_profile(session: Session, actor: User | None, full_name: str, phone: str) -> User:
    user = require_approved(session, actor)  # tenants awaiting approval: the waiting page only
    user = session.get(User, user.id)
    if user is None:
        raise NotFound("account")
    user.full_name = clean_name(full_name)
    user.phone = clean_phone(phone)
    session.add(user)
    session.commit()
    return user
