"""What production adds (#11.4, 5, 6, 9), at the HTTP layer: tills beside paybills, the C2B
register version, errors by who can act on them (the payer, the landlord), the OAuth failures
explained, and the callback URL rules checked before anything is sent."""

from __future__ import annotations

import base64

import pytest

from pms_app.core.settings import BUY_GOODS, PAYBILL, SANDBOX_PASSKEY, get_settings
from pms_app.integrations.daraja import DarajaError, client_from_settings
from pms_app.integrations.daraja_setup import (
    FORBIDDEN_WORDS,
    config_problems,
    describe,
    explain,
    url_problems,
)
from tests.unit.payments import daraja_http as d

CB = "https://rent.example.co.ke/api/pay/t0k3n/stk"


# --- tills and paybills ------------------------------------------------------------------------


def test_a_till_pushes_to_the_till_with_the_store_number(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = d.real_daraja(monkeypatch, DARAJA_SHORTCODE="7654321", DARAJA_TILL_NUMBER="5123456")
    wire.on(d.OAUTH, 200, d.TOKEN_OK).on(d.STK, 200, d.PUSH_OK)
    s = get_settings()
    assert s.is_till and s.daraja_transaction_type == BUY_GOODS and s.daraja_party_b == "5123456"
    accepted = client_from_settings().stk_push("0708374149", 1500, "SUN-A1", "Rent", CB)
    assert accepted.checkout_request_id == d.PUSH_OK["CheckoutRequestID"]
    [push] = [x.body for x in wire.to(d.STK)]
    assert push["TransactionType"] == "CustomerBuyGoodsOnline"
    assert push["BusinessShortCode"] == 7654321 and push["PartyB"] == "5123456"
    # The Password is made with the store number, like BusinessShortCode.
    password = base64.b64decode(push["Password"]).decode()
    assert password == f"7654321{d.PASSKEY}{push['Timestamp']}"
    assert push["TransactionDesc"] == "Rent"  # always sent: without it, "Invalid Remarks"


def test_a_paybill_pushes_to_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, 200, d.TOKEN_OK).on(d.STK, 200, d.PUSH_OK)
    assert not get_settings().is_till
    client_from_settings().stk_push("0708374149", 10, "SUN-A1", "Rent", CB)
    [push] = [x.body for x in wire.to(d.STK)]
    assert push["TransactionType"] == PAYBILL
    assert push["BusinessShortCode"] == 600100 and push["PartyB"] == "600100"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["M-Pesa: Daraja production (https://api.safaricom.co.ke, real money)"]),
        (
            {"DARAJA_BASE_URL": "https://sandbox.safaricom.co.ke", "DARAJA_SHORTCODE": "174379"},
            ["M-Pesa: Daraja sandbox (https://sandbox.safaricom.co.ke, no real money)"],
        ),
    ],
)
def test_the_setup_says_which_is_configured_without_secrets(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: list[str]
) -> None:
    d.real_daraja(monkeypatch, MPESA_CALLBACK_TOKEN="tok-9f8e7d", **env)
    lines = describe(get_settings()).lines()
    assert lines[0] == expected[0]
    assert lines[1].startswith("Paybill ") and "CustomerPayBillOnline" in lines[1]
    assert "C2B URL registration: v2" in lines
    assert "Callbacks go to https://rent.example.co.ke/api/pay/…" in lines
    shown = "\n".join(lines)
    for secret in (d.KEY, d.SECRET, d.PASSKEY, "tok-9f8e7d"):
        assert secret not in shown

    d.real_daraja(monkeypatch, DARAJA_SHORTCODE="7654321", DARAJA_TILL_NUMBER="5123456")
    lines = describe(get_settings()).lines()
    assert lines[1] == "Buy Goods till 5123456 (store number 7654321, CustomerBuyGoodsOnline)"


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"DARAJA_TRANSACTION_TYPE": BUY_GOODS}, "needs DARAJA_TILL_NUMBER"),
        ({"DARAJA_TILL_NUMBER": "5123456", "DARAJA_TRANSACTION_TYPE": PAYBILL}, "unset one"),
        ({"DARAJA_TRANSACTION_TYPE": "CustomerPayBill"}, "must be CustomerPayBillOnline or"),
        ({"DARAJA_C2B_VERSION": "v3"}, "DARAJA_C2B_VERSION must be v1 or v2"),
        ({"DARAJA_PASSKEY": SANDBOX_PASSKEY}, "public sandbox passkey"),
        ({"DARAJA_SHORTCODE": "174379"}, "sandbox's 174379"),
        ({"DARAJA_BASE_URL": "http://api.safaricom.co.ke"}, "DARAJA_BASE_URL must be https"),
    ],
)
def test_settings_that_cannot_work_are_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], words: str
) -> None:
    d.real_daraja(monkeypatch, **env)
    problems = [p.text() for p in config_problems(get_settings())]
    assert len(problems) == 1 and words in problems[0], problems


def test_the_c2b_version_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, path in (("v1", "/mpesa/c2b/v1/registerurl"), ("2", "/mpesa/c2b/v2/registerurl")):
        wire = d.real_daraja(monkeypatch, DARAJA_C2B_VERSION=raw)
        wire.on(d.OAUTH, 200, d.TOKEN_OK).on(path, 200, d.REGISTERED)
        client_from_settings().register_c2b_urls(CB, CB)
        [sent] = wire.to("registerurl")
        assert sent.path == path and sent.body["ShortCode"] == "600100"
        assert config_problems(get_settings()) == []


# --- errors by who can act on them ------------------------------------------------------------


@pytest.mark.parametrize("body", [d.LOCKED, d.IN_PROCESS])
def test_another_prompt_open_is_the_payers_and_never_retried(body: dict[str, str]) -> None:
    wire = d.Wire().on(d.OAUTH, 200, d.TOKEN_OK).on(d.STK, 500, body)
    with pytest.raises(DarajaError) as err:
        d.client_on(wire).stk_push("0708374149", 10, "SUN-A1", "Rent", CB)
    assert err.value.kind == "prompt_open" and not err.value.retryable
    assert len(wire.to(d.STK)) == 1


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (401, d.NO_PRODUCT, "401.003.01"),
        (500, {"errorCode": "500.001.1001", "errorMessage": "Merchant does not exist"}, None),
        (400, {"errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid PartyB"}, None),
        (400, {"errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid Remarks"}, None),
        (200, d.HTML, "not_json"),
    ],
)
def test_setup_errors_are_the_landlords_and_never_retried(
    status: int, body: object, code: str | None
) -> None:
    wire = d.Wire().on(d.OAUTH, 200, d.TOKEN_OK).on(d.STK, status, body)
    with pytest.raises(DarajaError) as err:
        d.client_on(wire).stk_push("0708374149", 10, "SUN-A1", "Rent", CB)
    assert err.value.kind == "config" and not err.value.retryable
    assert code is None or err.value.code == code


def test_a_payers_own_field_and_a_busy_daraja_are_not_setup_errors() -> None:
    wire = d.Wire().on(d.OAUTH, 200, d.TOKEN_OK)
    wire.on(
        d.STK, 400, {"errorCode": "400.002.02", "errorMessage": "Bad Request - Invalid PhoneNumber"}
    )
    wire.on(d.STK, 500, {"errorCode": "500.003.02", "errorMessage": "Spike arrest violation"})
    client = d.client_on(wire)
    with pytest.raises(DarajaError) as phone:
        client.stk_push("0708374149", 10, "SUN-A1", "Rent", CB)
    with pytest.raises(DarajaError) as busy:
        client.stk_push("0708374149", 10, "SUN-A1", "Rent", CB)
    assert phone.value.kind == "other" and not phone.value.retryable
    assert busy.value.kind == "other" and busy.value.retryable


# --- OAuth failures, explained ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "code", "words"),
    [
        (400, "", "auth_failed", "Sandbox keys do not work against production"),
        (400, d.BAD_AUTH, "400.008.01", "Invalid authentication passed"),
        (200, d.HTML, "not_json", "answered with a web page"),
        (404, "<html>Not Found</html>", "http_404", "answered with a web page"),
        (401, "", "http_401", "setup problem (http_401"),
    ],
)
def test_oauth_failures_are_explained(
    monkeypatch: pytest.MonkeyPatch, status: int, body: object, code: str, words: str
) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, status, body, "text/html" if isinstance(body, str) and body else "")
    with pytest.raises(DarajaError) as err:
        client_from_settings().check_credentials()
    assert err.value.code == code and err.value.kind == "config" and not err.value.retryable
    text = explain(err.value.code, err.value.message, get_settings()).text()
    assert words in text
    assert d.SECRET not in text and d.KEY not in text
    assert len(wire.to(d.OAUTH)) == 1  # tried once


def test_an_html_answer_is_never_taken_for_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, 200, d.HTML)
    with pytest.raises(DarajaError) as err:
        client_from_settings().stk_push("0708374149", 10, "SUN-A1", "Rent", CB)
    assert err.value.code == "not_json" and wire.to(d.STK) == []


# --- callback URL rules -----------------------------------------------------------------------


def test_the_forbidden_words_are_daraja_mds() -> None:
    # "What production adds": M-PESA, mpesa, m-pesa, Safaricom, exe, exec, cmd, SQL, query.
    listed = ["M-PESA", "mpesa", "m-pesa", "Safaricom", "exe", "exec", "cmd", "SQL", "query"]
    assert {w.lower() for w in listed} == set(FORBIDDEN_WORDS)


@pytest.mark.parametrize(
    "url",
    [
        "https://pay.example.com/M-PESA",
        "https://mpesa.example.com",
        "https://pay.example.com/m-pesa",
        "https://SAFARICOM-rent.example.com",
        "https://pay.example.com/app.exe",
        "https://exec.example.com",
        "https://pay.example.com/cmd",
        "https://sql.example.com",
        "https://pay.example.com/Query",
    ],
)
def test_callback_urls_with_a_forbidden_word_are_refused(url: str) -> None:
    [problem] = url_problems(url)
    assert "Safaricom refuses callback URLs containing" in problem.text()


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://rent.example.co.ke", "must start with https://"),
        ("https://localhost:3000", "public address"),
        ("https://127.0.0.1", "public address"),
        ("https://192.168.1.20", "public address"),
        ("https://pms.local", "public address"),
        ("https://ab12.ngrok-free.app", "tunnelling hosts"),
        ("https://mockbin.org/bin/x", "tunnelling hosts"),
        ("https://requestbin.example.net", "tunnelling hosts"),
        ("https://rent.example.co.ke/my path", "spaces"),
    ],
)
def test_callback_urls_must_be_public_https(url: str, words: str) -> None:
    texts = [p.text() for p in url_problems(url)]
    assert any(words in t for t in texts), texts


def test_a_good_callback_url_passes() -> None:
    assert url_problems("https://rent.example.co.ke") == []
    assert url_problems("https://41.90.10.5:8443/pms") == []


def test_the_callback_token_is_checked_but_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    d.real_daraja(monkeypatch, MPESA_CALLBACK_TOKEN="run-cmd-42")
    [problem] = config_problems(get_settings())
    assert "MPESA_CALLBACK_TOKEN" in problem.text() and "run-cmd-42" not in problem.text()


def test_the_simulator_and_an_install_without_mpesa_check_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in d.MPESA_ENV:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    assert get_settings().uses_simulator and config_problems(get_settings()) == []
    assert describe(get_settings()).environment == "simulator"
