"""STK callback throughput against the running app, and exactly-once crediting (prints figures;
not a test).

    python bench/callbacks.py [--callbacks 2000] [--duplicates 0.2] [--threads 16]
    python bench/callbacks.py --url http://127.0.0.1:3000 --data-dir ./data   # a server you run
    python bench/callbacks.py --redis redis://127.0.0.1:6379/11   # + Redis and a Celery worker
    python bench/callbacks.py --quick   # tiny data (CI): same paths and checks, targets not asserted
    python bench/callbacks.py --echo [--quick]   # every STK payment also confirmed by paybill

Without --url it starts the production build as README's run command does (tests/e2e/server.py,
fresh data dir, SQLite) with a known MPESA_CALLBACK_TOKEN. With --url, the server must be on this
machine (loopback only) and --data-dir (or --database-url and --token) must point at its data:
use a throwaway install, the benchmark writes its landlord, leases and payments into it.
With --redis, the server gets REDIS_URL and a Celery worker sends the emails (README's Redis
deployment); use a Redis database nothing else uses. The data dir it started is deleted after.

Seeds, straight into the server's database (bench/seed.py, bulk INSERTs): a landlord with 400
units and leases over 4 properties, a year of rent charges and payment history, and N pending STK
payments already sent to M-Pesa (CheckoutRequestID set). Then posts `--callbacks` Daraja STK
success callbacks (exact wire JSON and headers, amounts and phones matching) of which
`--duplicates` are repeats of an earlier one (half right behind it, so they race; half later),
from `--threads` threads with a requests.Session each. Prints callbacks/s and latency, then checks
in the database that every payment was credited exactly once: paid, its M-Pesa receipt stored, one
ledger credit row of the right amount, a receipt number, one receipt email, nothing else written,
and every lease's balance exactly what it was minus its payments.

--echo: on a paybill with registered C2B URLs every STK payment also arrives as a paybill
confirmation (TransID = the receipt, BillRefNumber = the AccountReference, MSISDN masked). Each
payment's confirmation is posted too, in random order: half right beside its STK callback
(either first, racing it), half at a random later or earlier place. The same checks hold (no
payment row more, one credit each) and the double credits are counted: they must be zero.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

from bench.echo import (
    account_refs,
    conn_count,
    double_credits,
    echo_body,
    swapped_receipts,
    with_echoes,
)
from bench.seed import PendingStk, b36, seed_pending_stk, seed_portfolio, table
from pms_app.core.models import Counter as SeqCounter
from pms_app.core.settings import _derived
from pms_app.emails.models import EmailMessage
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments.models import Payment, PaymentStatus
from tests.e2e.server import running_server

ROOT = Path(__file__).resolve().parents[1]
NAIROBI = timezone(timedelta(hours=3))
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TARGET_RATE = 200.0
DEADLINE_S = 300  # posting must be over by then, whatever happens
# --quick: a few seconds of traffic once the server is up; the same checks, exit 1 on any error.
QUICK = {"callbacks": 200, "threads": 8, "units": 40, "properties": 2, "history": 200}


@dataclass(frozen=True)
class Target:
    url: str  # callback URL (token in the path)
    database_url: str


def callback_body(p: PendingStk, receipt: str, when: datetime) -> bytes:
    """A Daraja STK success callback, as Safaricom sends it (Balance without a Value)."""
    return json.dumps(
        {
            "Body": {
                "stkCallback": {
                    "MerchantRequestID": p.merchant_request_id,
                    "CheckoutRequestID": p.checkout_request_id,
                    "ResultCode": 0,
                    "ResultDesc": "The service request is processed successfully.",
                    "CallbackMetadata": {
                        "Item": [
                            {"Name": "Amount", "Value": float(p.amount)},
                            {"Name": "MpesaReceiptNumber", "Value": receipt},
                            {"Name": "Balance"},
                            {
                                "Name": "TransactionDate",
                                "Value": int(when.astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")),
                            },
                            {"Name": "PhoneNumber", "Value": int(p.phone)},
                        ]
                    },
                }
            }
        },
        separators=(",", ":"),
    ).encode()


HEADERS = {"Content-Type": "application/json;charset=UTF-8", "Businessshortcode": "174379"}


def receipt_for(p: PendingStk) -> str:
    return "T" + b36(p.payment_id, 9)


def plan(pending: list[PendingStk], total: int, dup_share: float, seed: int) -> list[PendingStk]:
    """Posting order: every payment once, shuffled; duplicates of distinct payments, half right
    behind their original (concurrent with it), half at a random later place."""
    rng = random.Random(seed)
    order = list(pending)
    rng.shuffle(order)
    dups = rng.sample(order, total - len(order))
    racing, later = set(id(p) for p in dups[: len(dups) // 2]), dups[len(dups) // 2 :]
    out: list[PendingStk] = []
    for p in order:
        out.append(p)
        if id(p) in racing:
            out.append(p)
    for p in later:
        first = next(i for i, q in enumerate(out) if q is p)
        out.insert(rng.randrange(first + 1, len(out) + 1), p)
    assert len(out) == total
    return out


@dataclass
class Posted:
    status: int
    body: str
    ms: float


def post_all(
    target: Target,
    order: list[PendingStk],
    threads: int,
    echoes: list[tuple[str, PendingStk]] | None = None,
    refs: dict[int, str] | None = None,
) -> tuple[float, list[Posted], float]:
    """Post the callbacks (`echoes`: the STK callbacks and paybill confirmations in that order;
    `refs`: each payment's account number); returns (wall time, answers, rate of the HTTP
    floor). The floor is the same traffic for CheckoutRequestIDs the app does not know (a
    lookup, and the callback kept aside in one small insert in case its push's answer is
    stored later): what the server, the route and parsing cost without the crediting."""
    local = threading.local()
    now = datetime.now(UTC)
    c2b_url = target.url.removesuffix("/stk") + "/c2b/confirmation"
    stk_bodies = [callback_body(p, receipt_for(p), now) for p in order]
    if echoes is None:
        posts = [(target.url, b) for b in stk_bodies]
    else:
        posts = [
            (target.url, callback_body(p, receipt_for(p), now))
            if kind == "stk"
            else (c2b_url, echo_body(p, (refs or {})[p.payment_id], receipt_for(p), now))
            for kind, p in echoes
        ]
    unknown = []
    for i, body in enumerate(stk_bodies[: max(threads * 4, len(stk_bodies) // 4)]):
        payload = json.loads(body)
        payload["Body"]["stkCallback"]["CheckoutRequestID"] = f"ws_CO_bench_unknown_{i}"
        unknown.append((target.url, json.dumps(payload, separators=(",", ":")).encode()))

    def send(post: tuple[str, bytes]) -> Posted:
        url, body = post
        s = getattr(local, "session", None)
        if s is None:
            s = local.session = requests.Session()
            s.trust_env = False  # never through a proxy: loopback only
        t0 = time.perf_counter()
        try:
            r = s.post(url, data=body, headers=HEADERS, timeout=30)
            return Posted(r.status_code, r.text[:200], (time.perf_counter() - t0) * 1000)
        except requests.RequestException as exc:
            return Posted(0, type(exc).__name__, (time.perf_counter() - t0) * 1000)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, unknown[: threads * 2]))  # warm: connections, code paths
        t0 = time.perf_counter()
        list(pool.map(send, unknown))
        floor_rate = len(unknown) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        futures = [pool.submit(send, b) for b in posts]
        done, not_done = wait(futures, timeout=DEADLINE_S)
        wall = time.perf_counter() - t0
        for f in not_done:
            f.cancel()
    return wall, [f.result() for f in futures if f in done], floor_rate


# --- the database before and after ------------------------------------------------------------


def balances(engine: Engine, lease_ids: list[int]) -> dict[int, int]:
    le = table(LedgerEntry)
    with engine.connect() as conn:
        rows = conn.execute(
            select(le.c.lease_id, func.sum(le.c.amount))
            .where(le.c.lease_id.in_(lease_ids))
            .group_by(le.c.lease_id)
        ).all()
    out = dict.fromkeys(lease_ids, 0)
    out.update({int(k): int(v) for k, v in rows})
    return out


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        out = {
            t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
            for t in ("ledger_entries", "payments", "email_messages")
        }
        year = datetime.now(NAIROBI).year  # receipt numbers follow the install's local year
        c = table(SeqCounter)
        out["rcp_counter"] = int(
            conn.execute(select(c.c.value).where(c.c.name == f"RCP:{year}")).scalar() or 0
        )
    return out


def verify(
    engine: Engine,
    pending: list[PendingStk],
    before_bal: dict[int, int],
    before: dict[str, int],
    echo: bool = False,
) -> list[str]:
    """Everything that is wrong (empty: each payment credited exactly once)."""
    problems: list[str] = []
    ids = [p.payment_id for p in pending]
    by_id = {p.payment_id: p for p in pending}
    pay, le, em = table(Payment), table(LedgerEntry), table(EmailMessage)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                pay.c.id, pay.c.status, pay.c.mpesa_receipt, pay.c.receipt_no, pay.c.amount
            ).where(pay.c.id.in_(ids))
        ).all()
        credits = conn.execute(
            select(le.c.payment_id, func.count(), func.sum(le.c.amount))
            .where(le.c.payment_id.in_(ids))
            .group_by(le.c.payment_id)
        ).all()
        kinds = conn.execute(
            select(le.c.kind, func.count()).where(le.c.payment_id.in_(ids)).group_by(le.c.kind)
        ).all()
        emails = conn.execute(
            select(func.count(), func.count(func.distinct(em.c.dedupe_key))).where(
                em.c.dedupe_key.in_([f"receipt:{i}" for i in ids])
            )
        ).one()
    statuses = Counter(r.status for r in rows)
    if statuses != {PaymentStatus.PAID: len(ids)}:
        problems.append(f"payment statuses {dict(statuses)} (want all {len(ids)} paid)")
    if echo:  # two prompts alike may hold each other's receipt: one each is what counts
        wrong = swapped_receipts(list(rows), pending, receipt_for)
    else:
        wrong = len([r.id for r in rows if r.mpesa_receipt != receipt_for(by_id[r.id])])
    if wrong:
        problems.append(f"{wrong} payments without their M-Pesa receipt")
    numbers = [r.receipt_no for r in rows]
    if None in numbers or len(set(numbers)) != len(numbers):
        problems.append("receipt numbers missing or reused")
    per = {int(pid): (int(n), int(s)) for pid, n, s in credits}
    double = [pid for pid, (n, _) in per.items() if n > 1]
    missing = [i for i in ids if i not in per]
    wrong_amount = [pid for pid, (n, s) in per.items() if n == 1 and s != -by_id[pid].amount]
    if double:
        problems.append(f"DOUBLE CREDITS on {len(double)} payments, e.g. {double[:5]}")
    # Money credited twice under another row (a paybill echo stored beside its STK payment).
    others = int(
        conn_count(engine, before["ledger_entries"])
        - len(ids)
        - sum(n - 1 for n, _ in per.values() if n > 1)
    )
    if others:
        problems.append(f"DOUBLE CREDITS: {others} credits of payments outside the pending ones")
    if missing:
        problems.append(f"{len(missing)} payments without a ledger credit, e.g. {missing[:5]}")
    if wrong_amount:
        problems.append(f"{len(wrong_amount)} credits of the wrong amount")
    if {k for k, _ in kinds} - {EntryKind.PAYMENT}:
        problems.append(f"unexpected ledger kinds {kinds}")
    if tuple(emails) != (len(ids), len(ids)):
        problems.append(f"receipt emails {tuple(emails)} (want one per payment: {len(ids)})")

    after = counts(engine)
    for key, want in (
        ("ledger_entries", before["ledger_entries"] + len(ids)),
        ("payments", before["payments"]),
        ("email_messages", before["email_messages"] + len(ids)),
        ("rcp_counter", before["rcp_counter"] + len(ids)),
    ):
        if after[key] != want:
            problems.append(f"{key}: {after[key]} rows/value after, want {want}")

    paid_per_lease: dict[int, int] = Counter()
    for p in pending:
        paid_per_lease[p.lease_id] += p.amount
    after_bal = balances(engine, list(before_bal))
    off = [lid for lid, b in before_bal.items() if after_bal[lid] != b - paid_per_lease.get(lid, 0)]
    if off:
        problems.append(f"{len(off)} lease balances not exact, e.g. lease {off[0]}")
    return problems


def wait_for_emails(
    engine: Engine, ids: list[int], since: float, timeout: float
) -> tuple[int, float]:
    """Wait (at most `timeout` s) until every receipt email is delivered (outbox file written,
    `sent_at` set): (delivered, seconds from `since`, a perf_counter time, to the last check)."""
    em = table(EmailMessage)
    keys = [f"receipt:{i}" for i in ids]
    t0 = time.perf_counter()
    while True:
        with engine.connect() as conn:
            sent = int(
                conn.execute(
                    select(func.count()).where(em.c.dedupe_key.in_(keys), em.c.sent_at.is_not(None))
                ).scalar_one()
            )
        if sent >= len(ids) or time.perf_counter() - t0 > timeout:
            return sent, time.perf_counter() - since
        time.sleep(0.5)


# --- the server --------------------------------------------------------------------------------


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"refusing {url}: this benchmark only talks to this machine (127.0.0.1)")
    return url.rstrip("/")


@contextmanager
def target_server(args: argparse.Namespace) -> Iterator[tuple[Target, Path | None]]:
    if args.url:
        base = loopback_only(args.url)
        data_dir = Path(args.data_dir).resolve() if args.data_dir else None
        db_url = args.database_url or (f"sqlite:///{data_dir / 'pms.db'}" if data_dir else "")
        token = args.token or os.environ.get("MPESA_CALLBACK_TOKEN", "")
        if not token and data_dir and (data_dir / "secret_key").is_file():
            token = _derived((data_dir / "secret_key").read_text().strip(), "mpesa-callback")
        if not db_url or not token:
            raise SystemExit("--url needs --data-dir (or --database-url and --token)")
        yield Target(f"{base}/api/pay/{token}/stk", db_url), None
        return
    token = os.urandom(16).hex()
    env = {"MPESA_CALLBACK_TOKEN": token, "MPESA_SIM_MODE": "auto"}
    if args.redis:
        loopback_only(args.redis)
        env["REDIS_URL"] = args.redis
    # The data dir where an install keeps it (the project's data/), not the system temp dir: on
    # a disk whose /tmp is churned by test runs, creating each outbox file there cost ~1 ms.
    parent = Path(args.data_parent).resolve() if args.data_parent else ROOT / "data" / "bench"
    with running_server(env, data_parent=parent) as server:
        port = urlsplit(server.base_url).port
        worker = None
        if args.redis:  # the Redis deployment: emails are sent by a Celery worker process
            from tests.workers import Worker

            worker_env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "REDIS_URL", "SMTP_HOST")
            }
            worker_env.update(
                env,
                PMS_DATA_DIR=str(server.data_dir),
                OUTBOX_DIR=str(server.outbox),
                BASE_URL=server.base_url,
            )
            worker = Worker(worker_env, server.data_dir / "worker.log")
            worker.wait_ready(60)
        try:
            url = f"http://127.0.0.1:{port}/api/pay/{token}/stk"
            yield Target(url, server.database_url), server.log
        finally:
            if worker is not None:
                worker.stop()
    shutil.rmtree(server.data_dir, ignore_errors=True)  # ours: a fresh dir per run


def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        from pms_app.core import db

        return db.make_engine(url)  # the app's SQLite settings (WAL, busy timeout)
    return create_engine(url)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--callbacks", type=int, default=2_000)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of the posts")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--units", type=int, default=400, help="leases seeded")
    parser.add_argument("--properties", type=int, default=4)
    parser.add_argument("--history", type=int, default=4_000, help="past payments seeded")
    parser.add_argument("--quick", action="store_true", help="tiny data (CI)")
    parser.add_argument(
        "--echo",
        action="store_true",
        help="every STK payment is also confirmed by paybill (the STK echo), in random order",
    )
    parser.add_argument("--url", help="a server already running on this machine")
    parser.add_argument(
        "--data-parent", help="where the started server's data dir goes (default: data/bench)"
    )
    parser.add_argument("--data-dir", help="with --url: the server's PMS_DATA_DIR")
    parser.add_argument("--database-url", help="with --url: the server's DATABASE_URL")
    parser.add_argument("--token", help="with --url: the callback token (default: derived)")
    parser.add_argument(
        "--redis",
        help="start the server with this REDIS_URL (e.g. redis://127.0.0.1:6379/11) and a Celery"
        " worker that sends the emails, as in README's Redis deployment",
    )
    args = parser.parse_args()
    if args.quick:
        vars(args).update(QUICK)
    if not 0 <= args.duplicates < 1 or not 1 <= args.threads <= 64:
        raise SystemExit("--duplicates must be in [0, 1) and --threads in 1..64")
    unique = round(args.callbacks * (1 - args.duplicates))
    started = time.perf_counter()
    load_before = os.getloadavg()

    with target_server(args) as (target, log):
        print(f"server up in {time.perf_counter() - started:.0f} s")
        engine = engine_for(target.database_url)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            pf = seed_portfolio(
                conn,
                units=args.units,
                properties=args.properties,
                payments=args.history,
                today=date.today(),
                years=1,
            )
            pending = seed_pending_stk(conn, pf, unique)
        seed_s = time.perf_counter() - t0
        before_bal = balances(engine, pf.lease_ids)
        before = counts(engine)

        order = plan(pending, args.callbacks, args.duplicates, seed=3)
        echoes = with_echoes(order, seed=4) if args.echo else None
        refs = account_refs(engine, [p.payment_id for p in pending]) if args.echo else None
        wall, posted, floor_rate = post_all(target, order, args.threads, echoes, refs)
        posted_at = time.perf_counter()
        codes = Counter(p.status for p in posted)
        bad_answers = [p for p in posted if p.status != 200 or '"ResultCode":0' not in p.body]
        time.sleep(1)  # let the server's after-commit hooks finish their writes
        problems = verify(engine, pending, before_bal, before, echo=args.echo)
        emails_sent, emails_s = wait_for_emails(
            engine, [p.payment_id for p in pending], posted_at, 120
        )
        engine.dispose()
        log_errors = 0
        if log is not None:
            text_ = log.read_text(errors="replace")
            log_errors = text_.count("Traceback") + text_.count("database is locked")

    ms = [p.ms for p in posted]
    rate = len(posted) / wall
    print(
        f"seeded {len(pf.lease_ids)} leases, {pf.charges:,} charges, {pf.payments:,} past payments"
        f" and {unique:,} pending STK payments in {seed_s:.1f} s"
    )
    total = args.callbacks + (unique if args.echo else 0)
    echoed = f" + {unique:,} paybill echoes (random order)" if args.echo else ""
    print(
        f"posted {len(posted):,}/{total:,}: {args.callbacks:,} STK callbacks"
        f" ({args.callbacks - unique} duplicates, half racing their original){echoed}"
        f" from {args.threads} threads in {wall:.2f} s:"
        f" {rate:.0f} callbacks/s   [target >= {TARGET_RATE:.0f}/s]"
    )
    if args.echo:
        print(f"double credits: {double_credits(problems)} (must be 0)")
    print(
        f"latency p50 {statistics.median(ms):.1f} ms, p95 {sorted(ms)[int(0.95 * len(ms))]:.1f} ms,"
        f" max {max(ms):.1f} ms; HTTP {dict(codes)}; wrong answers {len(bad_answers)};"
        f" errors in the server log {log_errors}"
    )
    print(
        f"HTTP floor (same posts for unknown CheckoutRequestIDs, kept aside, nothing to credit):"
        f" {floor_rate:.0f}/s"
    )
    print(
        f"receipt emails delivered ({'Celery worker' if args.redis else 'in-process'}):"
        f" {emails_sent:,}/{unique:,}, all within {emails_s:.1f} s of the last answer"
    )
    if problems:
        print("exactly-once check FAILED:\n  " + "\n  ".join(problems))
    else:
        print(
            f"exactly-once check passed: {unique:,} payments paid, one credit each, no double"
            f" credits, {len(before_bal)} lease balances exact"
        )
    ok = not problems and not bad_answers and len(posted) == total and not log_errors
    if emails_sent < unique:
        print("warning: receipt emails still unsent after 120 s (a --redis queue keeps them)")
        ok = ok and bool(args.redis)  # in-process sending has no excuse
    print(
        f"load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after;"
        f" total {time.perf_counter() - started:.0f} s; target met: {ok and rate >= TARGET_RATE}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
