"""What every simulated Daraja endpoint shares: its error answers (WireError: HTTP status +
Daraja errorCode/errorMessage; SimulatorError for the person on the phone page), request ids, and
the field checks behind Daraja's 400.002.02."""

from __future__ import annotations

import hmac
import re
import secrets
import string
from typing import Any

from sqlmodel import Session, select

from pms_app.core.settings import Settings
from pms_app.integrations.daraja_wire import (
    GENERIC_500,
    INVALID_FIELD,
    stk_password,
)
from pms_app.simulator import delivery

MAX_AMOUNT = 250_000


_MSISDN_RE = re.compile(r"254[17]\d{8}")
TXN_TYPES = ("CustomerPayBillOnline", "CustomerBuyGoodsOnline")
# Daraja refuses callback URLs containing these words, any case ("exe" covers "exec"), and
# tunnelling hosts (daraja.md, "What production adds": URL rules).
_FORBIDDEN_URL_WORDS = ("m-pesa", "mpesa", "safaricom", "exe", "cmd", "sql", "query")
_TUNNEL_HOSTS = ("ngrok", "mockbin", "requestbin")
# Production's message when another prompt is open on the phone (HTTP 500, 500.001.1001).
LOCKED_SUBSCRIBER = (
    "[STK] - Unable to lock subscriber, a transaction is already in process for the current "
    "subscriber"
)
NO_PRODUCT = "401.003.01"
NO_PRODUCT_MESSAGE = "Error Occurred - Invalid Access Token - no apiproduct match found"
_ALNUM_UPPER = string.ascii_uppercase + string.digits


class WireError(Exception):
    """A Daraja error response: `{"requestId", "errorCode", "errorMessage"}` with an HTTP status."""

    def __init__(
        self, http_status: int, code: str, message: str, request_id: str | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.http_status = http_status
        self.code = code
        self.message = message
        self.request_id = request_id or new_request_id()

    def body(self) -> dict[str, str]:
        return {"requestId": self.request_id, "errorCode": self.code, "errorMessage": self.message}


class BadCredentials(WireError):
    """Wrong consumer key/secret: Daraja answers HTTP 400 with a body that is not JSON."""

    def __init__(self) -> None:
        super().__init__(400, "400.008.01", "Invalid Authentication passed")


class SimulatorError(Exception):
    """Something the person on the phone page can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def bad_field(field: str) -> WireError:
    return WireError(400, INVALID_FIELD, f"Bad Request - Invalid {field}")


def new_request_id() -> str:
    return f"{secrets.randbelow(90000) + 10000}-{secrets.randbelow(90_000_000) + 10_000_000}-1"


def random_upper(n: int) -> str:
    return "".join(secrets.choice(_ALNUM_UPPER) for _ in range(n))


# --- field checks (Daraja's 400.002.02) ---------------------------------------------------------


def check_digits(value: object, field: str, min_len: int = 5, max_len: int = 8) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_field(field)
    text = str(value).strip()
    if not (text.isdigit() and min_len <= len(text) <= max_len):
        raise bad_field(field)
    return text


def check_msisdn(value: object, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_field(field)
    text = str(value).strip()
    if not _MSISDN_RE.fullmatch(text):
        raise bad_field(field)
    return text


def check_amount(value: object, field: str = "Amount") -> int:
    if isinstance(value, bool):
        raise bad_field(field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if isinstance(value, int | str) else ""
    if not re.fullmatch(r"\d{1,7}", text) or not 1 <= int(text) <= MAX_AMOUNT:
        raise bad_field(field)
    return int(text)


def check_text(value: object, field: str, max_len: int, allow_empty: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_field(field)
    text = str(value)
    if len(text) > max_len or (not text.strip() and not allow_empty):
        raise bad_field(field)
    return text


def check_url(value: object, field: str, settings: Settings) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
        raise bad_field(field)
    lowered = value.lower()
    host = lowered.split("//", 1)[1].split("/", 1)[0]
    if (
        len(value) > 1000
        or any(word in lowered for word in _FORBIDDEN_URL_WORDS)
        or any(tunnel in host for tunnel in _TUNNEL_HOSTS)
    ):
        raise bad_field(field)
    # Unlike Daraja, the simulator only posts back to this app's own callback routes: it must
    # not make the server POST elsewhere, nor send paybill notifications to another server.
    if not delivery.is_own_callback_url(value, settings.callback_base_url):
        raise bad_field(field)
    return value


def check_credentials(body: dict[str, Any], settings: Settings) -> str:
    """BusinessShortCode, Timestamp and Password; returns the shortcode."""
    shortcode = check_digits(body.get("BusinessShortCode"), "BusinessShortCode")
    timestamp = body.get("Timestamp")
    if not isinstance(timestamp, str | int) or not re.fullmatch(r"\d{14}", str(timestamp)):
        raise bad_field("Timestamp")
    password = body.get("Password")
    if not isinstance(password, str) or not password:
        raise bad_field("Password")
    if shortcode != settings.daraja_shortcode:
        raise WireError(500, GENERIC_500, "Merchant does not exist")
    expected = stk_password(shortcode, settings.daraja_passkey, str(timestamp))
    if not hmac.compare_digest(password.encode(), expected.encode()):
        raise WireError(500, GENERIC_500, "Wrong credentials")
    return shortcode


def check_object(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise WireError(400, "400.002.05", "Invalid Request Payload")
    return body


def unique_value(session: Session, column: Any, make: Any) -> str:
    for _ in range(20):
        value = make()
        if session.exec(select(column).where(column == value)).first() is None:
            return value
    raise WireError(500, "500.003.1001", "Internal Server Error")
