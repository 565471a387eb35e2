"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from passlib.context import CryptContext

from pms_app.core.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 1024  # long passphrases welcome; the cap only stops hashing megabytes

# OWASP ASVS minimum for argon2id: m=19 MiB, t=2, p=1.
_context = CryptContext(
    schemes=["argon2"],
    deprecated="auto",
    argon2__type="ID",
    argon2__memory_cost=19456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)

# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _context.hash("dummy password for timing equalisation")


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """(ok, new_hash): new_hash is set when the stored hash uses outdated parameters."""
    if not password_hash:
        _context.verify(password, _DUMMY_HASH)
        return False, None
    try:
        return _context.verify_and_update(password, password_hash)
    except (ValueError, TypeError):
        return False, None


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).resolve().parent / "resources" / "common_passwords.txt"
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line.strip())


def check_password_policy(password: str, *, email: str = "", name: str = "") -> None:
    """Length and common-password rules only (no composition rules)."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            "Use at least {least} characters (12 or more is better).", "password", least=MIN_LENGTH
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError("Use at most {most} characters.", "password", most=MAX_LENGTH)
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    if lowered in _common_passwords() or (len(set(lowered)) <= 2):
        raise ValidationError(
            "This password is too common and easy to guess. Choose another.", "password"
        )
    if local_part and lowered in {
        local_part,
        email.lower(),
        name.lower().replace(" ", ""),
    }:
        raise ValidationError("Don't use your email or name as your password.", "password")
