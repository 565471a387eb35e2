"""Bulk seeding for the benchmarks: a landlord's portfolio with years of ledger history, written
with SQLAlchemy Core executemany (not the services), plus pending STK payments for callbacks.

Rows are shaped the way the services write them (dedupe keys `rent:<lease>:<period>`,
`deposit:<lease>`, `pay:<payment>`, receipt numbers RCP-<year>-NNNNNN with the `RCP:<year>`
counters moved past them, rent charged with `ledger.rent_due_dates`), so the app keeps working on
a seeded database. Ids are assigned here (continuing after what the tables already hold) so
credits can point at their payments without a round trip; PostgreSQL sequences are moved after.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from pms_app.accounts.models import Role, User
from pms_app.core.models import Counter
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.ledger.service import rent_due_dates
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.properties.models import Membership, MembershipStatus, Property, Unit

BATCH = 5_000
PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$bm90LWEtcmVhbC1oYXNoLWJlbmNo"
RENTS = (8_000, 12_000, 15_000, 18_000, 22_000, 25_000, 30_000, 35_000, 45_000)
B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def b36(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = B36[r] + out
    return out.rjust(width, "0")


def table(model: type) -> Any:
    return model.__table__  # type: ignore[attr-defined]


def create_schema(engine: Engine) -> None:
    """The production schema: Alembic `upgrade head` on this engine's connection."""
    from alembic import command
    from pms_app.core.migrations import alembic_config

    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def bulk_insert(conn: Connection, model: type, rows: Iterable[dict[str, Any]]) -> int:
    batch: list[dict[str, Any]] = []
    n = 0
    stmt = insert(table(model))
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            conn.execute(stmt, batch)
            n += len(batch)
            batch = []
    if batch:
        conn.execute(stmt, batch)
        n += len(batch)
    return n


def _next_id(conn: Connection, model: type) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table(model).c.id), 0))).scalar_one()) + 1


def fix_sequences(conn: Connection) -> None:
    """PostgreSQL: move each serial past the ids inserted explicitly."""
    if conn.dialect.name != "postgresql":
        return
    for model in (User, Property, Unit, Membership, Lease, LedgerEntry, Payment):
        name = table(model).name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
            )
        )


def _bump_counters(conn: Connection, used: dict[int, int]) -> None:
    """Set `RCP:<year>` to the highest receipt number used (the services continue from it)."""
    t = table(Counter)
    for year, value in used.items():
        name = f"RCP:{year}"
        if conn.execute(select(t.c.value).where(t.c.name == name)).first() is None:
            conn.execute(insert(t).values(name=name, value=value))
        else:
            conn.execute(update(t).where(t.c.name == name).values(value=value))


def _receipt_counters(conn: Connection) -> dict[int, int]:
    t = table(Counter)
    out: dict[int, int] = {}
    for name, value in conn.execute(select(t.c.name, t.c.value).where(t.c.name.like("RCP:%"))):
        out[int(name.split(":", 1)[1])] = int(value)
    return out


@dataclass
class Portfolio:
    landlord_id: int
    property_ids: list[int]
    lease_ids: list[int]
    lease_phone: dict[int, str]
    lease_property: dict[int, int]
    charges: int = 0  # ledger charge rows
    payments: int = 0
    billed: int = 0  # sum of charges
    collected: int = 0  # sum of paid payments
    balance: dict[int, int] = field(default_factory=dict)  # per lease: charges - credits


def seed_portfolio(
    conn: Connection,
    *,
    units: int = 2_000,
    properties: int = 20,
    payments: int = 100_000,
    today: date,
    years: float = 4.0,
    seed: int = 1,
    tag: str = "bench",
) -> Portfolio:
    """One landlord, `properties` properties with `units` units in all, an active lease per unit
    (started over the first half year of the window) with its deposit and monthly rent charged up
    to `today`, and `payments` paid payments spread over the leases' lives, each with its ledger
    credit. Most tenants are paid up, ~15 % are in arrears, ~10 % carry a small credit."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    window_start = today - timedelta(days=round(365.25 * years))
    uid, pid, unit_id, mid, lid = (
        _next_id(conn, m) for m in (User, Property, Unit, Membership, Lease)
    )
    eid, payid = _next_id(conn, LedgerEntry), _next_id(conn, Payment)

    landlord_id = uid
    users = [
        {
            "id": landlord_id,
            "email": f"{tag}-landlord-{landlord_id}@bench.pms.test",
            "full_name": "Bench Landlord",
            "phone": "254711000000",
            "role": Role.LANDLORD.value,
            "password_hash": PASSWORD_HASH,
            "is_active": True,
            "created_at": now,
            "last_login_at": None,
            "password_changed_at": now,
        }
    ]
    props, unit_rows, members, leases = [], [], [], []
    per_prop = [
        units // properties + (1 if i < units % properties else 0) for i in range(properties)
    ]
    lease_objs: list[Lease] = []
    lease_phone: dict[int, str] = {}
    lease_property: dict[int, int] = {}
    next_user = landlord_id + 1
    for p in range(properties):
        prop_id = pid + p
        default_rent = rng.choice(RENTS)
        props.append(
            {
                "id": prop_id,
                "owner_id": landlord_id,
                "name": f"Bench Court {p + 1}",
                "account_prefix": f"B{prop_id}"[:6],
                "address": f"{p + 1} Bench Road, Nairobi",
                "default_rent": default_rent,
                "timezone": "Africa/Nairobi",
                "created_at": now,
                "late_fee_kind": "none",
                "late_fee_value": 0,
                "late_fee_grace_days": 5,
                "remind_days_before": 0,
                "remind_days_after": 0,
            }
        )
        for u in range(per_prop[p]):
            this_unit = unit_id + len(unit_rows)
            rent = default_rent + rng.choice((0, 0, 0, 1_000, 2_000, -1_000))
            unit_rows.append(
                {
                    "id": this_unit,
                    "property_id": prop_id,
                    "label": f"{chr(65 + u // 100 % 26)}{u % 100 + 1}",
                    "rent": rent,
                    "created_at": now,
                }
            )
            tenant_id = next_user
            next_user += 1
            phone = f"2547{tenant_id % 100_000_000:08d}"
            users.append(
                {
                    "id": tenant_id,
                    "email": f"{tag}-t{tenant_id}@bench.pms.test",
                    "full_name": f"Tenant {tenant_id}",
                    "phone": phone,
                    "role": Role.TENANT.value,
                    "password_hash": PASSWORD_HASH,
                    "is_active": True,
                    "created_at": now,
                    "last_login_at": None,
                    "password_changed_at": now,
                }
            )
            members.append(
                {
                    "id": mid + len(members),
                    "user_id": tenant_id,
                    "property_id": prop_id,
                    "role": Role.TENANT.value,
                    "status": MembershipStatus.APPROVED.value,
                    "unit_id": this_unit,
                    "requested_unit_id": this_unit,
                    "created_at": now,
                    "decided_at": now,
                    "decided_by_id": landlord_id,
                    "decision_reason": "",
                }
            )
            lease_id = lid + len(leases)
            row = {
                "id": lease_id,
                "property_id": prop_id,
                "unit_id": this_unit,
                "tenant_id": tenant_id,
                "rent": rent,
                "deposit": rent,
                "due_day": rng.choice((1, 1, 5, 5, 5, 10, 15, 28)),
                "start_date": window_start + timedelta(days=rng.randrange(0, 180)),
                "end_date": None,
                "status": LeaseStatus.ACTIVE,
                "ended_on": None,
                "account_ref": f"BN{lease_id:08d}",
                "created_by_id": landlord_id,
                "created_at": now,
            }
            leases.append(row)
            lease_objs.append(Lease(**row))
            lease_phone[lease_id] = phone
            lease_property[lease_id] = prop_id

    bulk_insert(conn, User, users)
    bulk_insert(conn, Property, props)
    bulk_insert(conn, Unit, unit_rows)
    bulk_insert(conn, Membership, members)
    bulk_insert(conn, Lease, leases)

    pf = Portfolio(
        landlord_id,
        [p["id"] for p in props],
        [r["id"] for r in leases],
        lease_phone,
        lease_property,
    )
    billed: dict[int, int] = defaultdict(int)

    def charge_rows() -> Iterable[dict[str, Any]]:
        nonlocal eid
        for lease in lease_objs:
            assert lease.id is not None
            entries = [
                (f"deposit:{lease.id}", EntryKind.DEPOSIT, lease.deposit, lease.start_date, "")
            ]
            for period, due in rent_due_dates(lease, today):
                entries.append(
                    (f"rent:{lease.id}:{period}", EntryKind.RENT, lease.rent, due, period)
                )
            for key, kind, amount, due, period in entries:
                billed[lease.id] += amount
                yield {
                    "id": eid,
                    "lease_id": lease.id,
                    "kind": kind,
                    "amount": amount,
                    "due_date": due,
                    "period": period,
                    "description": f"Rent {period}" if period else "Deposit",
                    "dedupe_key": key,
                    "payment_id": None,
                    "created_by_id": None,
                    "created_at": now,
                }
                eid += 1

    pf.charges = bulk_insert(conn, LedgerEntry, charge_rows())
    pf.billed = sum(billed.values())

    # Payments: the same count on every lease (± 1); the amounts add up to the lease's target.
    counters = _receipt_counters(conn)
    used = dict(counters)
    pay_rows: list[dict[str, Any]] = []
    credit_rows: list[dict[str, Any]] = []
    collected: dict[int, int] = defaultdict(int)
    n_leases = len(lease_objs)
    for i, lease in enumerate(lease_objs):
        n = payments // n_leases + (1 if i < payments % n_leases else 0)
        if n == 0:
            continue
        assert lease.id is not None
        roll = rng.random()
        if roll < 0.15:  # in arrears: one to three months behind
            target = billed[lease.id] - lease.rent * rng.randint(1, 3)
        elif roll < 0.25:  # paid ahead: a small credit
            target = billed[lease.id] + rng.choice((500, 1_000, 2_500))
        else:
            target = billed[lease.id]
        target = max(target, n)
        span = max(1, (today - lease.start_date).days - 1)
        base, extra = divmod(target, n)
        for k in range(n):
            amount = base + (1 if k < extra else 0)
            day = lease.start_date + timedelta(days=min(span, (k * span) // n + rng.randrange(3)))
            paid_at = datetime.combine(day, time(rng.randrange(4, 19), rng.randrange(60)), UTC)
            paid_at += timedelta(seconds=rng.randrange(60))
            method = rng.choices(
                (PaymentMethod.STK, PaymentMethod.C2B, PaymentMethod.CASH, PaymentMethod.BANK),
                (55, 30, 10, 5),
            )[0]
            used[paid_at.year] = used.get(paid_at.year, 0) + 1
            mpesa = method in (PaymentMethod.STK, PaymentMethod.C2B)
            receipt = ("S" if method == PaymentMethod.STK else "R") + b36(payid, 9)
            pay_rows.append(
                {
                    "id": payid,
                    "lease_id": lease.id,
                    "property_id": lease.property_id,
                    "method": method,
                    "status": PaymentStatus.PAID,
                    "amount": amount,
                    "phone": lease_phone[lease.id] if mpesa else "",
                    "account_ref": lease.account_ref,
                    "checkout_request_id": (
                        f"ws_CO_{paid_at:%d%m%Y%H%M%S}{payid:010d}"
                        if method == PaymentMethod.STK
                        else None
                    ),
                    "merchant_request_id": (
                        f"{payid}-{lease.id}-1" if method == PaymentMethod.STK else None
                    ),
                    "mpesa_receipt": receipt if mpesa else None,
                    "trans_id": receipt if method == PaymentMethod.C2B else None,
                    "result_code": "0" if method == PaymentMethod.STK else "",
                    "result_desc": "Paid" if method == PaymentMethod.STK else "",
                    "payer_name": f"TENANT {lease.tenant_id}"
                    if method == PaymentMethod.C2B
                    else "",
                    "reference": "" if mpesa else f"SLIP-{payid}",
                    "receipt_no": f"RCP-{paid_at.year}-{used[paid_at.year]:06d}",
                    "paid_at": paid_at,
                    "initiated_by_id": lease.tenant_id if method == PaymentMethod.STK else None,
                    "created_at": paid_at - timedelta(seconds=30),
                    "updated_at": paid_at,
                }
            )
            label = {
                PaymentMethod.STK: f"M-Pesa payment {receipt}",
                PaymentMethod.C2B: f"M-Pesa paybill payment {receipt}",
                PaymentMethod.CASH: f"Cash payment SLIP-{payid}",
                PaymentMethod.BANK: f"Bank payment SLIP-{payid}",
            }[method]
            credit_rows.append(
                {
                    "id": eid,
                    "lease_id": lease.id,
                    "kind": EntryKind.PAYMENT,
                    "amount": -amount,
                    "due_date": paid_at.date(),
                    "period": "",
                    "description": label,
                    "dedupe_key": f"pay:{payid}",
                    "payment_id": payid,
                    "created_by_id": None,
                    "created_at": paid_at,
                }
            )
            collected[lease.id] += amount
            payid += 1
            eid += 1
        if len(pay_rows) >= 4 * BATCH:
            bulk_insert(conn, Payment, pay_rows)
            bulk_insert(conn, LedgerEntry, credit_rows)
            pay_rows, credit_rows = [], []
    bulk_insert(conn, Payment, pay_rows)
    bulk_insert(conn, LedgerEntry, credit_rows)
    _bump_counters(conn, {y: v for y, v in used.items() if v != counters.get(y)})
    fix_sequences(conn)

    pf.payments = payments
    pf.collected = sum(collected.values())
    pf.balance = {lid_: billed[lid_] - collected[lid_] for lid_ in pf.lease_ids}
    return pf


@dataclass(frozen=True)
class PendingStk:
    payment_id: int
    lease_id: int
    amount: int
    phone: str
    checkout_request_id: str
    merchant_request_id: str


def seed_pending_stk(
    conn: Connection, pf: Portfolio, count: int, *, seed: int = 2
) -> list[PendingStk]:
    """`count` pending STK payments spread over the portfolio's leases, already sent to M-Pesa
    (CheckoutRequestID and MerchantRequestID set), as `send_stk_push` leaves them."""
    rng = random.Random(seed)
    payid = _next_id(conn, Payment)
    now = datetime.now(UTC)
    rows, out = [], []
    lease_rows = {
        r.id: r
        for r in conn.execute(select(table(Lease)).where(table(Lease).c.id.in_(pf.lease_ids))).all()
    }
    for k in range(count):
        lease = lease_rows[pf.lease_ids[k % len(pf.lease_ids)]]
        amount = rng.choice((1_000, 2_500, 5_000, lease.rent, lease.rent, lease.rent))
        phone = pf.lease_phone[lease.id]
        checkout = f"ws_CO_{now:%d%m%Y%H%M%S}{payid:010d}"
        merchant = f"{rng.randrange(10_000, 99_999)}-{payid}-1"
        rows.append(
            {
                "id": payid,
                "lease_id": lease.id,
                "property_id": lease.property_id,
                "method": PaymentMethod.STK,
                "status": PaymentStatus.PENDING,
                "amount": amount,
                "phone": phone,
                "account_ref": lease.account_ref,
                "checkout_request_id": checkout,
                "merchant_request_id": merchant,
                "mpesa_receipt": None,
                "trans_id": None,
                "result_code": "",
                "result_desc": "",
                "payer_name": "",
                "reference": "",
                "receipt_no": None,
                "paid_at": None,
                "initiated_by_id": lease.tenant_id,
                "created_at": now,
                "updated_at": now,
            }
        )
        out.append(PendingStk(payid, lease.id, amount, phone, checkout, merchant))
        payid += 1
    bulk_insert(conn, Payment, rows)
    fix_sequences(conn)
    return out
