"""Random tokens stored hashed, and stateless password-reset tokens (Django's scheme)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pms_app.accounts.models import User
from pms_app.core import clock
from pms_app.core.settings import get_settings


def new_token() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b36(n: int) -> str:
    chars = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = chars[r] + out
        if n == 0:
            return out


def _reset_hmac(user: User, ts: int) -> str:
    # Any change to the password hash or last login invalidates the token: that makes it single use.
    state = f"{user.id}|{user.password_hash}|{user.last_login_at or ''}|{user.is_active}|{ts}"
    key = hashlib.sha256(f"pms.reset|{get_settings().secret_key}".encode()).digest()
    return hmac.new(key, state.encode(), hashlib.sha256).hexdigest()[:32]


def make_reset_token(user: User, now: float | None = None) -> str:
    ts = int(now if now is not None else clock.now().timestamp())
    return f"{_b36(user.id or 0)}-{_b36(ts)}-{_reset_hmac(user, ts)}"


def parse_reset_token(token: str) -> tuple[int, int, str] | None:
    """(user_id, timestamp, mac) or None when malformed."""
    parts = token.strip().split("-")
    if len(parts) != 3 or len(token) > 100:
        return None
    try:
        return int(parts[0], 36), int(parts[1], 36), parts[2]
    except ValueError:
        return None


def check_reset_token(user: User, token: str, now: float | None = None) -> bool:
    parsed = parse_reset_token(token)
    if parsed is None or parsed[0] != user.id:
        return False
    _, ts, mac = parsed
    if not hmac.compare_digest(mac, _reset_hmac(user, ts)):
        return False
    age = (now if now is not None else clock.now().timestamp()) - ts
    return 0 <= age <= get_settings().reset_token_max_age_s
