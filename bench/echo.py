"""bench/callbacks.py --echo: every STK payment also arrives as its paybill confirmation (the
STK echo, daraja.md), posted in random order; and the checks that the money is credited once."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from bench.seed import PendingStk, table
from pms_app.payments.models import Payment

NAIROBI = timezone(timedelta(hours=3))


def echo_body(p: PendingStk, account_ref: str, receipt: str, when: datetime) -> bytes:
    """The paybill confirmation of the same money (daraja.md, "The STK echo")."""
    return json.dumps(
        {
            "TransactionType": "Pay Bill",
            "TransID": receipt,
            "TransTime": when.astimezone(NAIROBI).strftime("%Y%m%d%H%M%S"),
            "TransAmount": f"{p.amount}.00",
            "BusinessShortCode": "174379",
            "BillRefNumber": account_ref,
            "InvoiceNumber": "",
            "OrgAccountBalance": "",
            "ThirdPartyTransID": "",
            "MSISDN": f"{p.phone[:4]} ***** {p.phone[-3:]}",
            "FirstName": "Bench",
            "MiddleName": "",
            "LastName": "",
        },
        separators=(",", ":"),
    ).encode()


def with_echoes(order: list[PendingStk], seed: int) -> list[tuple[str, PendingStk]]:
    """The STK posting order with each payment's paybill echo added: half beside its first STK
    callback (before or after it: they race), half anywhere."""
    rng = random.Random(seed)
    out: list[tuple[str, PendingStk]] = [("stk", p) for p in order]
    seen: set[int] = set()
    unique = [p for p in order if not (p.payment_id in seen or seen.add(p.payment_id))]
    for k, p in enumerate(unique):
        first = next(i for i, (_, q) in enumerate(out) if q is p)
        place = first + rng.randrange(2) if k % 2 == 0 else rng.randrange(len(out) + 1)
        out.insert(place, ("echo", p))
    return out


def conn_count(engine: Engine, before: int) -> int:
    """Ledger rows written since `before` rows were counted."""
    with engine.connect() as conn:
        total = int(conn.execute(text("SELECT COUNT(*) FROM ledger_entries")).scalar_one())
    return total - before


def double_credits(problems: list[str]) -> int:
    """How many double credits the exactly-once check found (0: none)."""
    found = 0
    for line in problems:
        if line.startswith("DOUBLE CREDITS"):
            words = line.replace(":", " ").split()
            found += next((int(w) for w in words if w.isdigit()), 0)
    return found


def account_refs(engine: Engine, ids: list[int]) -> dict[int, str]:
    pay = table(Payment)
    with engine.connect() as conn:
        rows = conn.execute(select(pay.c.id, pay.c.account_ref).where(pay.c.id.in_(ids))).all()
    return {int(i): ref for i, ref in rows}


def swapped_receipts(rows: list, pending: list[PendingStk], receipt_for: object) -> int:
    """Rows whose receipt is not their own and not a sibling's either: two prompts of one lease
    for the same amount are interchangeable (the echo of one may be taken for the other; each
    still holds one receipt), so receipts are compared per lease and amount."""
    want: Counter[tuple[int, int, str]] = Counter()
    got: Counter[tuple[int, int, str]] = Counter()
    by_id = {p.payment_id: p for p in pending}
    for p in pending:
        want[(p.lease_id, p.amount, receipt_for(p))] += 1  # type: ignore[operator]
    for r in rows:
        p = by_id[r.id]
        got[(p.lease_id, p.amount, r.mpesa_receipt or "")] += 1
    return sum((want - got).values())
