"""The Daraja (M-Pesa) wire contract, without HTTP: error and result codes, the payer's message
for each ResultCode, the STK password and timestamp, phone numbers, and the parsed shapes of
what Daraja answers and posts to us (STK callback, C2B validation/confirmation).

The contract is docs in /work/shared/reference/daraja.md. The client (`daraja`) and the built-in
simulator (`pms_app.simulator`) both speak it from here.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from pms_app.core import clock
from pms_app.core.i18n import N_

NAIROBI = timezone(timedelta(hours=3), "EAT")  # Kenya has no daylight saving
MIN_AMOUNT, MAX_AMOUNT = 1, 250_000  # whole shillings M-Pesa moves in one transaction

INVALID_TOKEN = "404.001.03"
INVALID_FIELD = "400.002.02"
GENERIC_500 = "500.001.1001"
SPIKE_ARREST = "500.003.02"
QUOTA = "500.003.03"
INTERNAL = "500.003.1001"
NO_PRODUCT = "401.003.01"  # "…no apiproduct match found": the Daraja app lacks the product
BAD_AUTH = "400.008.01"  # "Invalid authentication passed"
BAD_GRANT = "400.008.02"
AUTH_FAILED = "auth_failed"  # our code: OAuth HTTP 400 with an empty or non-JSON body
NOT_JSON = "not_json"  # our code: a web page (HTML) or other non-JSON where JSON was due
PROMPT_OPEN_CODE = "1001"  # the ResultCode of "unable to lock subscriber", stored as such

# What the payer reads when another prompt is open on the phone (sync push error or ResultCode
# 1001), and when the landlord's setup is at fault (nothing the payer can do).
PROMPT_OPEN = N_(
    "Another M-Pesa prompt is open on this phone — finish or cancel it, then try again in a minute."
)
SETUP_PROBLEM = N_(
    "M-Pesa payments are not working here at the moment because of a problem with the "
    "landlord's M-Pesa setup, not with your phone. Your landlord can see it; pay by cash or bank "
    "meanwhile, or try again later."
)
# Codes that say the install's Daraja configuration is wrong: never retried, never a payer's
# fault. 500.001.1001 and 400.002.02 only with some messages (see error_kind).
_CONFIG_CODES = frozenset(
    {NO_PRODUCT, BAD_AUTH, BAD_GRANT, AUTH_FAILED, NOT_JSON, "404.001.04", "400.002.05"}
    | {"http_401", "http_403", "http_404", "http_405"}
)
_LOCKED_HINTS = ("lock subscriber", "already in process")
_CREDENTIAL_HINTS = ("credential", "merchant does not exist", "invalid shortcode")
_PAYER_FIELDS = ("phone", "partya", "amount")  # 400.002.02 about these is the payer's input


def error_kind(code: str, message: str) -> str:
    """What a Daraja error means for whoever acts on it: "prompt_open" (another prompt is open
    on the phone: wait a minute, never re-push now), "config" (the install's setup: tell the
    landlord, never retry), else "other" (retryable or not, by HTTP status and code)."""
    text = message.lower()
    if code == PROMPT_OPEN_CODE or (code == GENERIC_500 and any(h in text for h in _LOCKED_HINTS)):
        return "prompt_open"
    if code in _CONFIG_CODES:
        return "config"
    if code == GENERIC_500 and any(h in text for h in _CREDENTIAL_HINTS):
        return "config"
    if code == INVALID_FIELD and not any(f in text.replace(" ", "") for f in _PAYER_FIELDS):
        return "config"  # Invalid BusinessShortCode / PartyB / Remarks / CallBackURL
    return "other"


# Every ResultCode of daraja.md → what the payer should read.
RESULT_MESSAGES: dict[str, str] = {
    "0": "Payment received. Thank you.",
    "1": "Not enough money in your M-Pesa account.",
    "2": "The amount is below the M-Pesa minimum.",
    "3": "The amount is above the M-Pesa maximum.",
    "4": "You have reached your daily M-Pesa limit.",
    "8": "This payment would take the account above its M-Pesa balance limit.",
    "17": "You paid the same amount moments ago. Wait two minutes before paying it again.",
    "1001": PROMPT_OPEN,
    "1019": "The M-Pesa prompt expired before it was answered. Please try again.",
    "1025": "M-Pesa could not send the prompt to your phone. Please try again.",
    "9999": "M-Pesa could not send the prompt to your phone. Please try again.",
    "1032": "You cancelled the M-Pesa prompt.",
    "1036": "The M-Pesa prompt timed out before it reached your phone. Please try again.",
    "1037": "Your phone could not be reached or the M-Pesa prompt timed out. "
    "Keep the phone on and unlocked, then try again.",
    "2001": "Wrong M-Pesa PIN entered.",
    "2028": "This M-Pesa payment is not permitted. Contact the landlord.",
    "8006": "Your M-Pesa PIN is locked. Contact Safaricom to unlock it.",
    "SFC_IC0003": "That phone number is not an M-Pesa number.",
    "4999": "M-Pesa is still processing the payment.",
}


def result_message(code: str | None) -> str:
    """The payer's message for a ResultCode (never derived from ResultDesc)."""
    if code is None:
        return "M-Pesa has not confirmed the payment yet."
    code = str(code).strip()
    if code in RESULT_MESSAGES:
        return RESULT_MESSAGES[code]
    return f"The M-Pesa payment did not go through (code {code}). Please try again."


@dataclass(frozen=True)
class StkAccepted:
    merchant_request_id: str
    checkout_request_id: str
    customer_message: str


@dataclass(frozen=True)
class StkQueryResult:
    pending: bool
    result_code: str | None
    result_desc: str


@dataclass(frozen=True)
class StkCallback:
    merchant_request_id: str
    checkout_request_id: str
    result_code: str
    result_desc: str
    amount: int | None
    receipt: str | None
    phone: str | None
    transaction_date: str | None

    @property
    def success(self) -> bool:
        return self.result_code == "0"


@dataclass(frozen=True)
class C2BPayment:
    trans_id: str
    trans_time: str
    amount: int
    bill_ref: str
    msisdn: str
    first_name: str
    last_name: str
    shortcode: str


# --- helpers ------------------------------------------------------------------------------------


def nairobi_timestamp(now: datetime | None = None) -> str:
    """`YYYYMMDDHHmmss` in Nairobi time. A naive `now` is taken as UTC."""
    now = now or clock.now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def stk_password(shortcode: str, passkey: str, timestamp: str) -> str:
    return base64.b64encode(f"{shortcode}{passkey}{timestamp}".encode()).decode()


def normalize_msisdn(phone: str) -> str:
    """07…/01…/+254…/7… → 2547…/2541…; anything else is returned stripped (Daraja judges it)."""
    raw = re.sub(r"[\s\-()]", "", phone or "").removeprefix("+")
    if re.fullmatch(r"0[17]\d{8}", raw):
        return "254" + raw[1:]
    if re.fullmatch(r"[17]\d{8}", raw):
        return "254" + raw
    return raw


# --- parsing what Daraja posts ------------------------------------------------------------------


def _load(payload: object) -> object:
    if isinstance(payload, bytes | bytearray | str):
        try:
            return json.loads(payload)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            # RecursionError: a hostile, thousands-deep nesting is malformed too (400, not 500).
            raise ValueError("not JSON") from exc
    return payload


def _text(value: object, what: str, allow_empty: bool = False, max_len: int = 100) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{what}: expected text")
    text = str(value).strip()
    if (not text and not allow_empty) or len(text) > max_len:
        raise ValueError(f"{what}: bad value")
    return text


def _whole_shillings(value: object, what: str) -> int:
    """1, 1.0, "1", "1.00" → 1; fractions, zero, negatives, more than M-Pesa ever moves in one
    transaction ("1e30"), booleans and junk → ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what}: expected a number")
    text = str(value).strip()
    if len(text) > 20:
        raise ValueError(f"{what}: expected a number")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{what}: expected a number") from exc
    if not number.is_finite() or number != number.to_integral_value():
        raise ValueError(f"{what}: expected whole shillings")
    if not MIN_AMOUNT <= number <= MAX_AMOUNT:
        raise ValueError(f"{what}: outside {MIN_AMOUNT}..{MAX_AMOUNT}")
    return int(number)


def parse_stk_callback(payload: object) -> StkCallback:
    """The STK callback body (dict, or raw JSON bytes/str). ValueError if malformed."""
    data = _load(payload)
    body = data.get("Body") if isinstance(data, dict) else None
    cb = body.get("stkCallback") if isinstance(body, dict) else None
    if not isinstance(cb, dict):
        raise ValueError("no Body.stkCallback")
    merchant = _text(cb.get("MerchantRequestID"), "MerchantRequestID")
    checkout = _text(cb.get("CheckoutRequestID"), "CheckoutRequestID")
    code = cb.get("ResultCode")
    if isinstance(code, bool) or not isinstance(code, int | str) or not str(code).strip():
        raise ValueError("ResultCode: missing or not a number/text")
    result_code = str(code).strip()
    desc = cb.get("ResultDesc", "")
    if not isinstance(desc, str):
        raise ValueError("ResultDesc: expected text")

    items: dict[str, object] = {}
    meta = cb.get("CallbackMetadata")
    if meta is not None:
        raw_items = meta.get("Item") if isinstance(meta, dict) else None
        if not isinstance(raw_items, list):
            raise ValueError("CallbackMetadata.Item: expected a list")
        for item in raw_items:
            if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
                raise ValueError("CallbackMetadata.Item: bad entry")
            if "Value" in item and item["Value"] is not None:  # Balance often has no Value
                items[item["Name"]] = item["Value"]

    amount = _whole_shillings(items["Amount"], "Amount") if "Amount" in items else None
    receipt = (
        _text(items["MpesaReceiptNumber"], "Receipt") if "MpesaReceiptNumber" in items else None
    )
    phone = _text(items["PhoneNumber"], "PhoneNumber") if "PhoneNumber" in items else None
    date = (
        _text(items["TransactionDate"], "TransactionDate") if "TransactionDate" in items else None
    )
    if result_code == "0" and (amount is None or receipt is None):
        raise ValueError("a successful callback without Amount or MpesaReceiptNumber")
    return StkCallback(merchant, checkout, result_code, desc, amount, receipt, phone, date)


def parse_c2b(payload: object) -> C2BPayment:
    """A C2B validation/confirmation body (dict, or raw JSON bytes/str). ValueError if malformed."""
    data = _load(payload)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return C2BPayment(
        trans_id=_text(data.get("TransID"), "TransID", max_len=40),
        trans_time=_text(data.get("TransTime"), "TransTime", max_len=20),
        amount=_whole_shillings(data.get("TransAmount"), "TransAmount"),
        bill_ref=_text(data.get("BillRefNumber", ""), "BillRefNumber", allow_empty=True),
        msisdn=_text(data.get("MSISDN", ""), "MSISDN", allow_empty=True, max_len=200),
        first_name=_text(data.get("FirstName") or "", "FirstName", allow_empty=True),
        last_name=_text(data.get("LastName") or "", "LastName", allow_empty=True),
        shortcode=_text(data.get("BusinessShortCode"), "BusinessShortCode", max_len=20),
    )
