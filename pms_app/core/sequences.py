"""Numbers shown to people (RCP-2026-000001, MNT-2026-0001, …), allocated inside the caller's
transaction so a rolled-back row never burns or duplicates a number."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from pms_app.core.models import Counter

_DIALECTS: dict[str, Any] = {"postgresql": postgresql, "sqlite": sqlite}


# Statements are built once per dialect and table and executed with parameters: building and
# cache-keying a statement with its values inlined costs more than running it (hot paths: every
# payment allocates a receipt number and inserts a ledger row and an email).


@lru_cache(maxsize=8)
def _counter_upsert(dialect: str) -> Any:
    counters = Counter.__table__  # type: ignore[attr-defined]
    return (
        _DIALECTS[dialect]
        .insert(counters)
        .values(name=bindparam("counter_name"), value=1)
        .on_conflict_do_update(
            index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
        )
        .returning(counters.c.value)
    )


def next_value(session: Session, name: str) -> int:
    # One upsert: creates the row at 1 or increments it atomically; the row lock (PostgreSQL) /
    # the write lock (SQLite) is held until the caller commits, so numbers never repeat.
    stmt = _counter_upsert(_dialect(session))
    return int(session.execute(stmt, {"counter_name": name}).scalar_one())


def next_number(session: Session, prefix: str, year: int, width: int = 4) -> str:
    return f"{prefix}-{year}-{next_value(session, f'{prefix}:{year}'):0{width}d}"


def _dialect(session: Session) -> str:
    return "postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"


@lru_cache(maxsize=64)
def _insert_ignoring(dialect: str, table: Any) -> Any:
    # No VALUES clause: it is compiled from the keys of the parameters passed at execution.
    # RETURNING tells whether a row went in (psycopg reports rowcount -1 for this statement).
    return (
        _DIALECTS[dialect]
        .insert(table)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )


def insert_if_absent(session: Session, model: type, values: dict[str, object]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING (idempotent writes): the new row's primary key, or None
    if a conflicting row was already there."""
    table = model.__table__  # type: ignore[attr-defined]
    row = session.execute(_insert_ignoring(_dialect(session), table), values).first()
    return None if row is None else row[0]


def insert_ignore(session: Session, model: type, values: dict[str, object]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True if a row was inserted."""
    return insert_if_absent(session, model, values) is not None
