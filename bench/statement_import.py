"""M-PESA statement import (#11.8): seconds and memory peak for a 10,000-line statement (prints
figures; not a test).

    python bench/statement_import.py [--lines 10000] [--missing 0.1]
    python bench/statement_import.py --quick   # tiny data (CI): same paths and checks

In-process, a fresh SQLite file: 400 active leases (one property, BEN-U1…), and a portal CSV
export (preamble, header, "1,500.00" amounts, day-first times) of `--lines` lines: 5 %
withdrawals and charges, 1 % repeated lines, `--missing` of the paid-in lines confirmations
that never arrived (90 % of them for a lease, 10 % for an unknown unit: queued), the rest
already recorded as paybill payments. Times the preview (read, sort, no writes) and the apply
(each missing line through the live paybill path), with tracemalloc's peak for each; then
imports the file again. Checks: the groups' counts, one credit per missing line and nothing
more on the second import, every lease's balance exactly its charges minus its credits. Exit
status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["PMS_DATA_DIR"] = tempfile.mkdtemp(prefix="pms-bench-")  # before pms_app reads it
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

import pms_app.models
import pms_app.worker
from pms_app.accounts.models import Role, User
from pms_app.core import db, jobs
from pms_app.leases.models import Lease
from pms_app.ledger.models import LedgerEntry
from pms_app.payments import statement_import as si
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.properties.models import Property, Unit

LEASES = 400
QUICK = {"lines": 300}
HEAD = (
    "Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,"
    "Balance,Balance Confirmed,Reason Type,Other Party Info,Linked Transaction ID,A/C No."
)
assert pms_app.models  # every table registered


def seed(session: Session) -> tuple[User, list[Lease]]:
    admin = User(
        email="admin@bench.test", full_name="Ada Admin", role=Role.ADMIN, password_hash="x"
    )
    owner = User(
        email="owner@bench.test", full_name="Otto Owner", role=Role.LANDLORD, password_hash="x"
    )
    session.add_all([admin, owner])
    session.flush()
    prop = Property(owner_id=owner.id or 0, name="Bench Court", account_prefix="BEN", address="x")
    session.add(prop)
    session.flush()
    leases = []
    for i in range(1, LEASES + 1):
        tenant = User(
            email=f"t{i}@bench.test", full_name=f"Tenant {i}", role=Role.TENANT, password_hash="x"
        )
        unit = Unit(property_id=prop.id or 0, label=f"U{i}")
        session.add_all([tenant, unit])
        session.flush()
        lease = Lease(
            property_id=prop.id or 0,
            unit_id=unit.id or 0,
            tenant_id=tenant.id or 0,
            rent=10_000,
            start_date=date(2026, 1, 1),
            account_ref=f"BEN-U{i}",
            created_by_id=owner.id,
        )
        leases.append(lease)
        session.add(lease)
    session.commit()
    return admin, leases


def statement(
    session: Session, leases: list[Lease], n: int, missing: float
) -> tuple[bytes, dict[str, int]]:
    """The CSV export, and the counts the preview must find."""
    rnd = random.Random(11)
    rows = [
        "Account Holder:,BENCH COURT LTD",
        "Short Code:,174379",
        "Account:,Utility Account",
        "",
        HEAD,
    ]
    counts = {"matched": 0, "missing": 0, "unknown": 0, "ignored": 0}
    start = datetime(2026, 11, 1, 6, 0)
    recorded = []
    for i in range(n):
        when = (start + timedelta(seconds=i * 200)).strftime("%d-%m-%Y %H:%M:%S")
        receipt = f"QB{i:08d}"
        if i % 20 == 0:  # 5 %: a withdrawal or a charge
            rows.append(
                f'{receipt},{when},{when},Business Payment Charge,Completed,,"33.00",1.00,true,Charge,,,'
            )
            counts["ignored"] += 1
            continue
        if i % 100 == 1:  # 1 %: the line before, again
            rows.append(rows[-1])
            counts["ignored"] += 1
            continue
        lease = leases[rnd.randrange(len(leases))]
        amount = rnd.choice((1_500, 5_000, 10_000, 12_345))
        account = lease.account_ref
        if rnd.random() < missing:
            if rnd.random() < 0.1:
                account, group = f"BEN-ZZ{i}", "unknown"
            else:
                group = "missing"
        else:
            group = "matched"
            recorded.append(
                Payment(
                    lease_id=lease.id,
                    property_id=lease.property_id,
                    method=PaymentMethod.C2B,
                    status=PaymentStatus.PAID,
                    amount=amount,
                    account_ref=account,
                    trans_id=receipt,
                    mpesa_receipt=receipt,
                    paid_at=datetime.now(UTC),
                )
            )
        counts[group] += 1
        other = f"2547 ***** {i % 1000:03d} - PAYER {i}"
        rows.append(
            f'{receipt},{when},{when},Pay Bill from {other} Acc. {account},Completed,"{amount:,}.00",,'
            f'"1,000.00",true,Pay Bill,{other},,{account}'
        )
    session.add_all(recorded)
    session.commit()
    return ("\n".join(rows) + "\n").encode(), counts


def measured(fn):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    _now, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 1e6


def ledger_exact(session: Session) -> bool:
    payments = {
        p.id: p.amount
        for p in session.exec(select(Payment).where(Payment.status == PaymentStatus.PAID)).all()
    }
    credits = session.exec(select(LedgerEntry).where(LedgerEntry.payment_id.is_not(None))).all()  # type: ignore[union-attr]
    by_payment = {}
    for e in credits:
        by_payment.setdefault(e.payment_id, []).append(-e.amount)
    return all(len(v) == 1 and v[0] == payments.get(k) for k, v in by_payment.items())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--missing", type=float, default=0.1)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.lines = QUICK["lines"]
    jobs.enqueue = lambda *a, **k: None  # type: ignore[assignment]  # no email sending here
    engine = db.make_engine(f"sqlite:///{os.environ['PMS_DATA_DIR']}/bench.db")
    SQLModel.metadata.create_all(engine)
    db.use_engine(engine)
    problems: list[str] = []
    with Session(engine) as session:
        admin, leases = seed(session)
        data, want = statement(session, leases, args.lines, args.missing)
        paid_before = session.exec(select(func.count()).select_from(Payment)).one()
        preview, p_s, p_mb = measured(lambda: si.preview(session, admin, data, "statement.csv"))
        got = {
            "matched": len(preview.matched),
            "missing": len(preview.missing),
            "unknown": len(preview.unknown),
            "ignored": len(preview.ignored),
        }
        if got != want:
            problems.append(f"preview groups {got} != {want}")
        result, a_s, a_mb = measured(
            lambda: si.apply(session, admin, data, "statement.csv", preview.token)
        )
        if (result.credited, result.queued) != (want["missing"], want["unknown"]):
            problems.append(f"apply credited/queued {result.credited}/{result.queued}")
        after = session.exec(select(func.count()).select_from(Payment)).one()
        if after - paid_before != want["missing"] + want["unknown"]:
            problems.append(f"{after - paid_before} payments written")
        again, r_s, _mb = measured(lambda: si.apply(session, admin, data, "statement.csv"))
        if (again.credited, again.queued) != (0, 0) or session.exec(
            select(func.count()).select_from(Payment)
        ).one() != after:
            problems.append("the second import wrote something")
        if not ledger_exact(session):
            problems.append("a payment was credited other than once")
    print(f"statement import, {args.lines:,} lines (SQLite): {want}")
    print(f"  preview:  {p_s:6.2f} s, memory peak {p_mb:6.1f} MB")
    print(
        f"  apply:    {a_s:6.2f} s, memory peak {a_mb:6.1f} MB ({result.credited} credited, {result.queued} queued)"
    )
    print(f"  re-import: {r_s:5.2f} s, nothing written")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
