"""Accounts: signup, login, throttling, sessions, password change and reset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from pms_app.accounts import passwords
from pms_app.accounts import service as accounts
from pms_app.accounts.models import AuthSession, User
from pms_app.accounts.service import SignupForm
from pms_app.accounts.tokens import make_reset_token
from pms_app.core.errors import ServiceError, Throttled, ValidationError
from pms_app.core.timestamps import utcnow
from pms_app.emails.models import EmailMessage
from tests import factories as f


def form(**kw: str) -> SignupForm:
    base = {
        "full_name": "Lucy Landlord",
        "email": "lucy@example.test",
        "phone": "0712345678",
        "password": f.PASSWORD,
    }
    base.update(kw)
    return SignupForm(**base)


def test_landlord_signup_creates_account_session_and_welcome_email(session: Session) -> None:
    user, token = accounts.signup_landlord(session, form(email="  Lucy@Example.TEST "))
    assert user.email == "lucy@example.test"
    assert user.role == "landlord"
    assert user.phone == "254712345678"
    assert user.password_hash.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in user.password_hash
    assert accounts.user_for_token(session, token).id == user.id
    stored = session.exec(select(AuthSession)).one()
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert f.last_email(session, user.email, "welcome")


@pytest.mark.parametrize(
    ("kw", "field", "fragment"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"full_name": "  "}, "full_name", "Enter your name"),
        ({"phone": "12345"}, "phone", "Kenyan mobile"),
        ({"password": "short"}, "password", "at least 8"),
        ({"password": "password123"}, "password", "too common"),
        ({"password": "aaaaaaaaaaaa"}, "password", "too common"),
        ({"password": "x" * 1025}, "password", "at most"),
    ],
)
def test_signup_rejects_bad_input_with_a_field_message(
    session: Session, kw: dict[str, str], field: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as err:
        accounts.signup_landlord(session, form(**kw))
    assert err.value.field == field
    assert fragment in err.value.message
    assert session.exec(select(User)).all() == []


def test_long_passphrases_are_accepted_untruncated(session: Session) -> None:
    long = "correct horse battery staple " * 4  # > 64 characters
    user, _ = accounts.signup_landlord(session, form(password=long))
    assert accounts.login(session, user.email, long)
    with pytest.raises(ServiceError):
        accounts.login(session, user.email, long[:-1])


def test_duplicate_email_is_refused_and_keeps_the_first_account(session: Session) -> None:
    first, _ = accounts.signup_landlord(session, form())
    with pytest.raises(ValidationError) as err:
        accounts.signup_landlord(
            session, form(email="LUCY@example.test", password="another passphrase")
        )
    assert err.value.field == "email"
    assert [u.id for u in session.exec(select(User)).all()] == [first.id]


def test_phone_numbers_are_normalised() -> None:
    from pms_app.core.validation import clean_phone

    for raw in ("0712 345 678", "+254712345678", "254712345678", "712345678"):
        assert clean_phone(raw) == "254712345678"
    assert clean_phone("0110-123-456") == "254110123456"


def test_login_unknown_email_and_wrong_password_look_the_same(session: Session) -> None:
    user = f.landlord(session)
    with pytest.raises(ServiceError) as wrong:
        accounts.login(session, user.email, "wrong password!")
    with pytest.raises(ServiceError) as unknown:
        accounts.login(session, "nobody@example.test", "wrong password!")
    assert wrong.value.message == unknown.value.message == accounts.LOGIN_FAILED
    assert type(wrong.value) is type(unknown.value)


def test_login_rotates_the_session_token_and_logout_revokes_it(session: Session) -> None:
    user = f.landlord(session)
    t1 = f.login_token(session, user)
    t2 = f.login_token(session, user)
    assert t1 != t2
    accounts.logout(session, t1)
    assert accounts.user_for_token(session, t1) is None
    assert accounts.user_for_token(session, t2).id == user.id


def test_expired_session_is_refused(session: Session) -> None:
    user = f.landlord(session)
    token = f.login_token(session, user)
    row = session.exec(select(AuthSession).where(AuthSession.user_id == user.id)).all()[-1]
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert accounts.user_for_token(session, token) is None


def test_throttle_backs_off_the_attacker_but_not_the_victim_elsewhere(session: Session) -> None:
    user = f.landlord(session)
    for _ in range(5):
        with pytest.raises(ServiceError):
            accounts.login(session, user.email, "bad guess 123", ip="6.6.6.6")
    with pytest.raises(ServiceError):
        accounts.login(session, user.email, "bad guess 123", ip="6.6.6.6")  # 6th: starts backoff
    with pytest.raises(Throttled):
        accounts.login(session, user.email, f.PASSWORD, ip="6.6.6.6")  # even the right one waits
    # The real user, from her own address, is not locked out.
    assert accounts.login(session, user.email, f.PASSWORD, ip="41.90.1.1")


def test_login_rehashes_outdated_hashes(session: Session) -> None:
    from passlib.hash import argon2

    user = f.landlord(session)
    user.password_hash = argon2.using(memory_cost=8192, time_cost=1, parallelism=1).hash(f.PASSWORD)
    session.add(user)
    session.commit()
    accounts.login(session, user.email, f.PASSWORD)
    session.refresh(user)
    assert "m=19456,t=2,p=1" in user.password_hash


def test_change_password_ends_all_other_sessions_and_emails(session: Session) -> None:
    user = f.landlord(session)
    other = f.login_token(session, user)
    with pytest.raises(ValidationError) as err:
        accounts.change_password(session, user, "wrong current", "a brand new passphrase")
    assert err.value.field == "current_password"
    fresh = accounts.change_password(session, user, f.PASSWORD, "a brand new passphrase")
    assert accounts.user_for_token(session, other) is None
    assert accounts.user_for_token(session, fresh).id == user.id
    assert f.last_email(session, user.email, "password_changed")
    assert accounts.login(session, user.email, "a brand new passphrase")


def test_password_reset_link_works_once_and_ends_sessions(session: Session) -> None:
    user = f.landlord(session)
    old = f.login_token(session, user)
    accounts.request_password_reset(session, user.email)
    token = f.token_from_email(session, user.email, "password_reset")
    assert accounts.reset_token_is_valid(session, token)
    accounts.reset_password(session, token, "my new passphrase")
    assert accounts.user_for_token(session, old) is None
    assert f.last_email(session, user.email, "password_changed")
    with pytest.raises(ServiceError) as reused:
        accounts.reset_password(session, token, "yet another passphrase")
    assert reused.value.message == accounts.INVALID_RESET
    assert accounts.login(session, user.email, "my new passphrase")


def test_password_reset_link_expires(session: Session) -> None:
    user = f.landlord(session)
    old_token = make_reset_token(user, now=utcnow().timestamp() - 3601)
    with pytest.raises(ServiceError):
        accounts.reset_password(session, old_token, "my new passphrase")
    with pytest.raises(ServiceError):
        accounts.reset_password(session, "garbage", "my new passphrase")


def test_reset_for_unknown_email_sends_nothing_and_says_nothing(session: Session) -> None:
    accounts.request_password_reset(session, "ghost@example.test")
    assert session.exec(select(EmailMessage)).all() == []


def test_deactivated_user_cannot_log_in_or_use_sessions(session: Session) -> None:
    from pms_app.accounts import admin

    boss = f.admin_user(session)
    user = f.landlord(session)
    token = f.login_token(session, user)
    admin.set_user_active(session, boss, user.id, False)
    assert accounts.user_for_token(session, token) is None
    with pytest.raises(ServiceError) as err:
        accounts.login(session, user.email, f.PASSWORD)
    assert err.value.message == accounts.LOGIN_FAILED


def test_argon2_parameters_meet_the_bar() -> None:
    h = passwords.hash_password("whatever passphrase")
    assert h.startswith("$argon2id$") and "m=19456,t=2,p=1" in h


def test_signups_are_rate_limited_per_address(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # High enough for an estate signing up over one Wi-Fi (test_joining signs up 30 at once);
    # the limit is lowered here only so the test need not hash 100 passwords.
    assert accounts.SIGNUPS_PER_IP_HOUR >= 100
    monkeypatch.setattr(accounts, "SIGNUPS_PER_IP_HOUR", 20)
    for i in range(20):
        accounts.signup_landlord(session, form(email=f"bulk{i}@example.test"), ip="9.9.9.9")
    with pytest.raises(Throttled):
        accounts.signup_landlord(session, form(email="bulk-extra@example.test"), ip="9.9.9.9")
    assert session.exec(select(User).where(User.email == "bulk-extra@example.test")).first() is None
    assert accounts.signup_landlord(session, form(email="other@example.test"), ip="8.8.8.8")


def test_reset_emails_are_rate_limited_per_account(session: Session) -> None:
    user = f.landlord(session)
    for _ in range(5):
        accounts.request_password_reset(session, user.email, ip="1.2.3.4")
    with pytest.raises(Throttled):
        accounts.request_password_reset(session, user.email, ip="5.6.7.8")
    sent = session.exec(select(EmailMessage).where(EmailMessage.kind == "password_reset")).all()
    assert len(sent) == 5


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("/property?id=3", "/property?id=3"),
        ("//evil.example/x", "/dashboard"),
        ("https://evil.example", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
    ],
)
def test_login_next_parameter_only_allows_local_paths(raw: str, safe: str) -> None:
    from pms_app.ui.accounts.login import _safe_next

    assert _safe_next(raw) == safe
