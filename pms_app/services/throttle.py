"""Failure throttling with exponential backoff.

Keys are combined so an attacker cannot lock a victim out: the strict limit applies to the
(account, IP) pair; the per-account limit is loose and its delay capped at a minute; the per-IP
limit stops one source from spraying many accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from pms_app.models.accounts import LoginThrottle
from pms_app.models.base import utcnow
from pms_app.services.errors import Throttled


@dataclass(frozen=True)
class Rule:
    free_failures: int  # failures allowed before any delay
    max_delay_s: int


PAIR = Rule(free_failures=5, max_delay_s=15 * 60)
ACCOUNT = Rule(free_failures=20, max_delay_s=60)
IP = Rule(free_failures=50, max_delay_s=15 * 60)


def login_keys(email: str, ip: str) -> list[tuple[str, Rule]]:
    email = email.strip().lower()
    return [(f"pair:{email}|{ip}", PAIR), (f"acct:{email}", ACCOUNT), (f"ip:{ip}", IP)]


def check(session: Session, keys: list[tuple[str, Rule]], now: datetime | None = None) -> None:
    now = now or utcnow()
    for key, _rule in keys:
        row = session.get(LoginThrottle, key)
        if row and row.blocked_until and row.blocked_until > now:
            raise Throttled(int((row.blocked_until - now).total_seconds()) + 1)


def record_failure(
    session: Session, keys: list[tuple[str, Rule]], now: datetime | None = None
) -> None:
    now = now or utcnow()
    for key, rule in keys:
        row = session.get(LoginThrottle, key) or LoginThrottle(key=key)
        row.failures += 1
        row.updated_at = now
        over = row.failures - rule.free_failures
        if over > 0:
            row.blocked_until = now + timedelta(seconds=min(2 ** (over - 1), rule.max_delay_s))
        session.add(row)


def reset(session: Session, keys: list[tuple[str, Rule]]) -> None:
    for key, _rule in keys:
        row = session.get(LoginThrottle, key)
        if row:
            session.delete(row)


def hit(session: Session, key: str, limit: int, window_s: int, now: datetime | None = None) -> None:
    """Simple rate limit: at most `limit` hits per `window_s` for `key` (signups, reset mails)."""
    now = now or utcnow()
    row = session.get(LoginThrottle, key)
    if row is None or (now - row.updated_at).total_seconds() > window_s:
        row = row or LoginThrottle(key=key)
        row.failures, row.updated_at, row.blocked_until = 0, now, None
    if row.failures >= limit:
        raise Throttled(int(window_s - (now - row.updated_at).total_seconds()) + 1)
    row.failures += 1
    session.add(row)
