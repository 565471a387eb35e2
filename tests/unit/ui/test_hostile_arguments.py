"""Every public event handler of every page state, called as a hostile client can call it over the
websocket: each argument (and every field of a form) an id past 2^63, a year-9999 or year-1 date,
"1e30", NaN, a 100,000-character string, a list, a dict, None. A handler may refuse (and say why)
or ignore the call, but it never raises: an unhandled error is a 500 in the browser, a log full
of tracebacks, and often a sign that the value reached the database unchecked.

Handlers are found by walking the state tree, so a handler added later is covered without
editing this test."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from reflex.state import BaseState, State
from sqlmodel import Session

import pms_app.pms_app  # noqa: F401  (registers every page state)
from pms_app.accounts.models import Role
from pms_app.properties.models import Property
from pms_app.ui.shell.session import SessionState
from tests import factories as f
from tests.asyncio_helpers import run as run_async
from tests.factories import state_for

HOSTILE: list[Any] = [
    2**63,
    2**31,  # one past PostgreSQL's INTEGER
    -1,
    1e308,
    float("nan"),
    "9" * 30,
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59:59+03:00",
    "1e30",
    "x" * 100_000,
    None,
    True,
    [1, 2],
    {"$gt": ""},
]
# Handlers that run for a long time by design (background loops): covered by their own tests.
SKIP = {("PhoneState", "poll"), ("PaymentsState", "send_reminders")}
REFLEX_BUILTINS = {"setvar"}  # Reflex's own: it only calls setters, and this app defines none


class HostileForm(dict):
    """A form payload whose every field holds the same hostile value."""

    def __init__(self, value: Any) -> None:
        super().__init__(email=value, password=value)
        self.value = value

    def get(self, key: Any, default: Any = None) -> Any:
        return self.value

    def __getitem__(self, key: Any) -> Any:
        return self.value


def _states(root: type[BaseState]) -> Iterator[type[BaseState]]:
    for sub in root.get_substates():
        yield sub
        yield from _states(sub)


def _handlers() -> list[tuple[type[BaseState], str, int]]:
    found = []
    for cls in _states(State):
        if not cls.__module__.startswith("pms_app"):
            continue
        for name, handler in cls.event_handlers.items():
            if name in REFLEX_BUILTINS or (cls.__name__, name) in SKIP:
                continue
            fn = handler.fn
            if handler.is_background or inspect.isasyncgenfunction(fn):
                continue  # long-running by design: their own tests
            params = len(inspect.signature(fn).parameters) - 1
            found.append((cls, name, params))
    return sorted(found, key=lambda t: (t[0].__name__, t[1]))


HANDLERS = _handlers()


def test_the_walk_finds_the_handlers() -> None:
    names = {(c.__name__, n) for c, n, _ in HANDLERS}
    assert ("FacilityState", "set_day") in names and ("PaymentsState", "resolve") in names
    assert len(HANDLERS) > 50


@pytest.fixture
def owner_token(session: Session) -> str:
    """A landlord with a property, a tenant on a lease and a facility: handlers reach the
    services (and the database) instead of stopping at 'not found'."""
    lease = f.lease(session, rent=10_000)
    owner = f.owner_of(session, lease)
    prop = session.get(Property, lease.property_id)
    assert prop is not None
    f.member(session, prop, Role.MANAGER)
    f.facility(session, prop, name="Hall")
    return f.login_token(session, owner)


@pytest.mark.parametrize(
    ("cls", "name", "params"), HANDLERS, ids=[f"{c.__name__}.{n}" for c, n, _ in HANDLERS]
)
def test_hostile_arguments_never_raise(
    session: Session, owner_token: str, cls: type[BaseState], name: str, params: int
) -> None:
    state = state_for(cls, owner_token if issubclass(cls, SessionState) else None)
    fn = cls.event_handlers[name].fn
    for value in HOSTILE:
        args = [HostileForm(value) if p == "form" else value for p in _param_names(fn)]
        assert len(args) == params
        try:
            result = fn(state, *args)
            if inspect.iscoroutine(result):  # most handlers do their work off the event loop
                run_async(result)
        except Exception as exc:  # the assertion names the handler and the value
            pytest.fail(f"{cls.__name__}.{name}({_short(value)}) raised {exc!r}")
        session.rollback()


def _param_names(fn: Any) -> list[str]:
    return list(inspect.signature(fn).parameters)[1:]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
