"""Statement import (#11.8): a real-shaped M-PESA org portal export (preamble lines, "1,500.00",
day-first and ISO times, a repeated line, withdrawals and charges, a failed line, another
landlord's account, an unknown account) previewed in groups, then applied once: missing lines
credited like paybill money, unknown ones queued, re-importing a no-op; scoped to the
importer's properties."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.models import AuditEvent
from pms_app.ledger import service as ledger
from pms_app.ledger.models import LedgerEntry
from pms_app.payments import statement_import as si
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.statement_file import amount, completion_time, read_statement
from tests import factories as f
from tests.factories.clock import last_year

pytestmark = pytest.mark.dates

FIXTURE = Path(__file__).parents[2] / "fixtures" / "mpesa_statement.csv"


def statement(shortcode: str = "174379") -> bytes:
    text = FIXTURE.read_text().replace("{Y}", str(last_year()))
    return text.replace("Short Code:,174379", f"Short Code:,{shortcode}").encode()


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


@pytest.fixture
def pw(session: Session) -> f.PayWorld:
    world = f.pay_world(session)
    f.c2b_payment(session, "SUN-A1", 5_000, trans_id="QKC1PAYBL1")  # a paybill already here
    return world


def receipts(lines: tuple[si.PreviewLine, ...]) -> list[str]:
    return [ln.receipt for ln in lines]


def test_parsing_amounts_and_times() -> None:
    assert amount("1,500.00") == 1500 and amount("") == 0 and amount("-200.00") == 200
    assert amount("12.50") is None and amount("abc") is None
    t = completion_time("04-12-2026 14:03:22")
    assert t is not None and (t.day, t.hour) == (4, 11)  # Nairobi is UTC+3
    assert completion_time("2026-12-04T14:03:22") == t
    assert completion_time("yesterday") is None
    parsed = read_statement(statement(), "statement.csv")
    assert parsed.shortcode == "174379" and len(parsed.lines) == 11
    first = parsed.lines[0]
    assert (first.receipt, first.paid_in, first.account) == ("SKPAID0001", 12_345, "SUN-A1")
    assert (first.msisdn, first.payer) == ("2547 ***** 000", "TOM TENANT")


def test_not_a_statement_is_refused_beside_the_file_field() -> None:
    for data, name in [
        (b"", "s.csv"),
        (b"%PDF-1.4 ...", "s.pdf"),
        (b"a,b\n1,2\n", "s.csv"),
        (b"PK\x03\x04garbage", "s.xlsx"),
    ]:
        with pytest.raises(ValidationError) as err:
            read_statement(data, name)
        assert err.value.field == "file"


def test_preview_groups_for_the_landlord(session: Session, pw: f.PayWorld) -> None:
    before = session.exec(select(func.count()).select_from(Payment)).one()
    p = si.preview(session, pw.w.owner, statement(), "statement.csv")
    assert receipts(p.matched) == ["SKPAID0001", "QKC1PAYBL1"]
    assert receipts(p.missing) == ["QKD2MISS01", "QKD9ISO001"]
    assert {ln.lease_id for ln in p.missing} == {pw.lease.id}
    assert receipts(p.unknown) == ["QKD3UNKN01"]
    reasons = {ln.receipt: ln.reason for ln in p.ignored}
    assert reasons == {
        "QKD2MISS01": si.REPEATED,
        "QKD4ZEB001": si.OTHER_ACCOUNT,  # Zebra Towers is another landlord's
        "QKD5NOPRE1": si.OTHER_ACCOUNT,  # no property's prefix: an admin's to place
        "QKD6WDRW01": si.WITHDRAWAL,
        "QKD7CHRG01": si.WITHDRAWAL,
        "QKD8FAIL01": si.NOT_COMPLETED,
    }
    assert p.period is not None and p.period[0] < p.period[1]
    assert session.exec(select(func.count()).select_from(Payment)).one() == before


def test_preview_for_the_admin_and_the_other_landlord(session: Session, pw: f.PayWorld) -> None:
    admin = si.preview(session, pw.w.admin, statement(), "statement.csv")
    assert receipts(admin.missing) == ["QKD2MISS01", "QKD4ZEB001", "QKD9ISO001"]
    assert receipts(admin.unknown) == ["QKD3UNKN01", "QKD5NOPRE1"]
    other = si.preview(session, pw.w.other_landlord, statement(), "statement.csv")
    assert receipts(other.missing) == ["QKD4ZEB001"] and not other.matched and not other.unknown


def test_another_shortcode_is_ignored_and_said_so(session: Session, pw: f.PayWorld) -> None:
    p = si.preview(session, pw.w.owner, statement("600999"), "statement.csv")
    assert not p.matched and not p.missing and not p.unknown
    assert {ln.reason for ln in p.ignored} >= {si.OTHER_SHORTCODE}


def test_xlsx_reads_like_the_csv(session: Session, pw: f.PayWorld) -> None:
    import csv

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(statement().decode())):
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    xlsx = si.preview(session, pw.w.owner, buf.getvalue(), "statement.xlsx")
    csv_ = si.preview(session, pw.w.owner, statement(), "statement.csv")
    assert receipts(xlsx.missing) == receipts(csv_.missing)
    assert receipts(xlsx.unknown) == receipts(csv_.unknown)
    assert len(xlsx.ignored) == len(csv_.ignored)


def test_apply_credits_once_and_reimport_changes_nothing(session: Session, pw: f.PayWorld) -> None:
    owed = ledger.balance(session, pw.lease.id)
    data = statement()
    token = si.preview(session, pw.w.owner, data, "statement.csv").token
    seen: list[tuple[int, int]] = []
    result = si.apply(
        session, pw.w.owner, data, "statement.csv", token, progress=lambda *a: seen.append(a)
    )
    assert (result.credited, result.queued, result.already, result.ignored) == (2, 1, 2, 6)
    assert seen[-1] == (3, 3)
    assert ledger.balance(session, pw.lease.id) == owed - 23_456 - 1_500
    f.assert_ledger_exact(session, pw.lease.id)
    credited = session.exec(select(Payment).where(Payment.trans_id == "QKD2MISS01")).one()
    assert credited.status == PaymentStatus.PAID and credited.receipt_no
    assert (
        credited.paid_at is not None and credited.paid_at.date().month == 12
    )  # the statement's day
    queued = session.exec(select(Payment).where(Payment.trans_id == "QKD3UNKN01")).one()
    assert queued.status == PaymentStatus.UNALLOCATED and queued.property_id == pw.w.prop.id
    assert session.exec(select(Payment).where(Payment.trans_id == "QKD4ZEB001")).first() is None

    counts = (
        session.exec(select(func.count()).select_from(Payment)).one(),
        session.exec(select(func.count()).select_from(LedgerEntry)).one(),
    )
    again = si.apply(session, pw.w.owner, data, "statement.csv")
    assert (again.credited, again.queued, again.already) == (0, 0, 5)
    assert counts == (
        session.exec(select(func.count()).select_from(Payment)).one(),
        session.exec(select(func.count()).select_from(LedgerEntry)).one(),
    )
    f.assert_ledger_exact(session, pw.lease.id)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.object_type == "mpesa_statement")
    ).all()
    assert [e.after["credited"] for e in events] == [2, 0]
    assert {e.actor_user_id for e in events} == {pw.w.owner.id}


def test_a_live_confirmation_after_the_import_credits_nothing_more(
    session: Session, pw: f.PayWorld
) -> None:
    si.apply(session, pw.w.manager, statement(), "statement.csv")
    late = f.c2b_payment(session, "SUN-A1", 23_456, trans_id="QKD2MISS01")
    assert late.trans_id == "QKD2MISS01"
    f.assert_ledger_exact(session, pw.lease.id)


def test_a_changed_file_is_not_applied(session: Session, pw: f.PayWorld) -> None:
    token = si.preview(session, pw.w.owner, statement(), "statement.csv").token
    with pytest.raises(ServiceError):
        si.apply(session, pw.w.owner, statement() + b"\n", "statement.csv", token)


@pytest.mark.parametrize("who", ["tenant", "staff", "pending", "deactivated", "anonymous"])
def test_who_may_not_import(session: Session, pw: f.PayWorld, who: str) -> None:
    actor = pw.w.actor(who)
    with pytest.raises(ServiceError):
        si.preview(session, actor, statement(), "statement.csv")
    with pytest.raises(ServiceError):
        si.apply(session, actor, statement(), "statement.csv")
    assert session.exec(select(Payment).where(Payment.trans_id == "QKD2MISS01")).first() is None


def test_not_found_for_a_tenant(session: Session, pw: f.PayWorld) -> None:
    with pytest.raises(NotFound):
        si.preview(session, pw.w.tenant, statement(), "statement.csv")
