"""Production M-Pesa without HTTP (#11.1–3): the paybill echo of an STK payment credits once in
either order; account numbers as payers type them; masked phone numbers. On SQLite and
PostgreSQL (the `session` fixture); every scenario ends with the ledger exact."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from pms_app.integrations.daraja_wire import StkQueryResult, parse_c2b, parse_stk_callback
from pms_app.ledger import service as ledger
from pms_app.payments import callbacks, paybill, reviews, stk
from pms_app.payments.matching import ECHO_RECORDED, compare_phones, phones_agree
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from tests import factories as f

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

RENT = 10_000
PHONE = "254712345678"


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


def _stk(session: Session, p: Payment, receipt: str, **changes: object) -> str:
    body = f.callback_for(p, 0, receipt=receipt, **changes)
    return callbacks.process_stk_callback(session, parse_stk_callback(body))


def _echo(session: Session, p: Payment, receipt: str, **body: str) -> Payment:
    return paybill.process_c2b_confirmation(session, parse_c2b({**f.echo_body(p, receipt), **body}))


def _payments(session: Session) -> list[Payment]:
    session.expire_all()
    return list(session.exec(select(Payment).order_by(Payment.id)).all())


def _fresh(session: Session, p: Payment) -> Payment:
    session.expire_all()
    got = session.get(Payment, p.id)
    assert got is not None
    return got


def _paid_once(session: Session, lease_id: int, amount: int) -> None:
    assert ledger.balance(session, lease_id) == RENT - amount
    f.assert_ledger_exact(session, lease_id)


class FakeDaraja:
    def __init__(self, answers: dict[str, StkQueryResult]) -> None:
        self.answers = answers

    def stk_query(self, checkout_request_id: str) -> StkQueryResult:
        return self.answers[checkout_request_id]


# --- 1. one payment, one credit ----------------------------------------------------------------


def test_stk_callback_then_its_paybill_echo_credits_once(session: Session) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=4_000, phone=PHONE)
    assert _stk(session, p, "SKECHO0001") == "paid"
    for _ in range(2):  # the echo, and a repeat of it
        echoed = _echo(session, p, "SKECHO0001")
        assert echoed.id == p.id
    [only] = _payments(session)
    assert (only.status, only.mpesa_receipt, only.method) == ("paid", "SKECHO0001", "mpesa_stk")
    _paid_once(session, lease.id or 0, 4_000)


def test_the_echo_first_credits_the_stk_payment_and_its_callback_changes_nothing(
    session: Session,
) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=4_000, phone=PHONE)
    echoed = _echo(session, p, "SKECHO0002")
    assert echoed.id == p.id
    now = _fresh(session, p)
    assert (now.status, now.mpesa_receipt, now.trans_id) == ("paid", "SKECHO0002", "SKECHO0002")
    assert now.receipt_no
    assert _stk(session, p, "SKECHO0002") == "ignored"
    assert _stk(session, p, "SKECHO0002") == "ignored"  # a duplicated callback too
    [only] = _payments(session)
    assert only.status == PaymentStatus.PAID
    # Nothing waits for review that a manager could credit a second time.
    assert reviews.visible_reviews(session, f.owner_of(session, lease)) == []
    assert paybill.visible_unallocated(session, f.owner_of(session, lease)) == []
    _paid_once(session, lease.id or 0, 4_000)


def test_an_echo_no_payment_was_waiting_for_closes_the_stk_payment_when_it_reports(
    session: Session,
) -> None:
    """Pushed long ago (outside the echo window): the echo is recorded as a paybill payment of
    its own; the STK callback that follows finds its receipt there and closes its payment
    without crediting, so the reconciler never asks about it and no manager sees it."""
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=4_000, phone=PHONE, age_s=3_600)
    c2b = _echo(session, p, "SKECHO0003")
    assert c2b.id != p.id and c2b.method == PaymentMethod.C2B and c2b.status == "paid"
    assert _stk(session, p, "SKECHO0003") == "duplicate"
    closed = _fresh(session, p)
    assert (closed.status, closed.result_desc) == (PaymentStatus.FAILED, ECHO_RECORDED)
    assert closed.mpesa_receipt is None and closed.receipt_no is None
    client = FakeDaraja({p.checkout_request_id or "": StkQueryResult(False, "0", "processed")})
    assert stk.reconcile_pending(session, client, older_than_s=0)["paid"] == 0  # type: ignore[arg-type]
    assert _stk(session, p, "SKECHO0003") == "ignored"
    assert reviews.visible_reviews(session, f.owner_of(session, lease)) == []
    _paid_once(session, lease.id or 0, 4_000)


def test_a_payment_credited_on_a_query_gets_its_receipt_from_the_echo(session: Session) -> None:
    """The callback was lost; the reconciler's query credited the payment (no receipt). The
    echo then gives it its receipt instead of crediting the money again."""
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=4_000, phone=PHONE, age_s=120)
    client = FakeDaraja({p.checkout_request_id or "": StkQueryResult(False, "0", "processed")})
    assert stk.reconcile_pending(session, client)["paid"] == 1  # type: ignore[arg-type]
    assert _fresh(session, p).mpesa_receipt is None
    assert _echo(session, p, "SKECHO0004").id == p.id
    assert _fresh(session, p).mpesa_receipt == "SKECHO0004"
    assert _stk(session, p, "SKECHO0004") == "ignored"  # the late callback
    assert len(_payments(session)) == 1
    _paid_once(session, lease.id or 0, 4_000)


def test_other_paybill_money_taken_for_the_echo_is_not_lost(session: Session) -> None:
    """Someone pays the same amount to the same account by paybill while the prompt is open, from
    a number M-Pesa hides:
    that money is taken for the echo (credited once, on the STK payment); when the prompt's own
    success arrives with another receipt, it is a second payment, kept for a manager."""
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=4_000, phone=PHONE)
    hashed = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"  # v1: unknown
    neighbour = {"MSISDN": hashed, "FirstName": "Nina", "LastName": "Neighbour"}
    assert _echo(session, p, "PBOTHER001", **neighbour).id == p.id
    assert _stk(session, p, "SKOWN00001") == "review"
    second = [x for x in _payments(session) if x.id != p.id]
    assert [(x.status, x.mpesa_receipt, x.amount) for x in second] == [
        ("review", "SKOWN00001", 4_000)
    ]
    # Its own echo, arriving after, finds the receipt kept and stores nothing more.
    assert _echo(session, p, "SKOWN00001").id == second[0].id
    reviews.resolve_review(session, f.owner_of(session, lease), second[0].id or 0, accept=True)
    assert ledger.balance(session, lease.id or 0) == RENT - 8_000
    f.assert_ledger_exact(session, lease.id or 0)


@pytest.mark.parametrize("a_reports_first", [True, False])
def test_two_open_prompts_alike_each_get_one_of_the_two_payments(
    session: Session, a_reports_first: bool
) -> None:
    """Two prompts of one lease for the same amount, both answered: the first echo is taken for
    the newer prompt (B) though it is A's money. Whatever order the rest comes in, each receipt
    is credited once and each prompt holds one; nothing is left for review or the reconciler."""
    lease = f.lease(session, rent=RENT, due_day=1)
    a = f.stk_payment(session, lease, amount=4_000, phone=PHONE, age_s=30)
    b = f.stk_payment(session, lease, amount=4_000, phone=PHONE)
    assert _echo(session, a, "SKTWINA001").id == b.id  # taken for the newer prompt
    if a_reports_first:
        assert _stk(session, a, "SKTWINA001") == "duplicate"  # its money is on B
        assert _stk(session, b, "SKTWINB001") == "paid"  # B's money goes to A's free slot
    else:
        assert _stk(session, b, "SKTWINB001") == "paid"
        assert _stk(session, a, "SKTWINA001") == "ignored"
    assert _echo(session, b, "SKTWINB001").status == PaymentStatus.PAID
    rows = _payments(session)
    assert sorted((x.status, x.mpesa_receipt) for x in rows) == [
        ("paid", "SKTWINA001"),
        ("paid", "SKTWINB001"),
    ]
    assert reviews.visible_reviews(session, f.owner_of(session, lease)) == []
    assert ledger.balance(session, lease.id or 0) == RENT - 8_000
    f.assert_ledger_exact(session, lease.id or 0)


def test_an_echo_for_a_different_amount_or_phone_is_not_the_stk_payment(session: Session) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=4_000, phone=PHONE)
    other_amount = _echo(session, p, "PBAMOUNT01", TransAmount="3000")
    other_phone = _echo(session, p, "PBPHONE001", MSISDN="2547 ***** 111")
    assert {other_amount.method, other_phone.method} == {PaymentMethod.C2B}
    assert _fresh(session, p).status == PaymentStatus.PENDING
    assert _stk(session, p, "SKREAL0001") == "paid"
    assert ledger.balance(session, lease.id or 0) == RENT - 4_000 - 3_000 - 4_000
    f.assert_ledger_exact(session, lease.id or 0)


def test_a_booking_fee_echo_settles_the_fee_once(session: Session) -> None:
    from pms_app.bookings.models import Booking, BookingStatus
    from pms_app.bookings.paying import start_booking_payment

    bw = f.book_world(session)
    p = start_booking_payment(session, bw.w.tenant, bw.held.id or 0, "0712345678")
    p.checkout_request_id = f.checkout_id()
    session.add(p)
    session.commit()
    assert _echo(session, p, "SKBOOK0001").id == p.id
    assert _stk(session, p, "SKBOOK0001") == "ignored"
    paid = _fresh(session, p)
    assert (paid.status, paid.mpesa_receipt) == (PaymentStatus.PAID, "SKBOOK0001")
    assert len([x for x in _payments(session) if x.mpesa_receipt == "SKBOOK0001"]) == 1
    session.expire_all()
    booking = session.get(Booking, bw.held.id)
    assert booking is not None and booking.status == BookingStatus.CONFIRMED


# --- 2. account numbers as people type them ------------------------------------------------------


def test_account_numbers_match_on_letters_and_digits(session: Session) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    ref = lease.account_ref  # e.g. SUN-A1
    prefix, unit = ref.split("-")
    typed = [f"{prefix} {unit}", f"{prefix}{unit}".lower(), f" {prefix.title()}-{unit} "]
    typed += [f"{prefix}.{unit}", f"{prefix.lower()} - {unit.lower()}"]
    for i, text in enumerate(typed):
        got = f.c2b_payment(session, text, 100 + i)
        assert (got.status, got.lease_id) == ("paid", lease.id), text
        assert got.account_ref == text.strip()  # kept as typed, for the statement
    assert ledger.balance(session, lease.id or 0) == RENT - sum(100 + i for i in range(len(typed)))
    f.assert_ledger_exact(session, lease.id or 0)
    # A mistyped unit still names its property (by prefix, with or without the hyphen).
    for text in (f"{prefix} Z9", f"{prefix.lower()}z9"):
        stray = f.c2b_payment(session, text, 50)
        assert (stray.status, stray.property_id) == ("unallocated", lease.property_id), text


def test_two_leases_reading_alike_match_neither(session: Session) -> None:
    from pms_app.leases.models import Lease
    from pms_app.leases.service import active_lease_for_ref

    a = f.lease(session, rent=RENT, due_day=1)
    b = f.lease(session, rent=RENT, due_day=1)
    a.account_ref, b.account_ref = "QQ-A11", "QQA-11"
    session.add_all([a, b])
    session.commit()
    assert active_lease_for_ref(session, "qqa11") is None
    assert active_lease_for_ref(session, "QQ-A11") is not None  # exactly typed: that one
    assert active_lease_for_ref(session, "QQ A11").id == a.id  # type: ignore[union-attr]
    assert session.get(Lease, a.id) is not None


# --- 3. masked phone numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seen", "agree"),
    [
        ("2547 ***** 678", True),
        ("254712***678", True),
        ("25471****678", True),
        ("2547*****679", False),
        ("254799***678", False),
        ("0712345678", True),
        ("254712345678", True),
        ("254712345679", False),
        ("*" * 12, None),
        ("", None),
        ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", None),
        ("2547***678", True),  # fewer stars than hidden digits: the ends still compare
    ],
)
def test_visible_digits_are_compared(seen: str, agree: bool | None) -> None:
    assert phones_agree(seen, PHONE) is agree
    assert phones_agree(PHONE, seen) is agree


def test_telling_digits_leave_out_the_common_start() -> None:
    assert compare_phones("2547 ***** 678", PHONE) == (True, 3)
    assert compare_phones("2547*********", PHONE) == (True, 0)


@pytest.mark.parametrize(
    "shown", ["2547 ***** 678", "254712***678", "*********", "", "a1b2" * 16], ids=str
)
def test_a_masked_stk_callback_for_the_right_amount_credits(session: Session, shown: str) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=4_000, phone=PHONE)
    body = f.callback_for(p, 0, receipt="SKMASK0001")
    items = body["Body"]["stkCallback"]["CallbackMetadata"]["Item"]  # type: ignore[index]
    for item in items:
        if item["Name"] == "PhoneNumber":
            item["Value"] = shown
    if not shown:
        items[:] = [i for i in items if i["Name"] != "PhoneNumber"]
    assert callbacks.process_stk_callback(session, parse_stk_callback(body)) == "paid"
    _paid_once(session, lease.id or 0, 4_000)


def test_visible_digits_that_differ_still_go_to_review(session: Session) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=4_000, phone=PHONE)
    body = f.callback_for(p, 0, receipt="SKMASK0002")
    for item in body["Body"]["stkCallback"]["CallbackMetadata"]["Item"]:  # type: ignore[index]
        if item["Name"] == "PhoneNumber":
            item["Value"] = "254799***678"
    assert callbacks.process_stk_callback(session, parse_stk_callback(body)) == "review"
    assert "phone 254799***678" in _fresh(session, p).result_desc
    assert ledger.balance(session, lease.id or 0) == RENT


def test_the_echo_window(session: Session) -> None:
    from pms_app.payments.matching import ECHO_WINDOW

    assert timedelta(minutes=2) < ECHO_WINDOW <= timedelta(minutes=30)
