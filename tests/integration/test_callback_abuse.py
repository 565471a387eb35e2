"""Hostile bodies posted to the Daraja callback routes over real HTTP (behind the same hardening
middleware as the app): absurd paybill amounts and thousands-deep JSON are answered 400 — never
a 500 — and write nothing; a sane paybill payment still lands."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from sqlmodel import Session, select
from starlette.applications import Starlette

from pms_app.api.middleware import Hardening
from pms_app.api.routes import api_routes
from pms_app.core.settings import get_settings
from pms_app.payments.models import Payment
from tests import factories as f
from tests.http_server import serve


@pytest.fixture
def base(session: Session) -> Iterator[str]:
    app = Hardening(Starlette(routes=api_routes()), "http://localhost")
    with serve(app) as url:
        yield f"{url}/api/pay/{get_settings().callback_token}"


def _payments(session: Session) -> list[Payment]:
    session.expire_all()
    return list(session.exec(select(Payment)).all())


@pytest.mark.parametrize(
    "amount", ["0", "-5", "-0.00", "250001", "1e30", "1E+400", "NaN", "Infinity", "12.5", "9" * 40]
)
def test_absurd_paybill_amounts_are_refused_without_a_500(
    session: Session, base: str, amount: str
) -> None:
    lease = f.lease(session, rent=10_000)
    body = {**f.c2b_body(lease.account_ref), "TransAmount": amount}
    resp = requests.post(f"{base}/c2b/confirmation", json=body, timeout=10)
    assert resp.status_code == 400
    assert _payments(session) == []


@pytest.mark.parametrize("kind", ["stk", "c2b/confirmation"])
def test_a_20000_deep_json_body_is_answered_400(session: Session, base: str, kind: str) -> None:
    deep = "[" * 20_000 + "]" * 20_000
    resp = requests.post(
        f"{base}/{kind}", data=deep, headers={"Content-Type": "application/json"}, timeout=10
    )
    assert resp.status_code == 400
    deep_object = '{"Body":' * 5_000 + "{}" + "}" * 5_000  # under the 64 KB cap
    resp = requests.post(f"{base}/{kind}", data=deep_object, timeout=10)
    assert resp.status_code == 400
    assert _payments(session) == []


def test_the_largest_real_amount_still_lands(session: Session, base: str) -> None:
    lease = f.lease(session, rent=10_000)
    body = {**f.c2b_body(lease.account_ref), "TransAmount": "250000.00"}
    resp = requests.post(f"{base}/c2b/confirmation", data=json.dumps(body), timeout=10)
    assert resp.status_code == 200
    assert [p.amount for p in _payments(session)] == [250_000]
