"""Landlord dashboard at scale (prints figures; not a test).

    python bench/dashboard.py [--units 2000] [--properties 20] [--payments 100000]
                              [--small 10000] [--runs 9] [--no-postgres]
    python bench/dashboard.py --quick   # tiny data (CI): same paths and checks, exit 1 if wrong

For each database (SQLite in a temp dir; PostgreSQL at --pg-url if reachable, in a schema of its
own that is dropped afterwards) and each payment count (--small, then --payments), seeds a fresh
database with bench/seed.py: one landlord, --units units over --properties properties, an active
lease per unit (~4 years of monthly rent charges and a deposit) and that many paid payments with
their ledger credits. Both datasets have the same portfolio and the same amounts owed and paid;
only the number of payment rows (and credit rows) changes.

Then times, warm, in the same loop:
  * `reports.dashboard(session, landlord, Filters(), today)`, a new Session each run, as a page
    load does (totals, first page of payments, billed vs collected per month, arrears list);
  * the SQL floor: the same aggregates as three plain SQL statements (collected count/total,
    billed/collected per month, arrears per active lease), rows fetched, no ORM;
and checks that both give the same figures and that they match what was seeded.
Prints medians, the ratio to the floor, the growth from --small to --payments, and where the
dashboard's time goes (wall time per statement, including fetching and building objects).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from bench.seed import Portfolio, create_schema, seed_portfolio
from pms_app.accounts.models import User
from pms_app.core import db
from pms_app.core.settings import get_settings
from pms_app.payments import reports

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_MS, TARGET_RATIO, TARGET_GROWTH = 150.0, 2.0, 3.0
QUICK = {"units": 60, "properties": 3, "payments": 2_000, "small": 400, "years": 2.0, "runs": 3}


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def sqlite_engine(tmp: Path, name: str) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp / name}.db")  # the app's engine (WAL, pragmas)
    try:
        yield engine
    finally:
        engine.dispose()


def postgres_reachable(url: str) -> str | None:
    """None if reachable, else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return None


@contextmanager
def postgres_engine(url: str) -> Iterator[Engine]:
    schema = f"bench_{os.getpid()}"
    admin = create_engine(url, connect_args={"connect_timeout": 5})
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    # The app's PostgreSQL engine options (db.make_engine), in our own schema.
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 5},
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


# --- the SQL floor ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    count: int
    collected: int
    billed: int
    months: list[tuple[str, int, int]]
    arrears: dict[int, int]  # lease id -> arrears


def floor_sql(dialect: str) -> tuple[str, str, str]:
    """The three statements a person would write by hand (scoped with IN subqueries, which
    measured faster than joins on both databases)."""
    month = (
        "to_char(l.due_date, 'YYYY-MM')"
        if dialect == "postgresql"
        else "strftime('%Y-%m', l.due_date)"
    )
    arrears = (
        "SUM(CASE WHEN l.amount > 0 AND l.due_date <= :today THEN l.amount ELSE 0 END)"
        " - SUM(CASE WHEN l.amount < 0 THEN -l.amount ELSE 0 END)"
    )
    leases = "SELECT le.id FROM leases le JOIN properties pr ON pr.id = le.property_id"
    totals = (
        "SELECT COUNT(*), COALESCE(SUM(p.amount), 0) FROM payments p WHERE p.status = 'paid'"
        " AND p.property_id IN (SELECT id FROM properties WHERE owner_id = :owner)"
    )
    months = (
        f"SELECT {month} AS m, SUM(CASE WHEN l.amount > 0 THEN l.amount ELSE 0 END),"
        " SUM(CASE WHEN l.kind = 'payment' THEN -l.amount ELSE 0 END) FROM ledger_entries l"
        f" WHERE l.lease_id IN ({leases} WHERE pr.owner_id = :owner) GROUP BY 1 ORDER BY 1"
    )
    per_lease = (
        f"SELECT lease_id, a FROM (SELECT l.lease_id, {arrears} AS a FROM ledger_entries l"
        f" WHERE l.lease_id IN ({leases} WHERE pr.owner_id = :owner AND le.status = 'active')"
        " GROUP BY l.lease_id) t WHERE a > 0 ORDER BY a DESC"
    )
    return totals, months, per_lease


def run_floor(engine: Engine, owner: int, today: date) -> Figures:
    totals, months, per_lease = (text(s) for s in floor_sql(engine.dialect.name))
    with engine.connect() as conn:
        count, collected = conn.execute(totals, {"owner": owner}).one()
        m = [(r[0], int(r[1]), int(r[2])) for r in conn.execute(months, {"owner": owner})]
        a = {
            int(r[0]): int(r[1]) for r in conn.execute(per_lease, {"owner": owner, "today": today})
        }
    return Figures(int(count), int(collected), sum(b for _, b, _ in m), m, a)


def run_dashboard(engine: Engine, owner: int, today: date) -> tuple[float, Figures]:
    with Session(engine, expire_on_commit=False) as session:
        landlord = session.get(User, owner)
        t0 = time.perf_counter()
        d = reports.dashboard(session, landlord, reports.Filters(), today)
        elapsed = time.perf_counter() - t0
    assert len(d.rows) == min(reports.PAGE_SIZE, d.total_count)
    return elapsed, Figures(
        d.total_count,
        d.total_collected,
        d.total_billed,
        [(m.month, m.billed, m.collected) for m in d.months],
        {a.lease_id: a.arrears for a in d.arrears},
    )


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# --- where the dashboard's time goes ------------------------------------------------------------


def label(statement: str) -> str:
    s = " ".join(statement.split())
    if s.startswith("SELECT properties.id"):
        return "scope (property ids)"
    if "count(*)" in s:
        return "totals (count, sum)"
    if "ORDER BY payments.paid_at DESC" in s:
        return "first page of payments"
    if "HAVING" in s or " AS arrears" in s:
        return "arrears list"
    if "strftime" in s or "to_char" in s or "substr" in s:
        return "billed vs collected per month"
    if s.startswith("select pg_catalog.version") or s == "SELECT 1":
        return "connection (pre-ping)"
    return s[:50]


def profile(engine: Engine, owner: int, today: date, runs: int) -> dict[str, float]:
    """Median wall time per statement: from its execution until the next one starts (or the
    dashboard returns), so fetching rows and building objects are counted with it."""
    marks: list[tuple[float, str]] = []

    def before(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        marks.append((time.perf_counter(), label(statement)))

    per: dict[str, list[float]] = defaultdict(list)
    event.listen(engine, "before_cursor_execute", before)
    try:
        for _ in range(runs):
            marks.clear()
            with Session(engine, expire_on_commit=False) as session:
                landlord = session.get(User, owner)
                marks.clear()
                t0 = time.perf_counter()
                reports.dashboard(session, landlord, reports.Filters(), today)
                end = time.perf_counter()
            spans: dict[str, float] = defaultdict(float)
            if marks:
                spans["python before the first query"] += marks[0][0] - t0
            for (t, name), nxt in zip(marks, [*marks[1:], (end, "")], strict=True):
                spans[name] += nxt[0] - t
            for name, v in spans.items():
                per[name].append(v)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return {k: statistics.median(v) * 1000 for k, v in per.items()}


# --- one dataset ----------------------------------------------------------------------------------


@dataclass
class Result:
    payments: int
    seed_s: float
    dash_ms: list[float]
    floor_ms: list[float]
    breakdown: dict[str, float]
    rows: dict[str, int]

    @property
    def dash(self) -> float:
        return statistics.median(self.dash_ms)

    @property
    def floor(self) -> float:
        return statistics.median(self.floor_ms)


def check(pf: Portfolio, got: Figures, what: str) -> None:
    expected_arrears = {lid: b for lid, b in pf.balance.items() if b > 0}
    problems = []
    if got.count != pf.payments or got.collected != pf.collected:
        problems.append(
            f"count/collected {got.count}/{got.collected} != {pf.payments}/{pf.collected}"
        )
    if got.billed != pf.billed:
        problems.append(f"billed {got.billed} != {pf.billed}")
    if sum(c for _, _, c in got.months) != pf.collected:
        problems.append("monthly collected does not add up to the collected total")
    if got.arrears != expected_arrears:
        problems.append(f"arrears differ ({len(got.arrears)} vs {len(expected_arrears)} leases)")
    if problems:
        raise SystemExit(f"{what}: wrong figures: " + "; ".join(problems))


def measure(engine: Engine, args: argparse.Namespace, payments: int, today: date) -> Result:
    t0 = time.perf_counter()
    create_schema(engine)
    with engine.begin() as conn:
        pf = seed_portfolio(
            conn,
            units=args.units,
            properties=args.properties,
            payments=payments,
            today=today,
            years=args.years,
        )
    if engine.dialect.name == "postgresql":  # what autovacuum does soon after a bulk load
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # Our schema's tables only: a bare VACUUM walks every schema of the database.
            names = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
            conn.execute(text("VACUUM ANALYZE " + ", ".join(f'"{n}"' for n in names)))
    seed_s = time.perf_counter() - t0
    with engine.connect() as conn:
        rows = {
            t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
            for t in ("leases", "ledger_entries", "payments")
        }

    owner = pf.landlord_id
    for _ in range(2):  # warm: caches, pool, statement compilation
        _, dash_figs = run_dashboard(engine, owner, today)
        floor_figs = run_floor(engine, owner, today)
    check(pf, dash_figs, "dashboard")
    check(pf, floor_figs, "SQL floor")
    if dash_figs != floor_figs:
        raise SystemExit("dashboard and SQL floor disagree")

    dash_ms, floor_ms = [], []
    for i in range(args.runs):  # interleaved, alternating which goes first
        pair = [
            lambda: dash_ms.append(run_dashboard(engine, owner, today)[0] * 1000),
            lambda: floor_ms.append(timed(lambda: run_floor(engine, owner, today)) * 1000),
        ]
        for fn in pair if i % 2 == 0 else pair[::-1]:
            fn()
    breakdown = profile(engine, owner, today, max(3, args.runs // 2))
    return Result(payments, seed_s, dash_ms, floor_ms, breakdown, rows)


def report(name: str, results: list[Result], args: argparse.Namespace) -> bool:
    small, large = results
    r0 = large.rows
    print(
        f"\n{name}: {args.units:,} units / {args.properties} properties / {r0['leases']:,} leases,"
        f" ~{args.years:g} years; ledger rows {small.rows['ledger_entries']:,} and"
        f" {large.rows['ledger_entries']:,}; runs={args.runs}, medians, warm"
    )
    print(f"  {'payments':>9}  {'seed':>7}  {'dashboard':>22}  {'SQL floor':>9}  {'ratio':>6}")
    for r in results:
        print(
            f"  {r.payments:>9,}  {r.seed_s:>6.1f}s  {r.dash:>8.1f} ms"
            f" ({min(r.dash_ms):.1f}–{max(r.dash_ms):.1f})  {r.floor:>6.1f} ms"
            f"  {r.dash / r.floor:>5.2f}×"
        )
    growth = large.dash / small.dash
    print(
        f"  growth {small.payments:,}→{large.payments:,}: dashboard {growth:.2f}×,"
        f" floor {large.floor / small.floor:.2f}×"
    )
    ok_ms, ok_ratio, ok_growth = (
        large.dash <= TARGET_MS,
        large.dash / large.floor <= TARGET_RATIO,
        growth <= TARGET_GROWTH,
    )
    verdict = {True: "met", False: "MISSED"}
    print(
        f"  targets at {large.payments:,}: ≤ {TARGET_MS:.0f} ms {verdict[ok_ms]};"
        f" ≤ {TARGET_RATIO:g}× floor {verdict[ok_ratio]}; growth ≤ {TARGET_GROWTH:g}×"
        f" {verdict[ok_growth]}"
    )
    for r in results:
        parts = sorted(r.breakdown.items(), key=lambda kv: -kv[1])
        print(
            f"  where the time goes at {r.payments:,}: "
            + ", ".join(f"{k} {v:.1f} ms" for k, v in parts)
        )
    return ok_ms and ok_ratio and ok_growth


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--properties", type=int, default=20)
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--years", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_POSTGRES_URL", PG_URL))
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny data (CI); targets not asserted")
    args = parser.parse_args()
    if args.quick:
        vars(args).update(QUICK)
    with tempfile.TemporaryDirectory(prefix="pms-bench-dash-") as tmp:
        # Nothing here may touch ./data: settings, if read at all, come from the temp dir.
        os.environ["PMS_DATA_DIR"] = str(Path(tmp) / "data")
        for var in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST"):
            os.environ.pop(var, None)
        get_settings.cache_clear()
        return run(args, Path(tmp))


def run(args: argparse.Namespace, tmp: Path) -> int:
    import sqlite3

    today = date.today()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    all_ok = True
    results = []
    for n in (args.small, args.payments):
        with sqlite_engine(tmp, f"dash{n}") as engine:
            results.append(measure(engine, args, n, today))
        (tmp / f"dash{n}.db").unlink()
    all_ok &= report(f"SQLite {sqlite3.sqlite_version} (file, WAL)", results, args)

    if args.no_postgres:
        print("\nPostgreSQL: skipped (--no-postgres)")
    elif why := postgres_reachable(args.pg_url):
        print(f"\nPostgreSQL: skipped, not reachable ({why})")
    else:
        results = []
        version = ""
        for n in (args.small, args.payments):
            with postgres_engine(args.pg_url) as engine:
                results.append(measure(engine, args, n, today))
                with engine.connect() as conn:
                    version = conn.execute(text("SHOW server_version")).scalar_one()
        all_ok &= report(f"PostgreSQL {version} (127.0.0.1)", results, args)
    print(
        f"\n{os.cpu_count()} CPUs; load average {load_before:.2f} before,"
        f" {os.getloadavg()[0]:.2f} after; total {time.perf_counter() - started:.0f} s;"
        f" all targets met: {all_ok}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
