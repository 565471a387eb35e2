"""The authorisation matrix, continued: leases, the ledger, payments, receipts, reports and
reminders, for every actor of `f.World` (the rules: tests/authz/grid.py).

Each allowed cell checks its effect (or, for scoped lists, the exact scope); each denied cell
raises the expected error, changes nothing even once committed, and its message names no
person, property, account number or amount. Reads and denials of one actor run in one test
(denials change nothing, which each check proves); every allowed write runs in its own test.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
import requests
from sqlmodel import Session, col, select
from starlette.applications import Starlette

from pms_app.api.routes import SESSION_COOKIE, api_routes
from pms_app.core.errors import NotFound, ServiceError
from pms_app.leases import service as leases
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger import roster
from pms_app.ledger import service as ledger
from pms_app.ledger.models import EntryKind, LedgerEntry
from pms_app.payments import (
    exports,
    paybill,
    receipts,
    reminders,
    reports,
    reviews,
    shared,
    statement_import,
    stk,
    suggestions,
)
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.reports import Filters
from tests import factories as f
from tests.asyncio_helpers import settle
from tests.authz import grid
from tests.authz.grid import ACTORS, Action, committed
from tests.http_server import serve

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

# Columns: grid.ACTORS (the tenant holds `lease`, the other tenant `other_lease`).
# Y = allowed (for lists: scoped, see SCOPE), - = denied (NotAuthenticated / NotFound),
# s = refused with a plain ServiceError the UI shows (no lease of one's own to pay for),
# v = refused with a ValidationError. Objects are Sunrise's unless the action is a list.
GRID = """
action              anon pend tnt  otnt staf mgr  own  olan admn deac
read_lease          -    -    Y    -    -    Y    Y    -    Y    -
statement           -    -    Y    -    -    Y    Y    -    Y    -
list_leases         -    -    -    -    -    Y    Y    -    Y    -
read_payment        -    -    Y    -    -    Y    Y    -    Y    -
receipt_pdf         -    -    Y    -    -    Y    Y    -    Y    -
dashboard_sunrise   -    -    -    -    -    Y    Y    -    Y    -
csv_sunrise         -    -    -    -    -    Y    Y    -    Y    -
dashboard           -    -    Y    Y    Y    Y    Y    Y    Y    -
payments_csv        -    -    Y    Y    Y    Y    Y    Y    Y    -
remind_chosen       -    -    -    -    -    Y    Y    -    Y    -
remind_arrears      -    -    Y    Y    Y    Y    Y    Y    Y    -
list_unallocated    -    -    -    -    -    Y    Y    Y    Y    -
tenant_list         -    -    -    -    -    Y    Y    Y    Y    -
unit_list           -    -    -    -    -    Y    Y    Y    Y    -
list_reviews        -    -    -    -    -    Y    Y    Y    Y    -
create_lease        -    -    -    -    -    Y    Y    -    Y    -
end_lease           -    -    -    -    -    Y    Y    -    Y    -
post_adjustment     -    -    -    -    -    Y    Y    -    Y    -
record_payment      -    -    -    -    -    Y    Y    -    Y    -
assign_unallocated  -    -    -    -    -    Y    Y    -    Y    -
accept_suggestion   -    -    -    -    -    Y    Y    -    Y    -
accept_review       -    -    -    -    -    Y    Y    -    Y    -
reject_review       -    -    -    -    -    Y    Y    -    Y    -
start_stk_payment   -    -    Y    Y    s    s    s    s    s    -
import_preview      -    -    -    -    -    Y    Y    Y    Y    -
import_statement    -    -    -    -    -    Y    Y    Y    Y    -
"""

WRITES = {
    "create_lease",
    "end_lease",
    "post_adjustment",
    "record_payment",
    "assign_unallocated",
    "accept_suggestion",
    "accept_review",
    "reject_review",
    "start_stk_payment",
    "import_statement",
}


CELLS = grid.parse_grid(GRID)

# Which side's rows each actor's scoped lists show: "mine" = Sunrise, "theirs" = Zebra.
SCOPE = {
    "tenant": set(),
    "other_tenant": set(),
    "staff": set(),
    "manager": {"mine"},
    "owner": {"mine"},
    "other_landlord": {"theirs"},
    "admin": {"mine", "theirs"},
}
TODAY = f.day("01-20")  # the world's lease started on 1 January, last year (f.day)


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


def _sides(pw: f.PayWorld, mine: object, theirs: object) -> Callable[[str], set[object]]:
    return lambda actor: {mine if s == "mine" else theirs for s in SCOPE[actor]}


# --- checks -----------------------------------------------------------------------------------


def _check_read_lease(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    assert result.id == pw.lease.id  # type: ignore[attr-defined]


def _check_statement(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    st: ledger.Statement = result  # type: ignore[assignment]
    assert [(line.kind, line.charge, line.credit) for line in st.lines] == [
        ("rent", 23_456, 0),
        ("payment", 0, 12_345),
    ]
    assert (st.balance, st.arrears) == (11_111, 11_111)


def _check_list_leases(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    assert [(r.unit_label, r.tenant_name, r.rent, r.balance) for r in result] == [  # type: ignore[attr-defined]
        ("A1", "Tom Tenant", 23_456, 11_111)
    ]


def _check_read_payment(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    assert (result.id, result.amount) == (pw.paid.id, 12_345)  # type: ignore[attr-defined]


def _check_receipt(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    name, pdf = result  # type: ignore[misc]
    assert name == f"receipt-{pw.paid.receipt_no}.pdf"
    assert pdf.startswith(b"%PDF") and (pw.paid.receipt_no or "").encode() in pdf
    assert b"12,345" in pdf and b"Zebra" not in pdf


def _check_dashboard_sunrise(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    dash: reports.Dashboard = result  # type: ignore[assignment]
    assert [r.amount for r in dash.rows] == [12_345] and dash.total_collected == 12_345
    assert [a.lease_id for a in dash.arrears] == [pw.lease.id] and dash.total_arrears == 11_111


def _check_dashboard(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    dash: reports.Dashboard = result  # type: ignore[assignment]
    expected = _sides(pw, pw.paid.receipt_no, pw.other_paid.receipt_no)(actor)
    assert {r.receipt_no for r in dash.rows} == expected
    assert dash.total_count == len(expected)
    assert {a.lease_id for a in dash.arrears} == _sides(pw, pw.lease.id, pw.other_lease.id)(actor)


def _csv_receipts(result: object) -> set[str]:
    rows = list(csv.reader(io.StringIO(result)))  # type: ignore[arg-type]
    assert rows[0][1] == "receipt_no"
    return {r[1] for r in rows[1:]}


def _check_csv_sunrise(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    assert _csv_receipts(result) == {pw.paid.receipt_no}


def _check_csv(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    expected = _sides(pw, pw.paid.receipt_no, pw.other_paid.receipt_no)(actor)
    assert _csv_receipts(result) == expected


def _check_remind_chosen(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    assert result == [pw.lease.id]


def _check_remind_arrears(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    assert set(result) == _sides(pw, pw.lease.id, pw.other_lease.id)(actor)  # type: ignore[call-overload]


def _check_unallocated(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    expected = _sides(pw, pw.unallocated.id, pw.other_unallocated.id)(actor)
    assert {p.id for p in result} == expected  # type: ignore[attr-defined]


def _check_tenant_list(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    expected = _sides(pw, pw.lease.id, pw.other_lease.id)(actor)
    assert {r.lease_id for r in result.rows} == expected  # type: ignore[attr-defined]
    mine = [r for r in result.rows if r.lease_id == pw.lease.id]  # type: ignore[attr-defined]
    assert all(r.balance == 11_111 for r in mine)


def _check_unit_list(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    occupied = {r.lease_id for r in result.rows if r.lease_id}  # type: ignore[attr-defined]
    assert occupied == _sides(pw, pw.lease.id, pw.other_lease.id)(actor)


def _check_reviews(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    # Only Sunrise has a payment waiting for review; Zebra's landlord sees an empty list.
    expected = {pw.review.id} if "mine" in SCOPE[actor] else set()
    assert {p.id for p in result} == expected  # type: ignore[attr-defined]


def _actor_id(pw: f.PayWorld, actor: str) -> int:
    user = pw.w.actor(actor)
    assert user is not None and user.id is not None
    return user.id


def _check_create_lease(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        lease = c.exec(select(Lease).where(Lease.unit_id == pw.w.unit(c, "A3").id)).one()
        assert (lease.tenant_id, lease.rent, lease.created_by_id) == (
            pw.w.tenant.id,
            20_000,
            _actor_id(pw, actor),
        )
        assert ledger.balance(c, lease.id or 0) == 20_000


def _check_end_lease(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        lease = c.get(Lease, pw.lease.id)
        assert lease is not None
        assert (lease.status, lease.ended_on) == (LeaseStatus.ENDED, f.day("01-31"))


def _new_entries(s: Session, pw: f.PayWorld) -> list[LedgerEntry]:
    with committed(s) as c:
        rows = c.exec(
            select(LedgerEntry)
            .where(LedgerEntry.lease_id == pw.lease.id)
            .order_by(col(LedgerEntry.id))
        ).all()
    return list(rows[2:])  # after the rent and the paid STK payment


def _check_adjustment(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    [entry] = _new_entries(s, pw)
    assert (entry.kind, entry.amount, entry.description, entry.created_by_id) == (
        EntryKind.ADJUSTMENT,
        -500,
        "Credit: Goodwill",
        _actor_id(pw, actor),
    )


def _check_record_payment(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    [entry] = _new_entries(s, pw)
    assert (entry.kind, entry.amount, entry.due_date) == (
        EntryKind.PAYMENT,
        -1_000,
        f.day("01-10"),
    )
    with committed(s) as c:
        payment = c.get(Payment, entry.payment_id)
        assert payment is not None and payment.status == PaymentStatus.PAID
        assert payment.initiated_by_id == _actor_id(pw, actor) and payment.receipt_no
    f.assert_ledger_exact(s, pw.lease.id or 0)


def _check_assign(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    [entry] = _new_entries(s, pw)
    assert (entry.amount, entry.payment_id) == (-7_777, pw.unallocated.id)
    with committed(s) as c:
        payment = c.get(Payment, pw.unallocated.id)
        assert payment is not None
        assert (payment.status, payment.lease_id) == (PaymentStatus.PAID, pw.lease.id)
    f.assert_ledger_exact(s, pw.lease.id or 0)


def _check_accept_review(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    [entry] = _new_entries(s, pw)
    assert (entry.amount, entry.payment_id) == (-11_111, pw.review.id)
    f.assert_ledger_exact(s, pw.lease.id or 0)


def _check_reject_review(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    assert _new_entries(s, pw) == []
    with committed(s) as c:
        payment = c.get(Payment, pw.review.id)
        assert payment is not None and payment.status == PaymentStatus.FAILED
    f.assert_ledger_exact(s, pw.lease.id or 0)


def _check_start_stk(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    own_lease = pw.lease if actor == "tenant" else pw.other_lease
    with committed(s) as c:
        payment = c.get(Payment, result.id)  # type: ignore[attr-defined]
        assert payment is not None
        assert (payment.lease_id, payment.status, payment.amount, payment.account_ref) == (
            own_lease.id,
            PaymentStatus.PENDING,
            100,
            own_lease.account_ref,
        )


def _sunrise(pw: f.PayWorld) -> Filters:
    return Filters(property_id=pw.w.prop.id)


def _statement(pw: f.PayWorld) -> bytes:
    """An M-PESA portal export with one lost confirmation for each side (#11.8)."""
    head = "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Other Party Info,A/C No."
    return "\n".join(
        [
            "Short Code:,174379",
            head,
            f'QAMINE0001,02-01-{f.last_year()} 10:00:00,Pay Bill,Completed,"1,000.00",,2547 ***** 000 - TOM,{pw.lease.account_ref}',
            f'QATHEIRS01,02-01-{f.last_year()} 11:00:00,Pay Bill,Completed,"2,000.00",,2547 ***** 111 - ANN,{pw.other_lease.account_ref}',
        ]
    ).encode()


_IMPORT_RECEIPTS = {"mine": "QAMINE0001", "theirs": "QATHEIRS01"}


def _check_import_preview(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    expected = {_IMPORT_RECEIPTS[side] for side in SCOPE[actor]}
    assert {ln.receipt for ln in result.missing} == expected  # type: ignore[attr-defined]


def _check_import(s: Session, pw: f.PayWorld, actor: str, result: object) -> None:
    expected = {_IMPORT_RECEIPTS[side] for side in SCOPE[actor]}
    with committed(s) as c:
        rows = c.exec(
            select(Payment).where(col(Payment.trans_id).in_(list(_IMPORT_RECEIPTS.values())))
        ).all()
    assert {p.trans_id for p in rows} == expected
    assert all(p.status == PaymentStatus.PAID for p in rows)
    f.assert_ledger_exact(s, pw.lease.id)
    f.assert_ledger_exact(s, pw.other_lease.id)


ACTIONS: dict[str, Action[f.PayWorld]] = {
    "read_lease": Action(
        lambda s, pw, a: leases.get_readable_lease(s, a, pw.lease.id or 0), _check_read_lease
    ),
    "statement": Action(
        lambda s, pw, a: ledger.statement(
            s, leases.get_readable_lease(s, a, pw.lease.id or 0).id or 0, TODAY
        ),
        _check_statement,
    ),
    "list_leases": Action(
        lambda s, pw, a: ledger.list_leases(s, a, pw.w.prop.id or 0), _check_list_leases
    ),
    "read_payment": Action(
        lambda s, pw, a: shared.get_visible_payment(s, a, pw.paid.id or 0), _check_read_payment
    ),
    "receipt_pdf": Action(
        lambda s, pw, a: receipts.receipt_pdf(s, a, pw.paid.id or 0), _check_receipt
    ),
    "dashboard_sunrise": Action(
        lambda s, pw, a: reports.dashboard(s, a, _sunrise(pw), TODAY), _check_dashboard_sunrise
    ),
    "csv_sunrise": Action(
        lambda s, pw, a: exports.payments_csv(s, a, _sunrise(pw)), _check_csv_sunrise
    ),
    "dashboard": Action(
        lambda s, pw, a: reports.dashboard(s, a, Filters(), TODAY), _check_dashboard
    ),
    "payments_csv": Action(lambda s, pw, a: exports.payments_csv(s, a, Filters()), _check_csv),
    "remind_chosen": Action(
        lambda s, pw, a: reminders.reminder_targets(s, a, [pw.lease.id or 0], False, TODAY),
        _check_remind_chosen,
    ),
    "remind_arrears": Action(
        lambda s, pw, a: reminders.reminder_targets(s, a, None, True, TODAY),
        _check_remind_arrears,
    ),
    "list_unallocated": Action(
        lambda s, pw, a: paybill.visible_unallocated(s, a), _check_unallocated
    ),
    "list_reviews": Action(lambda s, pw, a: reviews.visible_reviews(s, a), _check_reviews),
    "unit_list": Action(lambda s, pw, a: roster.unit_list(s, a), _check_unit_list),
    "tenant_list": Action(
        lambda s, pw, a: roster.tenant_list(s, a, TODAY, active_only=True), _check_tenant_list
    ),
    "create_lease": Action(
        lambda s, pw, a: leases.create_lease(
            s,
            a,
            pw.w.unit(s, "A3").id,
            pw.w.tenant.id,
            "20,000",
            "",
            1,
            f.iso("01-01"),
            today=f.day("01-01"),
        ),
        _check_create_lease,
    ),
    "end_lease": Action(
        lambda s, pw, a: leases.end_lease(s, a, pw.lease.id or 0, f.iso("01-31")), _check_end_lease
    ),
    "post_adjustment": Action(
        lambda s, pw, a: ledger.post_adjustment(
            s, a, pw.lease.id or 0, 500, "credit", "Goodwill", f.iso("01-15")
        ),
        _check_adjustment,
    ),
    "record_payment": Action(
        lambda s, pw, a: reviews.record_manual_payment(
            s, a, pw.lease.id or 0, "1,000", "cash", f.iso("01-10"), "slip 7"
        ),
        _check_record_payment,
    ),
    "assign_unallocated": Action(
        lambda s, pw, a: paybill.assign_unallocated(s, a, pw.unallocated.id or 0, pw.lease.id or 0),
        _check_assign,
    ),
    # The one-click yes to the lease suggested for queued money (the payer's name is Tom
    # Tenant's): the same people as assigning it by hand (#11.2).
    "accept_suggestion": Action(
        lambda s, pw, a: suggestions.accept_suggestion(
            s, a, pw.unallocated.id or 0, pw.lease.id or 0
        ),
        _check_assign,
    ),
    "accept_review": Action(
        lambda s, pw, a: reviews.resolve_review(s, a, pw.review.id or 0, True),
        _check_accept_review,
    ),
    "reject_review": Action(
        lambda s, pw, a: reviews.resolve_review(s, a, pw.review.id or 0, False),
        _check_reject_review,
    ),
    "start_stk_payment": Action(
        lambda s, pw, a: stk.start_stk_payment(s, a, 100, "0712345678"), _check_start_stk
    ),
    # Statement import (#11.8): each landlord's lines only; the import trusts the file no more
    # than assigning queued money by hand.
    "import_preview": Action(
        lambda s, pw, a: statement_import.preview(s, a, _statement(pw), "statement.csv"),
        _check_import_preview,
    ),
    "import_statement": Action(
        lambda s, pw, a: statement_import.apply(s, a, _statement(pw), "statement.csv"),
        _check_import,
    ),
}


def test_the_grid_covers_every_action_and_actor() -> None:
    grid.check_covers(CELLS, ACTIONS, {"Y", "-", "s", "v"})
    assert WRITES.issubset(ACTIONS)
    for action, row in CELLS.items():  # scoped lists: an entry in SCOPE for each allowed actor
        if action in {
            "dashboard",
            "payments_csv",
            "remind_arrears",
            "list_unallocated",
            "list_reviews",
            "tenant_list",
            "unit_list",
        }:
            assert {a for a, cell in row.items() if cell == "Y"} <= set(SCOPE)


def _secrets(session: Session, pw: f.PayWorld) -> list[str]:
    """What a denial message must never contain."""
    with committed(session) as c:
        pays = c.exec(select(Payment)).all()
    refs = [p.account_ref for p in pays] + [p.receipt_no or "" for p in pays]
    refs += [p.mpesa_receipt or "" for p in pays]
    amounts = [str(a) for a in pw.AMOUNTS] + [f"{a:,}" for a in pw.AMOUNTS]
    return [
        x
        for x in (
            grid.people_and_places(session)
            + refs
            + amounts
            + [pw.lease.account_ref, pw.other_lease.account_ref]
        )
        if x
    ]


def assert_denied_quietly(
    session: Session,
    pw: f.PayWorld,
    run: Callable[[], object],
    expected: type[ServiceError],
    what: str,
) -> None:
    grid.assert_denied_quietly(session, run, expected, what, _secrets(session, pw))


@pytest.mark.parametrize("actor", list(ACTORS.values()))
def test_reads_and_denials(session: Session, actor: str) -> None:
    """Every read this actor may do (exactly scoped, writing nothing), and every call it may
    not (denied quietly). Allowed writes are in test_allowed_writes."""
    pw = f.pay_world(session)
    grid.run_reads_and_denials(
        session,
        pw,
        CELLS,
        ACTIONS,
        WRITES,
        actor,
        pw.w.actor(actor),
        secrets=lambda: _secrets(session, pw),
    )


ALLOWED_WRITES = grid.allowed(CELLS, WRITES)


@pytest.mark.parametrize(
    ("actor", "action"), ALLOWED_WRITES, ids=[f"{b}-{a}" for a, b in ALLOWED_WRITES]
)
def test_allowed_writes(session: Session, actor: str, action: str, tasks: f.TaskLog) -> None:
    pw = f.pay_world(session)
    result = grid.run_allowed(session, pw, ACTIONS[action], actor, pw.w.actor(actor), read=False)
    if action == "start_stk_payment":
        assert tasks.named("send_stk_push") == [(result.id,)]  # type: ignore[attr-defined]
    else:
        assert tasks.named("send_stk_push") == []


def test_assigning_or_resolving_twice_fails(session: Session) -> None:
    pw = f.pay_world(session)
    paybill.assign_unallocated(session, pw.w.manager, pw.unallocated.id or 0, pw.lease.id or 0)
    reviews.resolve_review(session, pw.w.owner, pw.review.id or 0, True)
    balance = ledger.balance(session, pw.lease.id or 0)
    for again in (
        lambda: paybill.assign_unallocated(
            session, pw.w.owner, pw.unallocated.id or 0, pw.lease.id or 0
        ),
        lambda: reviews.resolve_review(session, pw.w.manager, pw.review.id or 0, True),
        lambda: reviews.resolve_review(session, pw.w.manager, pw.review.id or 0, False),
    ):
        with pytest.raises(ServiceError):
            again()
        session.rollback()
    assert ledger.balance(session, pw.lease.id or 0) == balance == 23_456 - 12_345 - 7_777 - 11_111
    f.assert_ledger_exact(session, pw.lease.id or 0)
    # Nobody can move a paybill payment onto a lease they don't manage.
    assert_denied_quietly(
        session,
        pw,
        lambda: paybill.assign_unallocated(
            session, pw.w.other_landlord, pw.other_unallocated.id or 0, pw.lease.id or 0
        ),
        NotFound,
        "assign onto someone else's lease",
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda s, a, pw, ids: leases.get_readable_lease(s, a, ids[0]),
        lambda s, a, pw, ids: leases.end_lease(s, a, ids[0], f.iso("01-31")),
        lambda s, a, pw, ids: ledger.post_adjustment(s, a, ids[0], 5, "debit", "x"),
        lambda s, a, pw, ids: reviews.record_manual_payment(
            s, a, ids[0], 5, "cash", f.iso("01-02")
        ),
        lambda s, a, pw, ids: shared.get_visible_payment(s, a, ids[1]),
        lambda s, a, pw, ids: receipts.receipt_pdf(s, a, ids[1]),
        lambda s, a, pw, ids: reviews.resolve_review(s, a, ids[2], True),
        lambda s, a, pw, ids: paybill.assign_unallocated(s, a, ids[3], pw.other_lease.id),
        lambda s, a, pw, ids: suggestions.accept_suggestion(s, a, ids[3], pw.other_lease.id),
        lambda s, a, pw, ids: reminders.reminder_targets(s, a, [ids[0]], False, TODAY),
    ],
    ids=[
        "read_lease",
        "end_lease",
        "post_adjustment",
        "record_payment",
        "read_payment",
        "receipt_pdf",
        "resolve_review",
        "assign_unallocated",
        "accept_suggestion",
        "remind",
    ],
)
def test_someone_elses_object_looks_exactly_like_a_missing_one(
    session: Session, call: Callable[..., object]
) -> None:
    pw = f.pay_world(session)
    real = (pw.lease.id, pw.paid.id, pw.review.id, pw.unallocated.id)
    made_up = (987_654, 987_655, 987_656, 987_657)
    with pytest.raises(NotFound) as theirs:
        call(session, pw.w.other_landlord, pw, real)
    session.rollback()
    with pytest.raises(NotFound) as missing:
        call(session, pw.w.other_landlord, pw, made_up)
    assert (theirs.value.message, theirs.value.field) == (
        missing.value.message,
        missing.value.field,
    )


# --- the receipt download, over HTTP ----------------------------------------------------------


def test_receipt_download_needs_the_right_session_cookie(session: Session) -> None:
    pw = f.pay_world(session)
    w = pw.w
    people = ("tenant", "owner", "other_tenant", "staff", "other_landlord")
    cookie = {who: f.login_token(session, getattr(w, who)) for who in people}

    with serve(Starlette(routes=api_routes())) as base:

        def get(payment_id: object, who: str | None = None, raw: str | None = None) -> object:
            jar = {SESSION_COOKIE: raw if raw is not None else cookie[who]} if (who or raw) else {}
            return requests.get(f"{base}/api/receipts/{payment_id}.pdf", cookies=jar, timeout=10)

        missing = get(987_654, "owner")
        assert missing.status_code == 404  # type: ignore[attr-defined]
        for who, raw in [
            (None, None),
            (None, "not-a-session"),
            (None, "x" * 200),
            ("other_tenant", None),
            ("other_landlord", None),
            ("staff", None),
        ]:
            denied = get(pw.paid.id, who, raw)
            assert denied.status_code == 404, (who, raw)  # type: ignore[attr-defined]
            assert denied.content == missing.content  # type: ignore[attr-defined]
            assert b"%PDF" not in denied.content  # type: ignore[attr-defined]
        for path in ("abc", "-1", "1e3", "0" * 13):
            assert get(path, "owner").status_code == 404, path  # type: ignore[attr-defined]
        assert get(pw.review.id, "owner").status_code == 404  # not paid: no receipt

        for who in ("tenant", "owner"):
            ok = get(pw.paid.id, who)
            assert ok.status_code == 200, who  # type: ignore[attr-defined]
            headers = ok.headers  # type: ignore[attr-defined]
            assert headers["content-type"] == "application/pdf"
            assert headers["content-disposition"] == (
                f'attachment; filename="receipt-{pw.paid.receipt_no}.pdf"'
            )
            assert headers["cache-control"] == "private, no-store"
            assert headers["x-content-type-options"] == "nosniff"
            assert ok.content.startswith(b"%PDF")  # type: ignore[attr-defined]
            assert (pw.paid.receipt_no or "").encode() in ok.content  # type: ignore[attr-defined]
        # The other landlord gets his own receipts, so the 404 above is not a broken route.
        assert get(pw.other_paid.id, "other_landlord").status_code == 200  # type: ignore[attr-defined]
        assert get(pw.other_paid.id, "tenant").status_code == 404  # type: ignore[attr-defined]


# --- the review queue's handler, called as any client could ------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("rival", "review", True),
        ("rival", "review", False),
        ("tenant", "review", True),
        ("anonymous", "review", True),
        ("owner", None, True),
        ("owner", "1; DROP TABLE payments", True),
        ("owner", ["x"], True),
        ("owner", "review", "yes"),  # only a real True credits; anything else is a rejection
    ],
)
def test_review_handler_refuses_foreign_callers_and_malformed_arguments(
    session: Session, args: tuple[str, object, object]
) -> None:
    from pms_app.ui.payments.payments import PaymentsState

    who, target, accept = args
    pw = f.pay_world(session)
    tokens = {
        "rival": f.login_token(session, pw.w.other_landlord),
        "tenant": f.login_token(session, pw.w.tenant),
        "owner": f.login_token(session, pw.w.owner),
        "anonymous": "",
    }
    st = f.state_for(PaymentsState, tokens[who])
    before = f.db_snapshot(session)
    settle(st.resolve(pw.review.id if target == "review" else target, accept))
    if who == "owner" and target == "review":  # "yes" is not True: rejected, nothing credited
        assert st.notice == "Payment rejected: nothing was credited." and st.error == ""
        session.expire_all()
        assert session.get(Payment, pw.review.id).status == PaymentStatus.FAILED  # type: ignore[union-attr]
        return
    assert st.error and st.notice == ""
    assert "11,111" not in st.error and "Sunrise" not in st.error
    assert f.db_snapshot(session) == before
    assert st.reviews == [] or who == "owner"


def test_review_handler_credits_for_the_owner(session: Session) -> None:
    from pms_app.ui.payments.payments import PaymentsState

    pw = f.pay_world(session)
    st = f.state_for(PaymentsState, f.login_token(session, pw.w.owner))
    settle(st.load())
    assert [r["id"] for r in st.reviews] == [pw.review.id]
    settle(st.resolve(pw.review.id, True))
    assert st.error == "" and st.notice.startswith("KES 11,111 credited, receipt RCP-")
    assert st.reviews == []
    session.expire_all()
    assert session.get(Payment, pw.review.id).status == PaymentStatus.PAID  # type: ignore[union-attr]


# --- paybill money that points at no property --------------------------------------------------


def test_money_for_no_property_is_only_the_admins(session: Session) -> None:
    """Paybill money whose account number names no property is nobody's to claim: not even the
    install's only landlord sees it (another may sign up tomorrow); the admins sort it out."""
    from pms_app.properties.audience import property_audience

    lease = f.lease(session, rent=10_000, due_day=1)
    owner = f.owner_of(session, lease)
    stray = f.c2b_payment(session, "NOBODY-12", 1_234)
    assert stray.status == PaymentStatus.UNALLOCATED and stray.property_id is None

    admin = f.admin_user(session)
    assert paybill.visible_unallocated(session, owner) == []
    assert property_audience(session, None) == {admin.id}
    with pytest.raises(NotFound):
        paybill.assign_unallocated(session, owner, stray.id or 0, lease.id or 0)
    session.rollback()
    rival = f.landlord(session)
    assert paybill.visible_unallocated(session, rival) == []
    assert [p.id for p in paybill.visible_unallocated(session, admin)] == [stray.id]
    done = paybill.assign_unallocated(session, admin, stray.id or 0, lease.id or 0)
    assert done.status == PaymentStatus.PAID and done.lease_id == lease.id
    f.assert_ledger_exact(session, lease.id or 0)
