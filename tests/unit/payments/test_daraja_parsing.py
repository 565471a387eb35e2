"""Parsing what Daraja posts (daraja.md payloads verbatim), password/timestamp, payer messages."""

from __future__ import annotations

import base64
import copy
import json
import random
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from pms_app.core.settings import SANDBOX_PASSKEY
from pms_app.integrations.daraja import DarajaClient
from pms_app.integrations.daraja_wire import (
    RESULT_MESSAGES,
    C2BPayment,
    nairobi_timestamp,
    normalize_msisdn,
    parse_c2b,
    parse_stk_callback,
    result_message,
    stk_password,
)

SUCCESS_CALLBACK = """
{"Body":{"stkCallback":{"MerchantRequestID":"29115-34620561-1","CheckoutRequestID":"ws_CO_191220191020363925",
 "ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[
 {"Name":"Amount","Value":1.00},{"Name":"MpesaReceiptNumber","Value":"NLJ7RT61SV"},{"Name":"Balance"},
 {"Name":"TransactionDate","Value":20191219102115},{"Name":"PhoneNumber","Value":254708374149}]}}}}
"""
CANCELLED_CALLBACK = """
{"Body":{"stkCallback":{"MerchantRequestID":"f1e2-4b95","CheckoutRequestID":"ws_CO_21072024125243250722943992",
 "ResultCode":1032,"ResultDesc":"Request cancelled by user"}}}
"""
C2B_PAYLOAD = """
{"TransactionType":"Pay Bill","TransID":"RKTQDM7W6S","TransTime":"20191122063845","TransAmount":"10",
 "BusinessShortCode":"600638","BillRefNumber":"invoice008","InvoiceNumber":"","OrgAccountBalance":"",
 "ThirdPartyTransID":"","MSISDN":"25470****149","FirstName":"John","MiddleName":"","LastName":"Doe"}
"""

# Every ResultCode daraja.md lists.
CONTRACT_CODES = [
    "0", "1", "2", "3", "4", "8", "17", "1001", "1019", "1025", "9999", "1032", "1036", "1037",
    "2001", "2028", "8006", "SFC_IC0003", "4999",
]  # fmt: skip


def _success() -> dict[str, Any]:
    return json.loads(SUCCESS_CALLBACK)


def _items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return payload["Body"]["stkCallback"]["CallbackMetadata"]["Item"]


# --- STK callback --------------------------------------------------------------------------------


def test_success_callback_exactly_as_documented() -> None:
    cb = parse_stk_callback(_success())
    assert cb.merchant_request_id == "29115-34620561-1"
    assert cb.checkout_request_id == "ws_CO_191220191020363925"
    assert cb.result_code == "0" and cb.success
    assert cb.result_desc == "The service request is processed successfully."
    assert cb.amount == 1 and isinstance(cb.amount, int)  # 1.00 → 1
    assert cb.receipt == "NLJ7RT61SV"
    assert cb.phone == "254708374149"  # a JSON number → text
    assert cb.transaction_date == "20191219102115"


def test_raw_json_bytes_and_text_are_accepted() -> None:
    assert parse_stk_callback(SUCCESS_CALLBACK.encode()).receipt == "NLJ7RT61SV"
    assert parse_stk_callback(SUCCESS_CALLBACK).receipt == "NLJ7RT61SV"


def test_items_are_read_by_name_in_any_order() -> None:
    expected = parse_stk_callback(_success())
    rng = random.Random(7)
    for _ in range(10):
        payload = _success()
        rng.shuffle(_items(payload))
        assert parse_stk_callback(payload) == expected


def test_balance_with_value_and_unknown_items_are_ignored() -> None:
    payload = _success()
    _items(payload).extend([{"Name": "Balance", "Value": 99}, {"Name": "Surprise", "Value": "x"}])
    assert parse_stk_callback(payload).amount == 1


def test_amount_as_int_and_string() -> None:
    for value in (1500, "1500", "1500.00", 1500.0):
        payload = _success()
        _items(payload)[0]["Value"] = value
        assert parse_stk_callback(payload).amount == 1500


def test_failure_without_metadata() -> None:
    cb = parse_stk_callback(json.loads(CANCELLED_CALLBACK))
    assert cb.result_code == "1032" and not cb.success
    assert cb.result_desc == "Request cancelled by user"
    assert (cb.amount, cb.receipt, cb.phone, cb.transaction_date) == (None, None, None, None)


def test_result_code_as_string() -> None:
    payload = json.loads(CANCELLED_CALLBACK)
    payload["Body"]["stkCallback"]["ResultCode"] = "SFC_IC0003"
    assert parse_stk_callback(payload).result_code == "SFC_IC0003"
    payload["Body"]["stkCallback"]["ResultCode"] = "1032"
    assert parse_stk_callback(payload).result_code == "1032"


def test_missing_result_desc_is_empty() -> None:
    payload = json.loads(CANCELLED_CALLBACK)
    del payload["Body"]["stkCallback"]["ResultDesc"]
    assert parse_stk_callback(payload).result_desc == ""


def _broken_callbacks() -> list[object]:
    cases: list[object] = [
        None,
        [],
        "",
        b"not json",
        "{",
        {},
        {"Body": None},
        {"Body": {}},
        {"Body": {"stkCallback": []}},
        {"Body": {"stkCallback": {}}},
    ]
    base = _success()
    cb = base["Body"]["stkCallback"]
    for key in ("MerchantRequestID", "CheckoutRequestID", "ResultCode"):
        broken = copy.deepcopy(base)
        del broken["Body"]["stkCallback"][key]
        cases.append(broken)
    for key, bad in [
        ("ResultCode", True),
        ("ResultCode", None),
        ("ResultCode", ""),
        ("ResultCode", 1.5),
        ("ResultCode", {"x": 1}),
        ("CheckoutRequestID", 123.4),
        ("CheckoutRequestID", ""),
        ("MerchantRequestID", ["a"]),
        ("ResultDesc", 5),
        ("CallbackMetadata", "x"),
        ("CallbackMetadata", {"Item": "x"}),
        ("CallbackMetadata", {"Item": [1, 2]}),
        ("CallbackMetadata", {"Item": [{"Value": 1}]}),
        ("CallbackMetadata", {}),
    ]:
        broken = copy.deepcopy(base)
        broken["Body"]["stkCallback"][key] = bad
        cases.append(broken)
    for name, bad in [
        ("Amount", "ten"),
        ("Amount", 1.5),
        ("Amount", -1),
        ("Amount", True),
        ("Amount", "NaN"),
        ("MpesaReceiptNumber", ""),
        ("MpesaReceiptNumber", {"a": 1}),
        ("PhoneNumber", [254]),
    ]:
        broken = copy.deepcopy(base)
        for item in _items(broken):
            if item["Name"] == name:
                item["Value"] = bad
        cases.append(broken)
    # A success that cannot be credited: no receipt / no amount / no metadata at all.
    for name in ("MpesaReceiptNumber", "Amount"):
        broken = copy.deepcopy(base)
        broken["Body"]["stkCallback"]["CallbackMetadata"]["Item"] = [
            i for i in _items(broken) if i["Name"] != name
        ]
        cases.append(broken)
    no_meta = copy.deepcopy(base)
    del no_meta["Body"]["stkCallback"]["CallbackMetadata"]
    cases.append(no_meta)
    assert cb  # base untouched
    return cases


@pytest.mark.parametrize("payload", _broken_callbacks())
def test_malformed_callbacks_raise_value_error(payload: object) -> None:
    with pytest.raises(ValueError):
        parse_stk_callback(payload)


# --- C2B ---------------------------------------------------------------------------------------


def test_c2b_exactly_as_documented() -> None:
    assert parse_c2b(json.loads(C2B_PAYLOAD)) == C2BPayment(
        trans_id="RKTQDM7W6S",
        trans_time="20191122063845",
        amount=10,
        bill_ref="invoice008",
        msisdn="25470****149",
        first_name="John",
        last_name="Doe",
        shortcode="600638",
    )
    assert parse_c2b(C2B_PAYLOAD.encode()).trans_id == "RKTQDM7W6S"


@pytest.mark.parametrize("amount", ["10", "10.00", "10.0", 10, 10.0, " 10 "])
def test_c2b_amount_forms(amount: object) -> None:
    payload = json.loads(C2B_PAYLOAD)
    payload["TransAmount"] = amount
    assert parse_c2b(payload).amount == 10


def test_c2b_optional_fields() -> None:
    payload = json.loads(C2B_PAYLOAD)
    for key in ("FirstName", "LastName", "MiddleName", "InvoiceNumber"):
        del payload[key]
    payload["BillRefNumber"] = ""
    payload["BusinessShortCode"] = 600638  # a number from some senders
    c2b = parse_c2b(payload)
    assert (c2b.first_name, c2b.last_name, c2b.bill_ref, c2b.shortcode) == ("", "", "", "600638")


@pytest.mark.parametrize(
    "change",
    [
        {"TransAmount": "10.50"},
        {"TransAmount": "ten"},
        {"TransAmount": ""},
        {"TransAmount": None},
        {"TransAmount": "-5"},
        {"TransAmount": True},
        {"TransID": ""},
        {"TransID": None},
        {"TransID": ["x"]},
        {"TransTime": None},
        {"BusinessShortCode": ""},
        {"BillRefNumber": {"a": 1}},
        {"MSISDN": 1.5},
    ],
)
def test_malformed_c2b_raises_value_error(change: dict[str, object]) -> None:
    payload = json.loads(C2B_PAYLOAD)
    payload.update(change)
    with pytest.raises(ValueError):
        parse_c2b(payload)


@pytest.mark.parametrize("payload", [None, [], "", "[]", b"{", 42, {"TransID": "X"}])
def test_c2b_not_an_object(payload: object) -> None:
    with pytest.raises(ValueError):
        parse_c2b(payload)


# --- password, timestamp, phone ------------------------------------------------------------------


def test_nairobi_timestamp_is_utc_plus_3() -> None:
    at = datetime(2021, 6, 28, 6, 24, 8, tzinfo=UTC)
    assert nairobi_timestamp(at) == "20210628092408"
    assert nairobi_timestamp(at.replace(tzinfo=None)) == "20210628092408"  # naive = UTC
    other = at.astimezone(timezone(timedelta(hours=-5)))
    assert nairobi_timestamp(other) == "20210628092408"
    assert nairobi_timestamp(datetime(2021, 12, 31, 22, 0, tzinfo=UTC)) == "20220101010000"
    assert re.fullmatch(r"\d{14}", nairobi_timestamp())


def test_password_is_base64_of_shortcode_passkey_timestamp() -> None:
    password = stk_password("174379", SANDBOX_PASSKEY, "20210628092408")
    assert base64.b64decode(password).decode() == f"174379{SANDBOX_PASSKEY}20210628092408"


def test_stk_push_body_uses_one_timestamp_for_password(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: dict[str, Any] = {}

    class FakeResponse:
        status_code = 200

        def __init__(self, data: dict[str, Any]) -> None:
            self._data = data

        def json(self) -> dict[str, Any]:
            return self._data

    class FakeHttp:
        def get(self, url: str, **kw: Any) -> FakeResponse:
            assert kw["auth"] == ("k", "super-secret")
            return FakeResponse({"access_token": "T", "expires_in": "3599"})

        def post(self, url: str, json: dict[str, Any], **kw: Any) -> FakeResponse:
            sent.update(json)
            assert kw["headers"]["Authorization"] == "Bearer T"
            return FakeResponse(
                {"MerchantRequestID": "m", "CheckoutRequestID": "c", "ResponseCode": "0"}
            )

    client = DarajaClient(
        "https://x",
        "k",
        "super-secret",
        "174379",
        SANDBOX_PASSKEY,
        http=FakeHttp(),  # type: ignore[arg-type]
    )
    accepted = client.stk_push("0712 345 678", 5, "A1", "Rent", "https://example.org/cb")
    assert accepted.checkout_request_id == "c"
    ts = sent["Timestamp"]
    assert re.fullmatch(r"\d{14}", ts)
    assert sent["Password"] == stk_password("174379", SANDBOX_PASSKEY, ts)
    assert sent["PhoneNumber"] == sent["PartyA"] == "254712345678"
    assert sent["PartyB"] == "174379" and sent["BusinessShortCode"] == 174379
    assert sent["Amount"] == 5 and sent["TransactionType"] == "CustomerPayBillOnline"
    assert "super-secret" not in repr(client) and SANDBOX_PASSKEY not in repr(client)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0712345678", "254712345678"),
        ("0112 345 678", "254112345678"),
        ("+254712345678", "254712345678"),
        ("712345678", "254712345678"),
        ("254712345678", "254712345678"),
        ("12345", "12345"),  # left for Daraja to reject
    ],
)
def test_normalize_msisdn(raw: str, expected: str) -> None:
    assert normalize_msisdn(raw) == expected


# --- payer messages ------------------------------------------------------------------------------


def test_every_contract_result_code_has_a_message() -> None:
    assert set(CONTRACT_CODES) <= set(RESULT_MESSAGES)
    for code in CONTRACT_CODES:
        assert result_message(code) == RESULT_MESSAGES[code]
        assert len(result_message(code)) > 10


def test_named_messages() -> None:
    assert result_message("1032") == "You cancelled the M-Pesa prompt."
    assert result_message("2001") == "Wrong M-Pesa PIN entered."
    assert result_message("1") == "Not enough money in your M-Pesa account."
    for code in ("1037", "1036", "1019"):
        assert "time" in result_message(code).lower() or "expired" in result_message(code)
    assert result_message(" 1032 ") == result_message("1032")


def test_unknown_and_missing_codes_fall_back() -> None:
    assert "C2B00099" in result_message("C2B00099")
    assert "try again" in result_message("77777").lower()
    assert result_message(None)


@pytest.mark.parametrize("expires_in", ["3599", 3599, 3599.0, None, "soon"])
def test_token_expiry_as_text_or_number(expires_in: object) -> None:
    fetches: list[str] = []
    now = [0.0]

    class FakeResponse:
        status_code = 200

        def json(self) -> dict[str, Any]:
            data: dict[str, Any] = {"access_token": f"T{len(fetches)}"}
            if expires_in is not None:
                data["expires_in"] = expires_in
            return data

    class FakeHttp:
        def get(self, url: str, **kw: Any) -> FakeResponse:
            fetches.append(url)
            return FakeResponse()

    client = DarajaClient(
        "https://x", "k", "s", "174379", "p", http=FakeHttp(), clock=lambda: now[0]
    )  # type: ignore[arg-type]
    assert client.access_token() == "T1"
    now[0] = 3500.0
    assert client.access_token() == "T1" and len(fetches) == 1
    now[0] = 3540.0  # < 60 s left (missing/unreadable expires_in counts as 3599)
    assert client.access_token() == "T2" and len(fetches) == 2
