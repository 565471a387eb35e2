"""Whole-database snapshots: what "changed nothing" is compared with, and how the shared worlds
(World, BookWorld) are copied into each test's empty database."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, SQLModel

Rows = dict[str, list[tuple[object, ...]]]


def db_snapshot(session: Session) -> Rows:
    """Every row of every table, as committed (read on a separate connection), once the
    background email deliveries queued so far have finished."""
    from pms_app.worker import wait_for_local_tasks

    wait_for_local_tasks()
    engine = session.get_bind()
    out: Rows = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def restore(session: Session, rows: Rows) -> None:
    """Write a db_snapshot() into an empty database (same schema), keeping the ids."""
    conn = session.connection()
    for table in SQLModel.metadata.sorted_tables:
        data = rows.get(table.name) or []
        if data:
            names = [c.name for c in table.columns]
            conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in data])
        if data and conn.dialect.name == "postgresql" and "id" in table.columns:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
            )
    session.commit()
