"""The simulated Daraja's logic on a Session: OAuth, STK push/answer/query, C2B register/simulate.

Wire errors are raised as WireError (HTTP status + Daraja errorCode/errorMessage); a person's
mistake on the phone page as SimulatorError. Answers commit, then the callback is posted by
`pms_app.simulator.delivery` after the commit (never inside the request that caused it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from pms_app.core.db import on_commit
from pms_app.core.settings import Settings, get_settings
from pms_app.core.timestamps import utcnow
from pms_app.integrations.daraja_wire import (
    GENERIC_500,
    INVALID_FIELD,
    INVALID_TOKEN,
    nairobi_timestamp,
    stk_password,
)
from pms_app.simulator import delivery
from pms_app.simulator.models import SimC2BRegistration, SimC2BTransaction, SimStkRequest, SimToken

CORRECT_PIN = "1234"
TOKEN_TTL_S = 3599
PROMPT_TIMEOUT_S = 60  # an unanswered prompt times out (1037), checked lazily
MAX_AMOUNT = 250_000

ACCEPT, CANCEL, TIMEOUT = "accept", "cancel", "timeout"

# Callback wording; the query says it differently on purpose (apps must map ResultCode only).
CALLBACK_DESC: dict[str, str] = {
    "0": "The service request is processed successfully.",
    "1": "The balance is insufficient for the transaction.",
    "1032": "Request cancelled by user",
    "1037": "DS timeout user cannot be reached",
    "2001": "The initiator information is invalid.",
}
QUERY_DESC: dict[str, str] = {
    "0": "The service request is processed successfully.",
    "1": "The balance is insufficient for the transaction",
    "1032": "Request Cancelled by user",
    "1037": "No response from user.",
    "2001": "The initiator information is invalid.",
}

# auto mode: the phone's last 4 digits → (ResultCode, drop the callback, send it twice)
AUTO_RULES: dict[str, tuple[str, bool, bool]] = {
    "0001": ("1032", False, False),
    "0002": ("1", False, False),
    "0003": ("2001", False, False),
    "0004": ("1037", False, False),
    "0005": ("0", True, False),
    "0006": ("0", False, True),
}

_MSISDN_RE = re.compile(r"254[17]\d{8}")
_TXN_TYPES = ("CustomerPayBillOnline", "CustomerBuyGoodsOnline")
# Daraja refuses callback URLs containing these words (daraja.md, "Callback URL rules").
_FORBIDDEN_URL_WORDS = ("mpesa", "safaricom", "exec", "cmd", "sql", "query")
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


def _bad(field: str) -> WireError:
    return WireError(400, INVALID_FIELD, f"Bad Request - Invalid {field}")


def new_request_id() -> str:
    return f"{secrets.randbelow(90000) + 10000}-{secrets.randbelow(90_000_000) + 10_000_000}-1"


def _random_upper(n: int) -> str:
    return "".join(secrets.choice(_ALNUM_UPPER) for _ in range(n))


def mask_msisdn(msisdn: str) -> str:
    """254708374149 → 25470****149 (C2B v2)."""
    return f"{msisdn[:5]}****{msisdn[-3:]}"


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- OAuth -------------------------------------------------------------------------------------


def issue_token(
    session: Session,
    authorization: str | None,
    grant_type: str | None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """A new token for the configured key/secret; it invalidates every earlier one."""
    settings = settings or get_settings()
    if grant_type != "client_credentials":
        raise WireError(400, "400.008.02", "Invalid grant type passed")
    key, secret = _basic_credentials(authorization)
    ok_key = hmac.compare_digest(key.encode(), settings.daraja_consumer_key.encode())
    ok_secret = hmac.compare_digest(secret.encode(), settings.daraja_consumer_secret.encode())
    if not (ok_key and ok_secret):
        raise BadCredentials()
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(28))
    session.execute(delete(SimToken))
    row = SimToken(token_hash=_sha256(token), expires_at=utcnow() + timedelta(seconds=TOKEN_TTL_S))
    session.add(row)
    session.commit()
    # expires_in comes as a string from some Daraja versions, a number from others: either.
    expires_in: str | int = str(TOKEN_TTL_S) if secrets.randbelow(2) else TOKEN_TTL_S
    return {"access_token": token, "expires_in": expires_in}


def _basic_credentials(authorization: str | None) -> tuple[str, str]:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        raise BadCredentials()
    try:
        key, sep, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise BadCredentials() from exc
    if not sep:
        raise BadCredentials()
    return key, secret


def check_bearer(session: Session, authorization: str | None) -> None:
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        row = session.exec(select(SimToken).where(SimToken.token_hash == _sha256(token))).first()
        if row is not None and row.expires_at > utcnow():
            return
    raise WireError(404, INVALID_TOKEN, "Invalid Access Token")


# --- field checks (Daraja's 400.002.02) ---------------------------------------------------------


def _digits(value: object, field: str, min_len: int = 5, max_len: int = 8) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(field)
    text = str(value).strip()
    if not (text.isdigit() and min_len <= len(text) <= max_len):
        raise _bad(field)
    return text


def _msisdn(value: object, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(field)
    text = str(value).strip()
    if not _MSISDN_RE.fullmatch(text):
        raise _bad(field)
    return text


def _amount(value: object, field: str = "Amount") -> int:
    if isinstance(value, bool):
        raise _bad(field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if isinstance(value, int | str) else ""
    if not re.fullmatch(r"\d{1,7}", text) or not 1 <= int(text) <= MAX_AMOUNT:
        raise _bad(field)
    return int(text)


def _short_text(value: object, field: str, max_len: int, allow_empty: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad(field)
    text = str(value)
    if len(text) > max_len or (not text.strip() and not allow_empty):
        raise _bad(field)
    return text


def _url(value: object, field: str, settings: Settings) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
        raise _bad(field)
    if len(value) > 1000 or any(word in value.lower() for word in _FORBIDDEN_URL_WORDS):
        raise _bad(field)
    # Unlike Daraja, the simulator only posts back to this app's own callback routes: it must
    # not make the server POST elsewhere, nor send paybill notifications to another server.
    if not delivery.is_own_callback_url(value, settings.callback_base_url):
        raise _bad(field)
    return value


def _check_credentials(body: dict[str, Any], settings: Settings) -> str:
    """BusinessShortCode, Timestamp and Password; returns the shortcode."""
    shortcode = _digits(body.get("BusinessShortCode"), "BusinessShortCode")
    timestamp = body.get("Timestamp")
    if not isinstance(timestamp, str | int) or not re.fullmatch(r"\d{14}", str(timestamp)):
        raise _bad("Timestamp")
    password = body.get("Password")
    if not isinstance(password, str) or not password:
        raise _bad("Password")
    if shortcode != settings.daraja_shortcode:
        raise WireError(500, GENERIC_500, "Merchant does not exist")
    expected = stk_password(shortcode, settings.daraja_passkey, str(timestamp))
    if not hmac.compare_digest(password.encode(), expected.encode()):
        raise WireError(500, GENERIC_500, "Wrong credentials")
    return shortcode


def _object(body: object) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise WireError(400, "400.002.05", "Invalid Request Payload")
    return body


# --- STK push ----------------------------------------------------------------------------------


def create_stk_request(
    session: Session, body: object, settings: Settings | None = None
) -> SimStkRequest:
    """Validate a processrequest body exactly like Daraja and store the pending prompt."""
    settings = settings or get_settings()
    data = _object(body)
    shortcode = _check_credentials(data, settings)
    txn_type = data.get("TransactionType")
    if txn_type not in _TXN_TYPES:
        raise _bad("TransactionType")
    amount = _amount(data.get("Amount"))
    phone = _msisdn(data.get("PhoneNumber"), "PhoneNumber")
    _msisdn(data.get("PartyA"), "PartyA")
    _digits(data.get("PartyB"), "PartyB")
    callback_url = _url(data.get("CallBackURL"), "CallBackURL", settings)
    account_ref = _short_text(data.get("AccountReference"), "AccountReference", 12)
    description = _short_text(data.get("TransactionDesc"), "TransactionDesc", 13)

    expire_stale(session, phone)
    if session.exec(
        select(SimStkRequest.id).where(
            SimStkRequest.phone == phone, SimStkRequest.status == "pending"
        )
    ).first():
        raise WireError(
            500,
            GENERIC_500,
            "Unable to lock subscriber, a transaction is already in process for the current "
            "subscriber",
        )
    req = SimStkRequest(
        merchant_request_id=_unique(session, SimStkRequest.merchant_request_id, new_request_id),
        checkout_request_id=_unique(
            session, SimStkRequest.checkout_request_id, lambda: _checkout_id(phone)
        ),
        shortcode=shortcode,
        transaction_type=str(txn_type),
        phone=phone,
        amount=amount,
        account_ref=account_ref,
        description=description,
        callback_url=callback_url,
    )
    session.add(req)
    session.commit()
    return req


def _checkout_id(phone: str) -> str:
    """ws_CO_<Nairobi ddmmyyyyHHMMSS><3 digits><msisdn tail>, like ws_CO_21072024125243250722943992."""
    stamp = nairobi_timestamp()
    ddmmyyyy = stamp[6:8] + stamp[4:6] + stamp[0:4]
    return f"ws_CO_{ddmmyyyy}{stamp[8:]}{secrets.randbelow(1000):03d}{phone[-9:]}"


def _unique(session: Session, column: Any, make: Any) -> str:
    for _ in range(20):
        value = make()
        if session.exec(select(column).where(column == value)).first() is None:
            return value
    raise WireError(500, "500.003.1001", "Internal Server Error")


def push_response(req: SimStkRequest) -> dict[str, str]:
    return {
        "MerchantRequestID": req.merchant_request_id,
        "CheckoutRequestID": req.checkout_request_id,
        "ResponseCode": "0",
        "ResponseDescription": "Success. Request accepted for processing",
        "CustomerMessage": "Success. Request accepted for processing",
    }


def find(session: Session, checkout_request_id: str) -> SimStkRequest | None:
    return session.exec(
        select(SimStkRequest).where(SimStkRequest.checkout_request_id == checkout_request_id)
    ).first()


def answer(
    session: Session, checkout_request_id: str, action: str, pin: str | None = None
) -> SimStkRequest:
    """A person's answer on the phone: ACCEPT with a PIN (right PIN → 0, else 2001), CANCEL
    (1032) or TIMEOUT (1037). Raises SimulatorError if the prompt is gone or already answered."""
    if action == ACCEPT:
        code = "0" if (pin or "").strip() == CORRECT_PIN else "2001"
    elif action == CANCEL:
        code = "1032"
    elif action == TIMEOUT:
        code = "1037"
    else:
        raise ValueError(f"unknown action {action!r}")
    req = find(session, checkout_request_id)
    if req is None:
        raise SimulatorError("That prompt no longer exists.")
    return resolve(session, req, code)


def auto_outcome(phone: str) -> tuple[str, bool, bool]:
    """(ResultCode, drop callback, duplicate callback) for auto mode, by the phone's last 4."""
    return AUTO_RULES.get(phone[-4:], ("0", False, False))


def apply_auto_rule(session: Session, req: SimStkRequest) -> SimStkRequest:
    code, drop, duplicate = auto_outcome(req.phone)
    return resolve(session, req, code, drop=drop, duplicate=duplicate)


def resolve(
    session: Session,
    req: SimStkRequest,
    code: str,
    drop: bool = False,
    duplicate: bool = False,
) -> SimStkRequest:
    """Answer a pending prompt once (conditional update), then post the callback after commit."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": "answered",
        "result_code": code,
        "result_desc": CALLBACK_DESC.get(code, "The transaction failed."),
        "answered_at": now,
        "drop_callback": drop,
        "duplicate_callback": duplicate,
    }
    if code == "0":
        values["receipt"] = "SK" + _random_upper(8)
        values["transaction_date"] = nairobi_timestamp(now)
    claimed = session.execute(
        update(SimStkRequest)
        .where(col(SimStkRequest.id) == req.id, col(SimStkRequest.status) == "pending")
        .values(**values)
    )
    if claimed.rowcount != 1:
        session.rollback()
        raise SimulatorError("That prompt was already answered.")
    session.flush()
    session.refresh(req)
    if not drop:
        engine = session.get_bind()
        url, payload, shortcode = req.callback_url, callback_payload(req), req.shortcode
        copies, delay, req_id = 2 if duplicate else 1, get_settings().sim_callback_delay_s, req.id
        on_commit(
            session,
            lambda: delivery.schedule_stk_callback(
                engine, req_id, url, payload, shortcode, copies, delay
            ),
        )
    session.commit()
    return req


def callback_payload(req: SimStkRequest) -> dict[str, Any]:
    """The body Daraja posts to CallBackURL (ResultCode a number; metadata only on success)."""
    cb: dict[str, Any] = {
        "MerchantRequestID": req.merchant_request_id,
        "CheckoutRequestID": req.checkout_request_id,
        "ResultCode": int(req.result_code)
        if (req.result_code or "").isdigit()
        else req.result_code,
        "ResultDesc": req.result_desc,
    }
    if req.result_code == "0":
        cb["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": float(req.amount)},  # 1.0, like Daraja's 1.00
                {"Name": "MpesaReceiptNumber", "Value": req.receipt},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(req.transaction_date or 0)},
                {"Name": "PhoneNumber", "Value": int(req.phone)},
            ]
        }
    return {"Body": {"stkCallback": cb}}


def expire_stale(session: Session, phone: str | None = None) -> int:
    """Prompts left unanswered for PROMPT_TIMEOUT_S time out with 1037 (callback included)."""
    cutoff = utcnow() - timedelta(seconds=PROMPT_TIMEOUT_S)
    query = select(SimStkRequest).where(
        SimStkRequest.status == "pending", SimStkRequest.created_at < cutoff
    )
    if phone:
        query = query.where(SimStkRequest.phone == phone)
    expired = 0
    for req in session.exec(query).all():
        try:
            resolve(session, req, "1037")
            expired += 1
        except SimulatorError:
            pass  # someone answered it meanwhile
    return expired


def pending_prompts(session: Session, phone: str) -> list[SimStkRequest]:
    expire_stale(session, phone)
    return list(
        session.exec(
            select(SimStkRequest)
            .where(SimStkRequest.phone == phone, SimStkRequest.status == "pending")
            .order_by(col(SimStkRequest.id))
        ).all()
    )


def recent_answers(session: Session, phone: str, limit: int = 5) -> list[SimStkRequest]:
    return list(
        session.exec(
            select(SimStkRequest)
            .where(SimStkRequest.phone == phone, SimStkRequest.status == "answered")
            .order_by(col(SimStkRequest.id).desc())
            .limit(limit)
        ).all()
    )


# --- STK query ---------------------------------------------------------------------------------


def query(session: Session, body: object, settings: Settings | None = None) -> dict[str, str]:
    """stkpushquery: unknown → 500 'does not Exist'; pending → alternately ResultCode 4999 and
    HTTP 500 'being processed'; answered → ResultCode (a string) and the query's ResultDesc."""
    settings = settings or get_settings()
    data = _object(body)
    _check_credentials(data, settings)
    checkout_id = data.get("CheckoutRequestID")
    if not isinstance(checkout_id, str) or not checkout_id.strip():
        raise _bad("CheckoutRequestID")
    expire_stale(session)
    req = find(session, checkout_id.strip())
    if req is None:
        raise WireError(500, GENERIC_500, "The transaction does not Exist", checkout_id)
    base = {
        "ResponseCode": "0",
        "ResponseDescription": "The service request has been accepted successsfully",
        "MerchantRequestID": req.merchant_request_id,
        "CheckoutRequestID": req.checkout_request_id,
    }
    if req.status == "pending":
        asked = req.query_count
        session.execute(
            update(SimStkRequest)
            .where(col(SimStkRequest.id) == req.id)
            .values(query_count=SimStkRequest.query_count + 1)
        )
        session.commit()
        if asked % 2:
            raise WireError(500, GENERIC_500, "The transaction is being processed", checkout_id)
        return {
            **base,
            "ResultCode": "4999",
            "ResultDesc": "The transaction is still under processing",
        }
    code = req.result_code or ""
    return {**base, "ResultCode": code, "ResultDesc": QUERY_DESC.get(code, req.result_desc)}


# --- C2B ---------------------------------------------------------------------------------------


def register_c2b(
    session: Session, body: object, settings: Settings | None = None
) -> dict[str, str]:
    settings = settings or get_settings()
    data = _object(body)
    shortcode = _digits(data.get("ShortCode"), "ShortCode")
    response_type = str(data.get("ResponseType", "")).strip().capitalize()
    if response_type not in ("Completed", "Cancelled"):
        raise _bad("ResponseType")
    confirmation = _url(data.get("ConfirmationURL"), "ConfirmationURL", settings)
    validation = _url(data.get("ValidationURL"), "ValidationURL", settings)
    row = session.get(SimC2BRegistration, shortcode) or SimC2BRegistration(
        shortcode=shortcode, confirmation_url=confirmation
    )
    row.response_type, row.confirmation_url, row.validation_url = (
        response_type,
        confirmation,
        validation,
    )
    row.updated_at = utcnow()
    session.add(row)
    session.commit()
    return {
        "OriginatorCoversationID": new_request_id(),  # (sic)
        "ResponseCode": "0",
        "ResponseDescription": "success",
    }


@dataclass(frozen=True)
class Payer:
    first_name: str = "John"
    last_name: str = "Doe"


def simulate_c2b(session: Session, body: object, payer: Payer | None = None) -> dict[str, str]:
    """A paybill payment: validation then confirmation are posted to the registered URLs."""
    payer = payer or Payer()
    data = _object(body)
    shortcode = _digits(data.get("ShortCode"), "ShortCode")
    command = data.get("CommandID")
    if command not in _TXN_TYPES:
        raise _bad("CommandID")
    amount = _amount(data.get("Amount"))
    msisdn = _msisdn(data.get("Msisdn"), "Msisdn")
    bill_ref = _short_text(
        data.get("BillRefNumber", ""),
        "BillRefNumber",
        20,
        allow_empty=command == "CustomerBuyGoodsOnline",
    )
    reg = session.get(SimC2BRegistration, shortcode)
    if reg is None:
        raise WireError(400, INVALID_FIELD, "Bad Request - No URLs registered for this ShortCode")
    tx = SimC2BTransaction(
        trans_id=_unique(session, SimC2BTransaction.trans_id, lambda: _random_upper(10)),
        trans_time=nairobi_timestamp(),
        shortcode=shortcode,
        amount=amount,
        bill_ref=bill_ref,
        msisdn=msisdn,
        first_name=payer.first_name,
        last_name=payer.last_name,
    )
    session.add(tx)
    session.flush()
    engine, payload = session.get_bind(), c2b_payload(tx, str(command))
    tx_id, delay = tx.id, get_settings().sim_callback_delay_s
    urls = (reg.validation_url, reg.confirmation_url, reg.response_type)
    on_commit(session, lambda: delivery.schedule_c2b(engine, tx_id, payload, *urls, delay))
    session.commit()
    return {
        "OriginatorCoversationID": new_request_id(),
        "ResponseCode": "0",
        "ResponseDescription": "Accept the service request successfully.",
    }


def c2b_payload(tx: SimC2BTransaction, command: str = "CustomerPayBillOnline") -> dict[str, str]:
    """The validation/confirmation body, exactly as daraja.md shows it (MSISDN masked)."""
    return {
        "TransactionType": "Pay Bill" if command == "CustomerPayBillOnline" else "Buy Goods",
        "TransID": tx.trans_id,
        "TransTime": tx.trans_time,
        # "10" or "10.00": Daraja sends both; alternate so receivers handle each.
        "TransAmount": f"{tx.amount}.00" if (tx.id or 0) % 2 == 0 else str(tx.amount),
        "BusinessShortCode": tx.shortcode,
        "BillRefNumber": tx.bill_ref,
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": mask_msisdn(tx.msisdn),
        "FirstName": tx.first_name,
        "MiddleName": "",
        "LastName": tx.last_name,
    }


def c2b_transactions(session: Session, msisdn: str, limit: int = 5) -> list[SimC2BTransaction]:
    return list(
        session.exec(
            select(SimC2BTransaction)
            .where(SimC2BTransaction.msisdn == msisdn)
            .order_by(col(SimC2BTransaction.id).desc())
            .limit(limit)
        ).all()
    )
