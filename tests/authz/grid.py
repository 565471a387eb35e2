"""The authorisation-grid runner the grids in tests/authz share.

A grid is a text table: a header of actor columns (the short names of ACTORS, all of them, in
order), then one row per action with one cell per actor:

    Y  allowed: the action runs, its check proves the effect (for lists: the exact scope), and
       a read (an action not among the grid's writes) writes nothing, even once committed;
    -  denied: NotAuthenticated for the anonymous and the deactivated, NotFound for everyone
       else (someone else's object looks exactly like a missing one);
    s  refused with a plain ServiceError the UI shows;
    v  refused with a ValidationError.

Every refusal is "quiet" (assert_denied_quietly): exactly the expected error, nothing changed
even once whatever the service left in the session is committed, and a message that names no
email and none of the grid's secrets (people, properties, amounts, numbers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

import pytest
from sqlmodel import Session, select

from pms_app.accounts.models import User
from pms_app.core.errors import NotAuthenticated, NotFound, ServiceError, ValidationError
from pms_app.properties.models import Property
from tests.factories.snapshots import db_snapshot

# Columns of every grid: short name → World field.
ACTORS = {
    "anon": "anonymous",
    "pend": "pending",  # tenant of Sunrise, not approved yet
    "tnt": "tenant",  # approved tenant of Sunrise
    "otnt": "other_tenant",  # approved tenant of Zebra Towers
    "staf": "staff",  # staff of Sunrise
    "mgr": "manager",  # manager of Sunrise
    "own": "owner",  # landlord owning Sunrise
    "olan": "other_landlord",  # landlord owning Zebra Towers
    "admn": "admin",
    "deac": "deactivated",  # was a manager of Sunrise, account switched off
}
# Who is refused as "not logged in" rather than "not found".
UNAUTHENTICATED = ("anonymous", "deactivated")

Grid = dict[str, dict[str, str]]  # action → actor (World field) → cell
W = TypeVar("W")  # the world a grid's actions act on (World, PayWorld, BookWorld)


@dataclass(frozen=True)
class Action(Generic[W]):
    """One row's call, and the check of its effect when the cell allows it."""

    run: Callable[[Session, W, User | None], object]
    check: Callable[[Session, W, str, object], None]


def parse_grid(text: str) -> Grid:
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0][1:], lines[1:]
    assert [ACTORS[h] for h in header] == list(ACTORS.values()), "columns: every actor, in order"
    actors = [ACTORS[h] for h in header]
    grid = {row[0]: dict(zip(actors, row[1:], strict=True)) for row in rows}
    assert len(grid) == len(rows), "an action has two rows"
    return grid


def cells(grid: Grid) -> list[tuple[str, str, str]]:
    """(actor, action, cell) for every cell, row by row."""
    return [(actor, action, cell) for action, row in grid.items() for actor, cell in row.items()]


def check_covers(grid: Grid, actions: Iterable[str], letters: set[str]) -> None:
    """The grid has a row for exactly these actions, a cell for every actor in each, and only
    the letters this grid uses."""
    assert set(grid) == set(actions)
    for action, row in grid.items():
        assert set(row) == set(ACTORS.values()), action
        assert set(row.values()) <= letters, (action, set(row.values()) - letters)


def allowed(grid: Grid, among: Iterable[str]) -> list[tuple[str, str]]:
    """(actor, action) of every Y cell of the actions `among`, row by row."""
    chosen = set(among)
    return [
        (actor, action)
        for action, row in grid.items()
        if action in chosen
        for actor, cell in row.items()
        if cell == "Y"
    ]


def expected_denial(actor: str, cell: str) -> type[ServiceError]:
    if cell == "s":
        return ServiceError
    if cell == "v":
        return ValidationError
    assert cell == "-", f"{cell!r} is not a refusal"
    return NotAuthenticated if actor in UNAUTHENTICATED else NotFound


def committed(session: Session) -> Session:
    """A second session: sees only what was really written."""
    return Session(session.get_bind())


def people_and_places(session: Session) -> list[str]:
    """Every person's email and name and every property's name and address, as committed:
    what no denial may name."""
    with committed(session) as c:
        users = c.exec(select(User)).all()
        props = c.exec(select(Property)).all()
    return (
        [u.email for u in users]
        + [u.full_name for u in users]
        + [p.name for p in props]
        + [p.address for p in props]
    )


def assert_denied_quietly(
    session: Session,
    run: Callable[[], object],
    expected: type[ServiceError],
    what: str = "",
    secrets: Iterable[str] = (),
) -> ServiceError:
    """`run()` is refused with exactly `expected`, changes nothing (whatever the service left in
    the session is committed, then compared) and names none of `secrets` (or any email)."""
    before = db_snapshot(session)
    with pytest.raises(ServiceError) as err:
        run()
    assert type(err.value) is expected, (what, type(err.value).__name__, err.value.message)
    session.commit()
    assert db_snapshot(session) == before, f"{what}: a denied call changed the database"
    message = err.value.message
    assert str(err.value) == message, what
    assert "@" not in message, (what, message)
    for secret in secrets:
        if secret:
            assert secret.lower() not in message.lower(), (what, secret, message)
    return err.value


def run_allowed(
    session: Session,
    world: W,
    act: Action[W],
    actor: str,
    user: User | None,
    *,
    read: bool,
    what: str = "",
) -> object:
    """An allowed cell: the action runs and has its effect; a read writes nothing."""
    before = db_snapshot(session) if read else None
    result = act.run(session, world, user)
    act.check(session, world, actor, result)
    if read:
        session.commit()
        assert db_snapshot(session) == before, f"{what}: a read wrote something"
    return result


def run_cell(
    session: Session,
    world: W,
    act: Action[W],
    action: str,
    actor: str,
    cell: str,
    user: User | None,
    *,
    read: bool,
    secrets: Callable[[], list[str]],
) -> None:
    """One cell of a grid, allowed or refused (`secrets()` is read just before a refusal)."""
    if cell == "Y":
        try:
            run_allowed(session, world, act, actor, user, read=read, what=f"{action} by {actor}")
        except ServiceError as exc:
            pytest.fail(f"{action} by {actor} is allowed, but was refused: {exc.message}")
        return
    assert_denied_quietly(
        session,
        lambda: act.run(session, world, user),
        expected_denial(actor, cell),
        f"{action} by {actor}",
        secrets(),
    )


def run_reads_and_denials(
    session: Session,
    world: W,
    grid: Grid,
    actions: dict[str, Action[W]],
    writes: set[str],
    actor: str,
    user: User | None,
    secrets: Callable[[], list[str]],
) -> None:
    """Every cell of one actor's column in one database, except the allowed writes: reads write
    nothing and refusals change nothing, so each cell finds the world as it was."""
    for action, row in grid.items():
        cell = row[actor]
        if cell == "Y" and action in writes:
            continue
        run_cell(
            session,
            world,
            actions[action],
            action,
            actor,
            cell,
            user,
            read=action not in writes,
            secrets=secrets,
        )
