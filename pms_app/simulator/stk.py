"""The simulated STK push: processrequest validated like Daraja, the prompt a person (or auto
mode) answers, the callback posted after commit by `delivery`, and stkpushquery."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from pms_app.core.db import on_commit
from pms_app.core.settings import Settings, get_settings
from pms_app.core.timestamps import utcnow
from pms_app.integrations.daraja_wire import (
    GENERIC_500,
    nairobi_timestamp,
)
from pms_app.simulator import c2b, delivery
from pms_app.simulator.models import SimStkRequest
from pms_app.simulator.wire import (
    LOCKED_SUBSCRIBER,
    TXN_TYPES,
    SimulatorError,
    WireError,
    bad_field,
    check_amount,
    check_credentials,
    check_digits,
    check_msisdn,
    check_object,
    check_text,
    check_url,
    new_request_id,
    random_upper,
    unique_value,
)

CORRECT_PIN = "1234"
PROMPT_TIMEOUT_S = 60  # an unanswered prompt times out (1037), checked lazily

ACCEPT, CANCEL, TIMEOUT = "accept", "cancel", "timeout"
NAIROBI = timezone(timedelta(hours=3))  # ids carry Nairobi time (no DST)

# Callback wording as production sends it, failures with their "[STK_CB - ]"/"[MpesaCB - ]"
# prefixes; the query says it differently on purpose (apps must map ResultCode only).
CALLBACK_DESC: dict[str, str] = {
    "0": "The service request is processed successfully.",
    "1": "[MpesaCB - ]The balance is insufficient for the transaction.",
    "1032": "[STK_CB - ]Request cancelled by user",
    "1037": "[STK_CB - ]DS timeout user cannot be reached",
    "2001": "[MpesaCB - ]The initiator information is invalid.",
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


def create_stk_request(
    session: Session, body: object, settings: Settings | None = None
) -> SimStkRequest:
    """Validate a processrequest body exactly like Daraja and store the pending prompt."""
    settings = settings or get_settings()
    data = check_object(body)
    shortcode = check_credentials(data, settings)
    txn_type = data.get("TransactionType")
    if txn_type not in TXN_TYPES:
        raise bad_field("TransactionType")
    amount = check_amount(data.get("Amount"))
    phone = check_msisdn(data.get("PhoneNumber"), "PhoneNumber")
    check_msisdn(data.get("PartyA"), "PartyA")
    check_digits(data.get("PartyB"), "PartyB")
    callback_url = check_url(data.get("CallBackURL"), "CallBackURL", settings)
    account_ref = check_text(data.get("AccountReference"), "AccountReference", 12)
    description = check_text(data.get("TransactionDesc"), "TransactionDesc", 13)

    expire_stale(session, phone)
    if session.exec(
        select(SimStkRequest.id).where(
            SimStkRequest.phone == phone, SimStkRequest.status == "pending"
        )
    ).first():
        raise WireError(500, GENERIC_500, LOCKED_SUBSCRIBER)
    req = SimStkRequest(
        merchant_request_id=unique_value(
            session, SimStkRequest.merchant_request_id, new_request_id
        ),
        checkout_request_id=unique_value(
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
        "result_desc": CALLBACK_DESC.get(code, "[STK_CB - ]The transaction failed."),
        "answered_at": now,
        "drop_callback": drop,
        "duplicate_callback": duplicate,
    }
    if code == "0":
        values["receipt"] = "SK" + random_upper(8)
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
    if code == "0":
        c2b.echo_stk_payment(session, req)  # its paybill confirmation, when the paybill has URLs
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
    """The body Daraja posts to CallBackURL (ResultCode a number; metadata only on success,
    read by name: Amount, MpesaReceiptNumber, TransactionDate, PhoneNumber)."""
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
                # No Balance item: current production leaves it out entirely.
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
    data = check_object(body)
    check_credentials(data, settings)
    checkout_id = data.get("CheckoutRequestID")
    if not isinstance(checkout_id, str) or not checkout_id.strip():
        raise bad_field("CheckoutRequestID")
    expire_stale(session)
    req = find(session, checkout_id.strip())
    if req is None:
        # Production: an id it does not know (yet) is "being processed" while its timestamp is
        # fresh, then "does not Exist" for good; the app's reconciler must give up on it.
        message = (
            "The transaction is being processed"
            if _fresh_id(checkout_id.strip())
            else "The transaction does not Exist"
        )
        raise WireError(500, GENERIC_500, message, checkout_id)
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


def _fresh_id(checkout_id: str) -> bool:
    """A ws_CO_<ddmmyyyyHHMMSS>… id minted within the prompt's lifetime (Nairobi time)."""
    stamp = checkout_id.removeprefix("ws_CO_")[:14]
    if not (checkout_id.startswith("ws_CO_") and stamp.isdigit() and len(stamp) == 14):
        return False
    try:
        made = datetime.strptime(stamp, "%d%m%Y%H%M%S").replace(tzinfo=NAIROBI)
    except ValueError:
        return False
    return timedelta(0) <= utcnow() - made <= timedelta(seconds=2 * PROMPT_TIMEOUT_S)
