"""Login throttling, attacked: an attacker who knows the victim's email must not be able to lock
the owner out, nor learn when to strike, nor get more guesses than the limits by going parallel.

Time is simulated (the throttle's clock is replaced), so these pass on any date and in seconds.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pms_app.accounts import service as accounts
from pms_app.accounts import throttle
from pms_app.accounts.models import LoginThrottle
from pms_app.accounts.service import SignupForm
from pms_app.core.errors import ServiceError, Throttled
from pms_app.core.timestamps import utcnow
from tests import factories as f

OWNER_IP = "41.90.1.1"
TOO_MANY = "Too many attempts. Try again later."


class Clock:
    """The throttle's notion of now: a fixed start plus `t` simulated seconds."""

    def __init__(self) -> None:
        self.start = utcnow()
        self.t = 0.0

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=self.t)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(throttle, "utcnow", c)
    return c


def _outcome(call: Callable[[], object]) -> str:
    """'ok', or the message the person would read."""
    try:
        call()
    except ServiceError as exc:
        return exc.message
    return "ok"


def _no_seconds(message: str) -> bool:
    return not re.search(r"\d", message) and "second" not in message


def test_rotating_address_guesses_never_refuse_the_owner(session: Session, clock: Clock) -> None:
    """The reported attack: 29 wrong passwords in 150 s from a new address each time, timed the
    way "Try again in N seconds" invited (a burst, then one guess the moment each block ended),
    while the owner logs in 18 times from home. Every one of his logins must go through."""
    owner = f.landlord(session)
    burst = [i * 0.1 for i in range(21)]
    attacker_at = [*burst, 3, 5, 9, 17, 33, 65, 125, 140]
    owner_at = [4 + 8.25 * i for i in range(18)]
    events = sorted([(t, "attacker") for t in attacker_at] + [(t, "owner") for t in owner_at])
    assert len(attacker_at) >= 27 and max(t for t, _ in events) <= 150

    outcomes: dict[str, list[tuple[float, str]]] = {"attacker": [], "owner": []}
    for n, (t, who) in enumerate(events):
        clock.t = t
        attacker = who == "attacker"
        ip, password = (f"102.0.{n}.7", f"guess {n}") if attacker else (OWNER_IP, f.PASSWORD)
        outcomes[who].append(
            (t, _outcome(partial(accounts.login, session, owner.email, password, ip=ip)))
        )
    assert [o for o in outcomes["owner"] if o[1] != "ok"] == []
    assert len(outcomes["owner"]) == 18
    # Each guess came from a fresh address: none was refused, each was simply wrong.
    assert {m for _, m in outcomes["attacker"]} == {accounts.LOGIN_FAILED}


def test_threads_guessing_from_rotating_addresses_never_refuse_the_owner(
    session: Session, engine: Engine
) -> None:
    """The same attack with real threads against the database: 27 guesses and the owner's 18
    logins in flight together. No guess is refused for its address, no login of his at all."""
    owner = f.landlord(session)
    jobs = [("attacker", n) for n in range(24)]
    for n in range(24, 27):
        jobs += [("attacker", n)] + [("owner", n * 10 + i) for i in range(6)]
    assert sum(1 for who, _ in jobs if who == "owner") == 18

    def one(job: tuple[str, int]) -> tuple[str, str]:
        who, n = job
        with Session(engine, expire_on_commit=False) as s:
            if who == "attacker":
                return who, _outcome(
                    lambda: accounts.login(s, owner.email, f"guess {n}", ip=f"102.0.{n}.7")
                )
            return who, _outcome(lambda: accounts.login(s, owner.email, f.PASSWORD, ip=OWNER_IP))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, jobs))
    assert [m for who, m in results if who == "owner"] == ["ok"] * 18
    assert {m for who, m in results if who == "attacker"} == {accounts.LOGIN_FAILED}


def test_a_parallel_burst_from_one_address_gets_no_extra_guesses(
    session: Session, engine: Engine
) -> None:
    """12 guesses released at once from one address: only the pair's 5 get an answer that says
    anything (the verdict and the count are one atomic step)."""
    owner = f.landlord(session)
    barrier = threading.Barrier(12)

    def one(n: int) -> str:
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            return _outcome(lambda: accounts.login(s, owner.email, f"guess {n}", ip="6.6.6.6"))

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(one, range(12)))
    assert sorted(results) == sorted([accounts.LOGIN_FAILED] * 5 + [TOO_MANY] * 7)
    assert accounts.login(session, owner.email, f.PASSWORD, ip=OWNER_IP)  # owner unaffected


def test_a_pairs_failures_decay(session: Session, clock: Clock) -> None:
    """5 wrong guesses from one address per 15 minutes; older failures stop counting."""
    user = f.landlord(session)
    for _ in range(5):
        assert _outcome(lambda: accounts.login(session, user.email, "bad guess", ip="6.6.6.6")) == (
            accounts.LOGIN_FAILED
        )
    with pytest.raises(Throttled) as err:  # that address is refused, even the right password
        accounts.login(session, user.email, f.PASSWORD, ip="6.6.6.6")
    assert err.value.message == TOO_MANY and _no_seconds(err.value.message)

    clock.t += 3 * 60 + 1  # one failure has aged out: one more try
    assert _outcome(lambda: accounts.login(session, user.email, "bad", ip="6.6.6.6")) == (
        accounts.LOGIN_FAILED
    )
    assert _outcome(lambda: accounts.login(session, user.email, "bad", ip="6.6.6.6")) == TOO_MANY

    clock.t += 15 * 60 + 1  # the whole window has passed: a full allowance again
    for _ in range(4):
        assert _outcome(lambda: accounts.login(session, user.email, "bad", ip="6.6.6.6")) == (
            accounts.LOGIN_FAILED
        )
    assert accounts.login(session, user.email, f.PASSWORD, ip="6.6.6.6")


def test_a_successful_login_resets_the_account_and_pair_counters(
    session: Session, clock: Clock
) -> None:
    user = f.landlord(session)
    for n in range(15):
        assert _outcome(lambda n=n: accounts.login(session, user.email, "x", ip=f"7.7.{n}.1")) == (
            accounts.LOGIN_FAILED
        )
    for _ in range(3):  # his own typos
        _outcome(lambda: accounts.login(session, user.email, "typo", ip=OWNER_IP))
    assert accounts.login(session, user.email, f.PASSWORD, ip=OWNER_IP)
    session.expire_all()
    for key in (f"acct:{user.email}", f"pair:{user.email}|{OWNER_IP}", f"ip:{OWNER_IP}"):
        row = session.get(LoginThrottle, key)
        assert row is None or row.failures == 0, key
    assert accounts.login_delay(session, user.email) == 0


def test_an_attacked_account_is_slowed_a_little_never_refused(
    session: Session, clock: Clock
) -> None:
    user = f.landlord(session)
    assert accounts.login_delay(session, user.email) == 0
    delays = []
    for n in range(40):
        delays.append(accounts.login_delay(session, user.email))
        assert _outcome(lambda n=n: accounts.login(session, user.email, "x", ip=f"7.7.{n}.1")) == (
            accounts.LOGIN_FAILED
        )
    assert delays[0] == 0 and 0 < delays[-1] <= 3  # a few seconds at most
    assert delays == sorted(delays)
    # The same slow-down for an address nobody has: the delay says nothing about accounts.
    for n in range(40):
        _outcome(lambda n=n: accounts.login(session, "ghost@example.test", "x", ip=f"8.{n}.8.1"))
    assert accounts.login_delay(session, "ghost@example.test") == delays[-1]
    assert accounts.login(session, user.email, f.PASSWORD, ip=OWNER_IP)  # slowed, let in
    clock.t += 15 * 60  # and it decays: a window after the attack stops, no slow-down is left
    assert accounts.login_delay(session, "ghost@example.test") == 0


def test_throttle_messages_never_say_when_to_come_back(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = f.landlord(session)
    messages = [
        _outcome(lambda: accounts.login(session, user.email, "bad guess", ip="6.6.6.6"))
        for _ in range(7)
    ]
    assert messages[-1] == TOO_MANY
    for _ in range(5):
        accounts.request_password_reset(session, user.email, ip="1.2.3.4")
    messages.append(_outcome(lambda: accounts.request_password_reset(session, user.email)))
    session.rollback()
    monkeypatch.setattr(accounts, "SIGNUPS_PER_IP_HOUR", 20)  # fewer passwords to hash
    for i in range(21):
        form = SignupForm("Bulk Signup", f"bulk{i}@example.test", "0712345678", f.PASSWORD)
        messages.append(
            _outcome(lambda form=form: accounts.signup_landlord(session, form, "9.9.9.9"))
        )
    assert messages[-22] == TOO_MANY and messages[-1] == TOO_MANY
    assert all(_no_seconds(m) for m in messages), messages
