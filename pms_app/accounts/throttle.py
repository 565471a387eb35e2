"""Throttling that slows attackers down without handing them a lock-out.

Login failures fill leaky buckets that drain at a steady rate, so old failures stop counting.
Three buckets per attempt:

- the (account, IP) pair and the IP *refuse* a source that keeps failing, until its bucket
  has drained enough;
- the account never refuses: when its bucket is full every login to it is only *slowed* (a
  bounded delay the caller waits off the event loop, the same for right and wrong passwords),
  so guesses from rotating addresses cannot keep the owner out.

The verdict on a checked password and the count are one atomic step (row lock on PostgreSQL,
the write lock on SQLite), so a burst of parallel guesses gets no more answers than the limit.
A correct password empties the pair and the account and takes the pair's share off the IP.
Refusals never say when to come back (an attacker would time the next burst by it).

`hit` is a plain fixed-window rate limit (signups, reset mails, invitations, STK pushes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from pms_app.accounts.models import LoginThrottle
from pms_app.core.errors import TOO_MANY_ATTEMPTS, Throttled
from pms_app.core.sequences import insert_if_absent
from pms_app.core.timestamps import utcnow


@dataclass(frozen=True)
class Rule:
    limit: int  # failures the bucket holds
    window_s: int  # a full bucket drains in this time, one failure every window_s / limit
    refuses: bool  # when full: refuse the attempt (a source), or only slow it down (an account)

    @property
    def drain_s(self) -> float:
        return self.window_s / self.limit


PAIR = Rule(limit=5, window_s=15 * 60, refuses=True)
ACCOUNT = Rule(limit=10, window_s=15 * 60, refuses=False)
IP = Rule(limit=50, window_s=15 * 60, refuses=True)
MAX_DELAY_S = 3.0  # the slow-down of an attacked account, at most


def account_key(email: str) -> str:
    return f"acct:{email.strip().lower()}"


def login_keys(email: str, ip: str) -> list[tuple[str, Rule]]:
    email = email.strip().lower()
    pair = f"pair:{email[:240]}|{ip[:50]}"  # within the key column's 300 characters
    return [(pair, PAIR), (account_key(email), ACCOUNT), (f"ip:{ip[:50]}", IP)]


def _drained(row: LoginThrottle, rule: Rule, now: datetime) -> tuple[int, datetime]:
    """The bucket's level at `now`, and the moment its oldest remaining failure started draining."""
    elapsed = (now - row.updated_at).total_seconds()
    leaked = int(elapsed // rule.drain_s) if elapsed > 0 else 0
    if leaked >= row.failures:
        return 0, now
    return row.failures - leaked, row.updated_at + timedelta(seconds=leaked * rule.drain_s)


def _free_at(rule: Rule, level: int, since: datetime) -> datetime | None:
    """When a full refusing bucket takes an attempt again; None if it takes one now. Stored in
    `blocked_until` for whoever reads the table, never shown to the person refused."""
    if not rule.refuses or level < rule.limit:
        return None
    return since + timedelta(seconds=(level - rule.limit + 1) * rule.drain_s)


# An account's count stops a few failures over its limit: the delay is at its maximum by then,
# and the account is back to normal within about a window of the attack ending.
_OVERFLOW = 3


def _store(row: LoginThrottle, rule: Rule, level: int, since: datetime) -> None:
    level = min(level, rule.limit + _OVERFLOW)
    row.failures, row.updated_at, row.blocked_until = level, since, _free_at(rule, level, since)


def _lock(session: Session, keys: list[str], now: datetime) -> dict[str, LoginThrottle]:
    """The rows of `keys`, created if missing and locked until the caller's commit. One order
    everywhere, so two transactions never wait for each other in a circle."""
    rows = {}
    for key in sorted(set(keys)):
        # A write first: on SQLite it takes the write lock, so the read below is the latest.
        insert_if_absent(
            session,
            LoginThrottle,
            {"key": key, "failures": 0, "updated_at": now, "blocked_until": None},
        )
        rows[key] = session.exec(
            select(LoginThrottle)
            .where(LoginThrottle.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
    return rows


def _levels(
    rows: dict[str, LoginThrottle], keys: list[tuple[str, Rule]], now: datetime
) -> dict[str, tuple[int, datetime]]:
    return {key: _drained(rows[key], rule, now) for key, rule in keys}


def _refuse_if_full(
    keys: list[tuple[str, Rule]], levels: dict[str, tuple[int, datetime]], now: datetime
) -> None:
    for key, rule in keys:
        free_at = _free_at(rule, *levels[key])
        if free_at is not None:
            raise Throttled(math.ceil((free_at - now).total_seconds()))


def check(session: Session, keys: list[tuple[str, Rule]], now: datetime | None = None) -> None:
    """Refuse a source that is already full before any password work (a cheap early answer;
    `record` decides for sure)."""
    now = now or utcnow()
    found = session.exec(
        select(LoginThrottle)
        .where(LoginThrottle.key.in_([k for k, _ in keys]))  # type: ignore[attr-defined]
        .execution_options(populate_existing=True)
    ).all()
    rows = {row.key: row for row in found}
    present = [(k, r) for k, r in keys if k in rows]
    _refuse_if_full(present, _levels(rows, present, now), now)


def record(
    session: Session, keys: list[tuple[str, Rule]], ok: bool, now: datetime | None = None
) -> None:
    """The verdict of one checked login attempt, in one locked step, so parallel attempts get no
    more answers than the limits allow. A full refusing key: roll back (the attempt is not
    counted, the bucket keeps draining) and raise `Throttled`, whether the password was right or
    not. Else a failure is added to every key; a success empties the pair and the account and
    takes the pair's failures (the owner's own typos) off the IP, not those others caused from
    there. The caller commits, which also lets go of the rows."""
    now = now or utcnow()
    rows = _lock(session, [k for k, _ in keys], now)
    levels = _levels(rows, keys, now)
    try:
        _refuse_if_full(keys, levels, now)
    except Throttled:
        session.rollback()
        raise
    share = sum(levels[k][0] for k, r in keys if r is PAIR)
    for key, rule in keys:
        level, since = levels[key]
        if not ok:
            level += 1
        elif rule is IP:
            level = max(0, level - share)
        else:
            level = 0
        _store(rows[key], rule, level, since if level else now)
        session.add(rows[key])


def delay_s(session: Session, key: str, rule: Rule = ACCOUNT, now: datetime | None = None) -> float:
    """How long to hold an attempt on a slowing key: 0 until its bucket is full, then doubling
    from half a second up to MAX_DELAY_S. Read-only."""
    now = now or utcnow()
    row = session.exec(
        select(LoginThrottle)
        .where(LoginThrottle.key == key)
        .execution_options(populate_existing=True)
    ).first()
    level = _drained(row, rule, now)[0] if row else 0
    if level < rule.limit:
        return 0.0
    return min(MAX_DELAY_S, 0.5 * 2 ** min(level - rule.limit, 8))


def hit(
    session: Session,
    key: str,
    limit: int,
    window_s: int,
    now: datetime | None = None,
    message: str = TOO_MANY_ATTEMPTS,
) -> None:
    """At most `limit` hits per `window_s` for `key` (a fixed window from the first hit). The row
    stays locked until the caller commits, so concurrent requests for one key queue up. A refusal
    rolls the session back and raises `Throttled(message)`."""
    now = now or utcnow()
    row = _lock(session, [key], now)[key]
    if row.failures == 0 or (now - row.updated_at).total_seconds() > window_s:
        row.failures, row.updated_at, row.blocked_until = 0, now, None
    if row.failures >= limit:
        retry_after = math.ceil(window_s - (now - row.updated_at).total_seconds())
        session.rollback()
        raise Throttled(retry_after, message)
    row.failures += 1
    session.add(row)
