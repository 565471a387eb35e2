"""The real DarajaClient against the simulator over real HTTP (granian, embedded, in a thread).

A Starlette app serves simulator_routes() plus a receiver standing in for the app's callback
and C2B URLs (under /api/pay/ on the same base: the only place the simulator posts to). The
simulator's tables live in the per-test database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import pms_app.simulator.models  # noqa: F401  (sim_* tables on SQLModel.metadata before create_all)
from pms_app.core.settings import SANDBOX_PASSKEY, get_settings
from pms_app.core.timestamps import utcnow
from pms_app.integrations.daraja import DarajaClient, DarajaError, client_from_settings
from pms_app.integrations.daraja_wire import parse_c2b, parse_stk_callback, stk_password
from pms_app.simulator import delivery, stk, wire
from pms_app.simulator.models import SimC2BTransaction, SimStkRequest
from pms_app.simulator.routes import simulator_routes
from tests.asyncio_helpers import settle
from tests.http_server import free_port, start_server, until

SHORTCODE = "174379"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Sim:
    base: str  # http://127.0.0.1:port
    engine: Engine
    key: str  # the install's own consumer key/secret (derived from its SECRET_KEY)
    secret: str
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def api(self) -> str:
        return f"{self.base}/sim"

    def client(self, **kw: Any) -> DarajaClient:
        args: dict[str, Any] = {
            "base_url": self.api,
            "consumer_key": self.key,
            "consumer_secret": self.secret,
            "shortcode": SHORTCODE,
            "passkey": SANDBOX_PASSKEY,
        }
        return DarajaClient(**{**args, **kw})

    def url(self, name: str) -> str:
        return f"{self.base}/api/pay/s3cr3t-t0ken/{name}"

    def got(self, name: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path.endswith(f"/{name}")]

    def row(self, checkout_id: str) -> SimStkRequest:
        with Session(self.engine) as s:
            row = stk.find(s, checkout_id)
            assert row is not None
            return row

    def answer(self, checkout_id: str, action: str, pin: str | None = None) -> SimStkRequest:
        with Session(self.engine, expire_on_commit=False) as s:
            return stk.answer(s, checkout_id, action, pin)


@pytest.fixture
def sim(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sim]:
    port = free_port()
    monkeypatch.delenv("DARAJA_CONSUMER_KEY", raising=False)
    monkeypatch.setenv("MPESA_SIMULATOR", "1")
    monkeypatch.setenv("BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("MPESA_SIM_MODE", "manual")
    monkeypatch.setenv("MPESA_SIM_CALLBACK_DELAY", "0.05")
    get_settings.cache_clear()
    settings = get_settings()
    state = Sim(
        f"http://127.0.0.1:{port}",
        engine,
        settings.daraja_consumer_key,
        settings.daraja_consumer_secret,
    )

    async def receiver(request: Request) -> JSONResponse:
        raw = await request.body()
        with state.lock:
            state.received.append(
                Received(request.url.path, dict(request.headers), json.loads(raw))
            )
        if request.url.path.endswith("/validate"):
            if json.loads(raw).get("BillRefNumber") == "reject-me":
                return JSONResponse({"ResultCode": "C2B00012", "ResultDesc": "Rejected"})
            return JSONResponse({"ResultCode": "0", "ResultDesc": "Accepted"})
        if request.url.path.endswith("/confirm"):
            return JSONResponse({"ResultCode": 0, "ResultDesc": "Success"})
        return JSONResponse({"ResultCode": 0, "ResultDesc": "Accepted"})

    routes = simulator_routes()
    assert routes, "the simulator must be on with MPESA_SIMULATOR=1 and no DARAJA_CONSUMER_KEY"
    app = Starlette(routes=[*routes, Route("/api/pay/{token}/{name}", receiver, methods=["POST"])])
    stop = start_server(app, port, "sim-http")
    yield state
    assert delivery.wait_idle(15), "a delivery thread is still running"
    stop()


def _push(client: DarajaClient, sim: Sim, phone: str, amount: int = 10) -> str:
    return client.stk_push(phone, amount, "A1-0042", "Rent", sim.url("stk")).checkout_request_id


def _callback_shape(received: Received) -> dict[str, Any]:
    assert received.headers["content-type"] == "application/json;charset=UTF-8"
    assert received.headers["businessshortcode"] == SHORTCODE
    body = received.body
    assert list(body) == ["Body"] and list(body["Body"]) == ["stkCallback"]
    return body["Body"]["stkCallback"]


# --- OAuth ---------------------------------------------------------------------------------------


def test_oauth_errors_look_like_daraja(sim: Sim) -> None:
    url = f"{sim.api}/oauth/v1/generate"
    key, secret = sim.key, sim.secret
    bad = requests.get(url, params={"grant_type": "client_credentials"}, auth=(key, "wrong"))
    assert bad.status_code == 400
    with pytest.raises(ValueError):
        bad.json()  # not JSON, like Daraja
    none = requests.get(url, params={"grant_type": "client_credentials"})
    assert none.status_code == 400
    grant = requests.get(url, params={"grant_type": "password"}, auth=(key, secret))
    assert grant.status_code == 400
    assert grant.json()["errorCode"] == "400.008.02"
    assert grant.json()["errorMessage"] == "Invalid grant type passed"
    ok = requests.get(url, params={"grant_type": "client_credentials"}, auth=(key, secret))
    assert ok.status_code == 200
    data = ok.json()
    assert re.fullmatch(r"[A-Za-z0-9]{28}", data["access_token"])
    assert int(data["expires_in"]) == 3599

    with pytest.raises(DarajaError) as err:
        sim.client(consumer_secret="wrong").access_token()
    assert err.value.http_status == 400 and err.value.code == "auth_failed"
    assert not err.value.retryable


class CountingHttp(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.token_fetches = 0

    def request(self, method: str | bytes, url: str | bytes, *a: Any, **kw: Any) -> Any:  # type: ignore[override]
        if "/oauth/" in str(url):
            self.token_fetches += 1
        return super().request(method, url, *a, **kw)


def test_token_is_cached_and_refreshed_before_expiry(sim: Sim) -> None:
    now = [1_000_000.0]
    http = CountingHttp()
    client = sim.client(http=http, clock=lambda: now[0])
    first = client.access_token()
    assert client.access_token() == first and http.token_fetches == 1
    now[0] += 3599 - 61  # still more than 60 s left
    assert client.access_token() == first and http.token_fetches == 1
    now[0] += 2  # under 60 s left: refresh
    second = client.access_token()
    assert second != first and http.token_fetches == 2
    _push(client, sim, "0712000010")  # the fresh token works

    # Concurrent callers: one refresher at a time, so one fetch.
    now[0] += 4000
    tokens: list[str] = []
    threads = [
        threading.Thread(target=lambda: tokens.append(client.access_token())) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(tokens)) == 1 and http.token_fetches == 3


def test_a_new_token_invalidates_the_old_one(sim: Sim) -> None:
    http_a = CountingHttp()
    a, b = sim.client(http=http_a), sim.client()
    old = a.access_token()
    b.access_token()  # Daraja: a new token invalidates the previous one
    stale = requests.post(
        f"{sim.api}/mpesa/stkpush/v1/processrequest",
        json={},
        headers={"Authorization": f"Bearer {old}"},
    )
    assert stale.status_code == 404
    assert stale.json()["errorCode"] == "404.001.03"
    assert stale.json()["errorMessage"] == "Invalid Access Token"
    assert set(stale.json()) == {"requestId", "errorCode", "errorMessage"}
    # The client gets 404.001.03, refreshes once and succeeds.
    checkout = _push(a, sim, "0712000011")
    assert checkout.startswith("ws_CO_") and http_a.token_fetches == 2
    assert a.access_token() != old
    missing = requests.post(f"{sim.api}/mpesa/stkpushquery/v1/query", json={})
    assert missing.status_code == 404 and missing.json()["errorCode"] == "404.001.03"


def test_client_from_settings_points_at_the_simulator(sim: Sim) -> None:
    settings = get_settings()
    assert settings.uses_simulator and settings.daraja_base_url == sim.api
    client = client_from_settings()
    assert client is client_from_settings(settings)  # shared: one token cache per process
    assert _push(client, sim, "0712000012").startswith("ws_CO_")


# --- STK push, manual answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "pin", "code"),
    [
        (stk.ACCEPT, "1234", 0),
        (stk.ACCEPT, "9999", 2001),
        (stk.CANCEL, None, 1032),
        (stk.TIMEOUT, None, 1037),
    ],
)
def test_manual_answer_posts_one_callback(
    sim: Sim, action: str, pin: str | None, code: int
) -> None:
    client = sim.client()
    accepted = client.stk_push("0712 345 678", 1, "A1-0042", "Rent March", sim.url("stk"))
    assert accepted.customer_message == "Success. Request accepted for processing"
    checkout = accepted.checkout_request_id
    assert re.fullmatch(r"ws_CO_\d{14}\d{3}712345678", checkout)
    assert re.fullmatch(r"\d{5}-\d{8}-1", accepted.merchant_request_id)
    assert sim.row(checkout).status == "pending" and not sim.got("stk")

    sim.answer(checkout, action, pin)
    assert delivery.wait_idle(5)
    got = sim.got("stk")
    assert len(got) == 1, "the callback is posted exactly once"
    cb = _callback_shape(got[0])
    assert cb["MerchantRequestID"] == accepted.merchant_request_id
    assert cb["CheckoutRequestID"] == checkout
    assert cb["ResultCode"] == code and isinstance(cb["ResultCode"], int)
    assert isinstance(cb["ResultDesc"], str) and cb["ResultDesc"]
    parsed = parse_stk_callback(got[0].body)
    assert parsed.result_code == str(code)
    if code == 0:
        items = cb["CallbackMetadata"]["Item"]
        # Production today: no Balance item at all (read items by name).
        assert [i["Name"] for i in items] == [
            "Amount",
            "MpesaReceiptNumber",
            "TransactionDate",
            "PhoneNumber",
        ]
        assert items[0]["Value"] == 1.0 and isinstance(items[0]["Value"], float)
        assert isinstance(items[2]["Value"], int) and len(str(items[2]["Value"])) == 14
        assert items[3]["Value"] == 254712345678
        assert re.fullmatch(r"SK[A-Z0-9]{8}", parsed.receipt or "")
        assert (parsed.amount, parsed.phone) == (1, "254712345678")
        assert cb["ResultDesc"] == "The service request is processed successfully."
    else:
        assert "CallbackMetadata" not in cb
    if code == 2001:
        assert cb["ResultDesc"] == "[MpesaCB - ]The initiator information is invalid."

    row = sim.row(checkout)
    assert row.callback_sent_at is not None and row.callback_result == "HTTP 200"
    result = client.stk_query(checkout)
    assert not result.pending and result.result_code == str(code)
    with pytest.raises(wire.SimulatorError):
        sim.answer(checkout, stk.CANCEL)  # answered once only
    assert delivery.wait_idle(5) and len(sim.got("stk")) == 1


def test_query_while_pending_then_answered(sim: Sim) -> None:
    client = sim.client()
    checkout = _push(client, sim, "0712000020")
    token = client.access_token()
    ts = "20240101120000"
    body = {
        "BusinessShortCode": SHORTCODE,
        "Password": stk_password(SHORTCODE, SANDBOX_PASSKEY, ts),
        "Timestamp": ts,
        "CheckoutRequestID": checkout,
    }

    def raw_query(b: dict[str, Any]) -> requests.Response:
        return requests.post(
            f"{sim.api}/mpesa/stkpushquery/v1/query",
            json=b,
            headers={"Authorization": f"Bearer {token}"},
        )

    first, second = raw_query(body), raw_query(body)  # alternates between the two forms
    assert first.status_code == 200 and first.json()["ResultCode"] == "4999"
    assert first.json()["ResponseCode"] == "0"
    assert second.status_code == 500
    assert second.json() == {
        "requestId": checkout,
        "errorCode": "500.001.1001",
        "errorMessage": "The transaction is being processed",
    }
    for _ in range(2):  # the client treats both as "no answer yet"
        result = client.stk_query(checkout)
        assert result.pending and result.result_code in (None, "4999")

    unknown = raw_query({**body, "CheckoutRequestID": "ws_CO_000"})
    assert unknown.status_code == 500
    assert unknown.json()["errorMessage"] == "The transaction does not Exist"
    with pytest.raises(DarajaError) as err:
        client.stk_query("ws_CO_000")
    assert err.value.code == "500.001.1001" and not err.value.retryable

    wrong = raw_query({**body, "Password": "bm9wZQ=="})
    assert wrong.status_code == 500 and wrong.json()["errorMessage"] == "Wrong credentials"

    # A second push to a phone with a prompt open: Daraja can't lock the subscriber.
    with pytest.raises(DarajaError) as busy:
        _push(client, sim, "0712000020")
    # The payer's to act on (finish or cancel it), never re-pushed within seconds (#11.6).
    assert busy.value.code == "500.001.1001" and not busy.value.retryable
    assert busy.value.kind == "prompt_open"
    assert "lock subscriber" in busy.value.message

    sim.answer(checkout, stk.CANCEL)
    result = client.stk_query(checkout)
    assert (result.pending, result.result_code) == (False, "1032")
    assert result.result_desc == "Request Cancelled by user"  # not the callback's wording


def test_unanswered_prompt_times_out_with_1037(sim: Sim) -> None:
    client = sim.client()
    checkout = _push(client, sim, "0712000021")
    with Session(sim.engine) as s:
        s.execute(
            update(SimStkRequest)
            .where(col(SimStkRequest.checkout_request_id) == checkout)
            .values(created_at=utcnow() - timedelta(seconds=stk.PROMPT_TIMEOUT_S + 1))
        )
        s.commit()
    result = client.stk_query(checkout)
    assert (result.pending, result.result_code) == (False, "1037")
    assert delivery.wait_idle(5)
    [got] = sim.got("stk")
    assert _callback_shape(got)["ResultCode"] == 1037


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"phone": "12345"}, "Bad Request - Invalid PhoneNumber"),
        ({"phone": "254812345678"}, "Bad Request - Invalid PhoneNumber"),
        ({"amount": 0}, "Bad Request - Invalid Amount"),
        ({"amount": 250_001}, "Bad Request - Invalid Amount"),
        ({"account_reference": "X" * 13}, "Bad Request - Invalid AccountReference"),
        ({"description": "Y" * 14}, "Bad Request - Invalid TransactionDesc"),
        ({"callback_url": "http://127.0.0.1/mpesa/callback"}, "Bad Request - Invalid CallBackURL"),
        ({"callback_url": "not a url"}, "Bad Request - Invalid CallBackURL"),
    ],
)
def test_invalid_push_fields(sim: Sim, change: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "phone": "0712000030",
        "amount": 10,
        "account_reference": "X" * 12,
        "description": "Y" * 13,
        "callback_url": sim.url("stk"),
        **change,
    }
    with pytest.raises(DarajaError) as err:
        sim.client().stk_push(**args)
    assert (err.value.code, err.value.message) == ("400.002.02", message)
    assert err.value.http_status == 400 and not err.value.retryable


def test_wrong_passkey_and_malformed_body(sim: Sim) -> None:
    with pytest.raises(DarajaError) as err:
        sim.client(passkey="0" * 64).stk_push("0712000031", 10, "A1", "Rent", sim.url("stk"))
    assert (err.value.code, err.value.message) == ("500.001.1001", "Wrong credentials")
    assert err.value.http_status == 500 and not err.value.retryable
    token = sim.client().access_token()
    junk = requests.post(
        f"{sim.api}/mpesa/stkpush/v1/processrequest",
        data=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert junk.status_code == 400 and junk.json()["errorCode"] == "400.002.05"


# --- auto mode -----------------------------------------------------------------------------------


def test_auto_mode_rules(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPESA_SIM_MODE", "auto")
    get_settings.cache_clear()
    client = sim.client()
    expected = {
        "0712340001": 1032,
        "0712340002": 1,
        "0712340003": 2001,
        "0712340004": 1037,
        "0712340005": 0,  # callback dropped
        "0712340006": 0,  # callback sent twice
        "0712347777": 0,
    }
    checkouts = {phone: _push(client, sim, phone, amount=25) for phone in expected}
    for phone, checkout in checkouts.items():  # answered at once: the query knows already
        result = client.stk_query(checkout)
        assert (result.pending, result.result_code) == (False, str(expected[phone])), phone
    assert delivery.wait_idle(5)

    by_checkout: dict[str, list[Received]] = {}
    for r in sim.got("stk"):
        by_checkout.setdefault(_callback_shape(r)["CheckoutRequestID"], []).append(r)
    for phone, checkout in checkouts.items():
        got = by_checkout.get(checkout, [])
        want = {"0712340005": 0, "0712340006": 2}.get(phone, 1)
        assert len(got) == want, phone
        for r in got:
            assert r.body["Body"]["stkCallback"]["ResultCode"] == expected[phone]
    dup = by_checkout[checkouts["0712340006"]]
    assert dup[0].body == dup[1].body  # the same callback, twice
    assert sim.row(checkouts["0712340005"]).callback_sent_at is None


def test_delivery_never_blocks_and_failures_are_not_retried(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPESA_SIM_MODE", "auto")
    # A long delay makes "the push returned before the callback" unambiguous even on a busy CI
    # machine: the push must come back well before the callback is due.
    monkeypatch.setenv("MPESA_SIM_CALLBACK_DELAY", "3")
    get_settings.cache_clear()
    client = sim.client()
    client.access_token()
    started = time.monotonic()
    checkout = _push(client, sim, "0712000040")
    assert time.monotonic() - started < 2.5 and not sim.got("stk")
    until(lambda: sim.got("stk"), "the delayed callback", timeout=10)

    # The app's callback base where nobody listens (the simulator posts only to that base).
    dead_base = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("CALLBACK_BASE_URL", dead_base)
    get_settings.cache_clear()
    dead = f"{dead_base}/api/pay/x/stk"
    lost = client.stk_push("0712000041", 10, "A1", "Rent", dead).checkout_request_id
    assert delivery.wait_idle(5)
    row = sim.row(lost)
    assert row.callback_sent_at is not None and row.callback_result == "ConnectionError"
    assert sim.row(checkout).callback_result == "HTTP 200"


# --- C2B ------------------------------------------------------------------------------------------


def test_c2b_register_and_simulate(sim: Sim) -> None:
    client = sim.client()
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"), shortcode="600984")
    client.simulate_c2b(10, "254708374149", "A1-0042", shortcode="600984")
    until(lambda: sim.got("confirm"), "the confirmation")
    [validation], [confirmation] = sim.got("validate"), sim.got("confirm")
    assert validation.body == confirmation.body
    body = confirmation.body
    assert list(body) == [
        "TransactionType",
        "TransID",
        "TransTime",
        "TransAmount",
        "BusinessShortCode",
        "BillRefNumber",
        "InvoiceNumber",
        "OrgAccountBalance",
        "ThirdPartyTransID",
        "MSISDN",
        "FirstName",
        "MiddleName",
        "LastName",
    ]
    assert body["TransactionType"] == "Pay Bill"
    assert re.fullmatch(r"[A-Z0-9]{10}", body["TransID"])
    assert re.fullmatch(r"\d{14}", body["TransTime"])
    assert body["MSISDN"] == "2547 ***** 149"  # masked as production (v2)
    assert body["BusinessShortCode"] == "600984" and body["BillRefNumber"] == "A1-0042"
    assert all(isinstance(v, str) for v in body.values())
    assert confirmation.headers["content-type"] == "application/json;charset=UTF-8"
    payment = parse_c2b(body)
    assert (payment.amount, payment.bill_ref, payment.msisdn) == (10, "A1-0042", "2547 ***** 149")

    # Amounts alternate "10"/"10.00" (Daraja sends both forms); a rejected one is not confirmed.
    client.simulate_c2b(10, "0708374149", "reject-me", shortcode="600984")
    client.simulate_c2b(10, "0708374149", "A2-0001", shortcode="600984")
    assert delivery.wait_idle(5)
    assert [r.body["BillRefNumber"] for r in sim.got("confirm")] == ["A1-0042", "A2-0001"]
    assert [r.body["TransAmount"] for r in sim.got("validate")] == ["10", "10.00", "10"]
    with Session(sim.engine) as s:
        rows = s.exec(select(SimC2BTransaction).order_by(col(SimC2BTransaction.id))).all()
        assert [r.status for r in rows] == ["confirmed", "rejected", "confirmed"]
        assert "C2B00012" in rows[1].validation_result


def test_c2b_errors(sim: Sim) -> None:
    client = sim.client()
    with pytest.raises(DarajaError) as err:
        client.simulate_c2b(10, "254708374149", "A1", shortcode="600111")  # nothing registered
    assert err.value.code == "400.002.02"
    with pytest.raises(DarajaError) as err:
        client.register_c2b_urls("https://example.org/safaricom/confirm", sim.url("validate"))
    assert err.value.message == "Bad Request - Invalid ConfirmationURL"
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    with pytest.raises(DarajaError) as err:
        client.simulate_c2b(10, "12345", "A1")
    assert err.value.message == "Bad Request - Invalid Msisdn"
    with pytest.raises(DarajaError) as err:
        client.simulate_c2b(10, "254708374149", "X" * 21)
    assert err.value.message == "Bad Request - Invalid BillRefNumber"


def test_no_simulator_with_real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPESA_SIMULATOR", "1")
    monkeypatch.setenv("DARAJA_CONSUMER_KEY", "real-key")
    get_settings.cache_clear()
    assert not get_settings().uses_simulator  # real credentials win over the opt-in
    assert simulator_routes() == []


# --- the phone page's state ------------------------------------------------------------------------


def _phone_state() -> Any:
    """The phone page's state as opened from the link `cli run` prints (with the key)."""
    from reflex.istate.data import ReflexURL, URLData
    from reflex.state import State

    from pms_app.simulator.access import phone_page_url
    from pms_app.ui.simulator.phone_state import PhoneState

    root = State(_reflex_internal_init=True)  # type: ignore[call-arg]
    st = root.get_substate(PhoneState.get_full_name().split(".")[1:])
    st.rx_router_url = URLData.from_url(ReflexURL(phone_page_url()))
    settle(st.load())
    assert not st.locked
    return st


def test_phone_page_state_answers_prompts_and_pays_bills(sim: Sim) -> None:
    client = sim.client()
    st = _phone_state()
    settle(st.watch({"phone": "12"}))
    assert st.phone_error and not st.phone
    settle(st.watch({"phone": "0712 000 050"}))
    assert st.phone == "254712000050" and st.current_id == "" and st.prompts == []

    checkout = client.stk_push(
        "0712000050", 1500, "A1-0042", "Rent", sim.url("stk")
    ).checkout_request_id
    settle(st.watch({"phone": "0712000050"}))
    assert st.current_id == checkout
    assert (st.current_amount, st.current_account, st.current_business) == (
        "1,500",
        "A1-0042",
        SHORTCODE,
    )
    settle(st.send_pin({"pin": "0000"}))
    assert st.outcome == "Wrong M-Pesa PIN entered." and st.current_id == ""
    assert st.history[0]["code"] == "2001"

    checkout = _push(client, sim, "0712000050")
    settle(st.watch({"phone": "0712000050"}))
    settle(st.send_pin({"pin": "1234"}))
    assert st.outcome.startswith("You paid KES 10 to 174379. M-Pesa receipt SK")

    _push(client, sim, "0712000050")
    settle(st.watch({"phone": "0712000050"}))
    settle(st.cancel())
    assert st.outcome == "You cancelled the M-Pesa prompt."
    _push(client, sim, "0712000050")
    settle(st.watch({"phone": "0712000050"}))
    settle(st.let_time_out())
    assert "timed out" in st.outcome
    settle(st.cancel())
    assert st.outcome == "There is no prompt to answer."

    assert delivery.wait_idle(5)
    codes = [r.body["Body"]["stkCallback"]["ResultCode"] for r in sim.got("stk")]
    assert sorted(codes) == [0, 1032, 1037, 2001]

    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    settle(st.pay_bill({"paybill": SHORTCODE, "account": "A1-0042", "amount": "2,000"}))
    assert st.c2b_error == "" and "KES 2000" in st.c2b_notice
    settle(st.pay_bill({"paybill": SHORTCODE, "account": "A1", "amount": "0"}))
    assert st.c2b_error == "Invalid Amount"
    until(lambda: sim.got("confirm"), "the confirmation")
    assert sim.got("confirm")[0].body["MSISDN"] == "2547 ***** 050"
    assert delivery.wait_idle(5)
    settle(st.watch({"phone": "0712000050"}))
    assert st.c2b[0]["status"] == "confirmed"

    # No secret in the page's state: the callback URL's token never reaches the browser.
    assert "s3cr3t" not in json.dumps(st.dict(), default=str)
