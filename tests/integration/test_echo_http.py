"""Production M-Pesa over real HTTP (#11.1–3): the app's callback routes answer the STK callback
and the paybill confirmation of the same money 200 in either order (before: a 500 from the
unique receipt), also when both arrive at once; account numbers as typed and masked phones.
Ledger exact after each."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from sqlmodel import Session, select
from starlette.applications import Starlette

from pms_app.api.middleware import Hardening
from pms_app.api.routes import api_routes
from pms_app.core.settings import get_settings
from pms_app.ledger import service as ledger
from pms_app.payments.models import Payment, PaymentStatus
from tests import factories as f
from tests.http_server import serve

pytestmark = pytest.mark.dates  # runs again with the clock a year ahead (.ci/run)

RENT = 50_000
PHONE = "254712345678"
ACCEPTED = {"ResultCode": 0, "ResultDesc": "Accepted"}
SUCCESS = {"ResultCode": 0, "ResultDesc": "Success"}


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


@pytest.fixture
def base(session: Session) -> Iterator[str]:
    app = Hardening(Starlette(routes=api_routes()), "http://localhost")
    with serve(app) as url:
        yield f"{url}/api/pay/{get_settings().callback_token}"


def _post(base: str, kind: str, body: object) -> requests.Response:
    return requests.post(f"{base}/{kind}", json=body, timeout=20)


def _stk(base: str, body: object) -> None:
    resp = _post(base, "stk", body)
    assert (resp.status_code, resp.json()) == (200, ACCEPTED)


def _c2b(base: str, body: object) -> None:
    resp = _post(base, "c2b/confirmation", body)
    assert (resp.status_code, resp.json()) == (200, SUCCESS)


def _holders(session: Session, receipt: str) -> list[tuple[int | None, str]]:
    session.expire_all()
    rows = session.exec(select(Payment).where(Payment.mpesa_receipt == receipt)).all()
    return [(p.id, p.status) for p in rows]


@pytest.mark.parametrize("first", ["stk", "echo"])
def test_either_order_is_answered_200_and_credited_once(
    session: Session, base: str, first: str
) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=7_000, phone=PHONE)
    stk_body, echo = f.callback_for(p, 0, receipt="SKHTTP0001"), f.echo_body(p, "SKHTTP0001")
    for _ in range(2):  # each message, and a repeat of it
        if first == "stk":
            _stk(base, stk_body)
            _c2b(base, echo)
        else:
            _c2b(base, echo)
            _stk(base, stk_body)
    assert _holders(session, "SKHTTP0001") == [(p.id, PaymentStatus.PAID)]
    assert len(session.exec(select(Payment)).all()) == 1
    assert ledger.balance(session, lease.id or 0) == RENT - 7_000
    f.assert_ledger_exact(session, lease.id or 0)


def test_callback_and_echo_posted_at_once_credit_once(session: Session, base: str) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    paid = 0
    for i in range(4):
        p = f.stk_payment(session, lease, amount=3_000 + i, phone=PHONE)
        receipt = f"SKHTTPR{i:03d}"
        posts = [
            lambda p=p, r=receipt: _stk(base, f.callback_for(p, 0, receipt=r)),
            lambda p=p, r=receipt: _c2b(base, f.echo_body(p, r)),
        ]
        barrier, failures = threading.Barrier(len(posts)), []
        threads = [threading.Thread(target=_at_once, args=(x, barrier, failures)) for x in posts]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert failures == []
        paid += 3_000 + i
        assert _holders(session, receipt) == [(p.id, PaymentStatus.PAID)]
        assert ledger.balance(session, lease.id or 0) == RENT - paid
    f.assert_ledger_exact(session, lease.id or 0)


def _at_once(post: object, barrier: threading.Barrier, failures: list[BaseException]) -> None:
    try:
        barrier.wait(timeout=20)
        post()  # type: ignore[operator]
    except BaseException as exc:  # reported by the test
        failures.append(exc)


def test_typed_account_numbers_land_on_the_lease(session: Session, base: str) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    prefix, unit = lease.account_ref.split("-")
    for i, typed in enumerate(
        [f"{prefix} {unit}", f"{prefix}{unit}".lower(), f" {prefix}-{unit} "]
    ):
        _c2b(base, f.c2b_body(typed, 1_000, trans_id=f"PBTYPED{i:03d}"))
    session.expire_all()
    rows = session.exec(select(Payment)).all()
    assert [(p.status, p.lease_id) for p in rows] == [("paid", lease.id)] * 3
    assert ledger.balance(session, lease.id or 0) == RENT - 3_000
    f.assert_ledger_exact(session, lease.id or 0)


def test_a_masked_stk_callback_for_the_right_amount_credits(session: Session, base: str) -> None:
    lease = f.lease(session, rent=RENT, due_day=1)
    p = f.stk_payment(session, lease, amount=2_500, phone=PHONE)
    body = f.callback_for(p, 0, receipt="SKHTTPM001")
    for item in body["Body"]["stkCallback"]["CallbackMetadata"]["Item"]:  # type: ignore[index]
        if item["Name"] == "PhoneNumber":
            item["Value"] = f.masked(PHONE)
    _stk(base, body)
    assert _holders(session, "SKHTTPM001") == [(p.id, PaymentStatus.PAID)]
    assert ledger.balance(session, lease.id or 0) == RENT - 2_500
    f.assert_ledger_exact(session, lease.id or 0)
