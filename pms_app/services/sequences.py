"""Numbers shown to people (RCP-2026-000001, MNT-2026-0001, …), allocated inside the caller's
transaction so a rolled-back row never burns or duplicates a number."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from pms_app.models.payment import Counter


def next_value(session: Session, name: str) -> int:
    # Make sure the row exists (no-op if it does), then increment it atomically; the UPDATE takes
    # a row lock (PostgreSQL) / the write lock (SQLite) until the caller commits.
    dialect = session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(Counter.__table__)  # type: ignore[attr-defined]
    session.exec(insert.values(name=name, value=0).on_conflict_do_nothing())  # type: ignore[call-overload]
    value = session.exec(  # type: ignore[call-overload]
        update(Counter)
        .where(Counter.name == name)  # type: ignore[arg-type]
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()
    return int(value)


def next_number(session: Session, prefix: str, year: int, width: int = 4) -> str:
    return f"{prefix}-{year}-{next_value(session, f'{prefix}:{year}'):0{width}d}"


def insert_ignore(session: Session, model: type, values: dict[str, object]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True if a row was inserted (idempotent writes)."""
    dialect = session.get_bind().dialect.name
    table = model.__table__  # type: ignore[attr-defined]
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    # RETURNING tells whether a row went in (psycopg reports rowcount -1 for this statement).
    stmt = insert.values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return session.exec(stmt).first() is not None  # type: ignore[call-overload]
