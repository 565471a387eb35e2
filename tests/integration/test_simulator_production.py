"""#11.10: the simulator speaks production (daraja.md, "What production adds"), over real HTTP
with the real DarajaClient: masked/hashed MSISDN, callbacks without Balance, prefixed
ResultDescs, the STK echo, lock-subscriber, forbidden callback URLs, C2B v1/v2 products,
one-time URL registration, tills, unknown ids on the query, OAuth's empty 400."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import requests

from pms_app.core.settings import get_settings
from pms_app.integrations.daraja import DarajaError
from pms_app.integrations.daraja_wire import nairobi_timestamp
from pms_app.simulator import delivery, stk
from tests.http_server import until
from tests.integration.test_daraja_simulator import SHORTCODE, Sim, _push
from tests.integration.test_daraja_simulator import sim as sim

BAD_URL = ("400.002.02", "Bad Request - Invalid CallBackURL")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set a variable, then re-read the settings (the simulator reads them per request)."""
    yield monkeypatch
    get_settings.cache_clear()


def _set(env: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        env.setenv(name, value)
    get_settings.cache_clear()


def test_oauth_wrong_key_is_an_empty_400(sim: Sim) -> None:
    url = f"{sim.api}/oauth/v1/generate"
    bad = requests.get(url, params={"grant_type": "client_credentials"}, auth=("nope", "nope"))
    assert (bad.status_code, bad.content) == (400, b"")


def test_callbacks_have_no_balance_and_failures_carry_prefixes(sim: Sim) -> None:
    client = sim.client()
    paid = _push(client, sim, "0712000101")
    cancelled = _push(client, sim, "0712000102")
    sim.answer(paid, stk.ACCEPT, "1234")
    sim.answer(cancelled, stk.CANCEL)
    assert delivery.wait_idle(5)
    by_id = {r.body["Body"]["stkCallback"]["CheckoutRequestID"]: r.body for r in sim.got("stk")}
    ok = by_id[paid]["Body"]["stkCallback"]
    names = [i["Name"] for i in ok["CallbackMetadata"]["Item"]]
    assert "Balance" not in names and "MpesaReceiptNumber" in names
    assert ok["ResultDesc"] == "The service request is processed successfully."
    no = by_id[cancelled]["Body"]["stkCallback"]
    assert (no["ResultCode"], no["ResultDesc"]) == (1032, "[STK_CB - ]Request cancelled by user")


@pytest.mark.parametrize(
    "path",
    [
        "/api/pay/MPESA/stk",
        "/api/pay/m-pesa/stk",
        "/api/pay/M-PESA/stk",
        "/api/pay/Safaricom/stk",
        "/api/pay/x.exe/stk",
        "/api/pay/EXEC/stk",
        "/api/pay/cmd/stk",
        "/api/pay/SQL/stk",
        "/api/pay/Query/stk",
        "/api/pay/a b/stk",
    ],
)
def test_forbidden_callback_urls_are_refused(sim: Sim, path: str) -> None:
    with pytest.raises(DarajaError) as err:
        sim.client().stk_push("0712000103", 10, "A1", "Rent", sim.base + path)
    assert (err.value.http_status, err.value.code, err.value.message) == (400, *BAD_URL)


@pytest.mark.parametrize("host", ["abc.ngrok.io", "x.mockbin.org", "requestbin.net"])
def test_tunnelling_hosts_are_refused(sim: Sim, host: str) -> None:
    with pytest.raises(DarajaError) as err:
        sim.client().stk_push("0712000104", 10, "A1", "Rent", f"https://{host}/api/pay/t/stk")
    assert (err.value.http_status, err.value.code, err.value.message) == (400, *BAD_URL)
    with pytest.raises(DarajaError) as reg:
        sim.client().register_c2b_urls(f"https://{host}/api/pay/t/confirm", sim.url("validate"))
    assert (reg.value.http_status, reg.value.code) == (400, "400.002.02")


def test_a_second_prompt_on_the_same_phone_meets_the_lock(sim: Sim) -> None:
    client = sim.client()
    _push(client, sim, "0712000105")
    with pytest.raises(DarajaError) as err:
        _push(client, sim, "0712000105")
    assert (err.value.http_status, err.value.code) == (500, "500.001.1001")
    assert err.value.message == (
        "[STK] - Unable to lock subscriber, a transaction is already in process for the current "
        "subscriber"
    )
    assert err.value.kind == "prompt_open"


def test_the_stk_echo_arrives_as_a_paybill_confirmation(sim: Sim) -> None:
    client = sim.client()
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    checkout = _push(client, sim, "0712000106", amount=25)
    sim.answer(checkout, stk.ACCEPT, "1234")
    until(lambda: sim.got("confirm") and sim.got("stk"), "the callback and its echo")
    assert delivery.wait_idle(5)
    receipt = sim.row(checkout).receipt
    [echo] = sim.got("confirm")
    body = echo.body
    assert (body["TransID"], body["BillRefNumber"], body["TransactionType"]) == (
        receipt,
        "A1-0042",
        "Pay Bill",
    )
    assert body["TransAmount"] in ("25", "25.00") and body["MSISDN"] == "2547 ***** 106"
    assert sim.got("validate") == []  # the payer already accepted: nothing to validate


def test_the_echo_is_a_setting_and_tills_never_echo(sim: Sim, env: pytest.MonkeyPatch) -> None:
    client = sim.client()
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    _set(env, MPESA_SIM_STK_ECHO="0")
    sim.answer(_push(client, sim, "0712000107"), stk.ACCEPT, "1234")
    assert delivery.wait_idle(5) and len(sim.got("stk")) == 1 and sim.got("confirm") == []
    _set(env, MPESA_SIM_STK_ECHO="1")
    till = sim.client(transaction_type="CustomerBuyGoodsOnline", party_b="5566778")
    sim.answer(_push(till, sim, "0712000108"), stk.ACCEPT, "1234")  # PartyB ≠ the store number
    assert delivery.wait_idle(5) and len(sim.got("stk")) == 2 and sim.got("confirm") == []


def test_c2b_v2_masks_and_v1_hashes_the_msisdn(sim: Sim, env: pytest.MonkeyPatch) -> None:
    client = sim.client()
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    client.simulate_c2b(10, "0708374149", "A1-0042")
    until(lambda: sim.got("confirm"), "the confirmation")
    assert sim.got("confirm")[0].body["MSISDN"] == "2547 ***** 149"
    _set(env, MPESA_SIM_C2B_VERSION="v1")
    v1 = sim.client(c2b_version="v1")
    v1.simulate_c2b(10, "0708374149", "A1-0042")
    until(lambda: len(sim.got("confirm")) == 2, "the v1 confirmation")
    hashed = sim.got("confirm")[1].body["MSISDN"]
    assert hashed == hashlib.sha256(b"254708374149").hexdigest()
    assert delivery.wait_idle(5)


def test_the_other_c2b_version_has_no_product(sim: Sim, env: pytest.MonkeyPatch) -> None:
    for app, other in (("v2", "v1"), ("v1", "v2")):
        _set(env, MPESA_SIM_C2B_VERSION=app)
        with pytest.raises(DarajaError) as err:
            sim.client(c2b_version=other).register_c2b_urls(sim.url("confirm"), sim.url("validate"))
        assert (err.value.http_status, err.value.code, err.value.message) == (
            401,
            "401.003.01",
            "Error Occurred - Invalid Access Token - no apiproduct match found",
        )
        sim.client(c2b_version=app).register_c2b_urls(
            sim.url("confirm"), sim.url("validate")
        )  # its own: fine


def test_urls_are_registered_once(sim: Sim) -> None:
    client = sim.client()
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))  # the same again: fine
    with pytest.raises(DarajaError) as err:
        client.register_c2b_urls(sim.url("confirm2"), sim.url("validate"))
    assert (err.value.http_status, err.value.code) == (500, "500.003.1001")
    assert err.value.message == "Urls are already registered"


def test_buy_goods_simulate_posts_an_empty_bill_ref(sim: Sim) -> None:
    till = sim.client(transaction_type="CustomerBuyGoodsOnline")
    till.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    till.simulate_c2b(10, "0708374149", "")
    till.simulate_c2b(20, "0708374149", "A1-0042")  # whatever was typed: a till has no account
    until(lambda: len(sim.got("confirm")) == 2, "the confirmations")
    assert delivery.wait_idle(5)
    bodies = [r.body for r in sim.got("confirm")]
    assert [b["BillRefNumber"] for b in bodies] == ["", ""]
    assert {b["TransactionType"] for b in bodies} == {"Buy Goods"}


def test_query_for_an_unknown_id_is_processing_then_does_not_exist(sim: Sim) -> None:
    client = sim.client()
    stamp = nairobi_timestamp()  # YYYYMMDDHHmmss
    fresh = f"ws_CO_{stamp[6:8]}{stamp[4:6]}{stamp[:4]}{stamp[8:]}123712000109"
    answer = client.stk_query(fresh)
    assert answer.pending  # 500.001.1001 "The transaction is being processed"
    for gone in ("ws_CO_01012020101010123712000109", "nonsense"):
        with pytest.raises(DarajaError) as err:
            client.stk_query(gone)
        assert (err.value.code, err.value.message) == (
            "500.001.1001",
            "The transaction does not Exist",
        )
    assert get_settings().daraja_shortcode == SHORTCODE
