"""The simulated paybill (C2B): URL registration, and a payment whose validation and confirmation
are posted to the registered URLs after commit by `delivery`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import Session, col, select

from pms_app.core.db import on_commit
from pms_app.core.settings import Settings, get_settings
from pms_app.core.timestamps import utcnow
from pms_app.integrations.daraja_wire import (
    INVALID_FIELD,
    nairobi_timestamp,
)
from pms_app.simulator import delivery
from pms_app.simulator.models import SimC2BRegistration, SimC2BTransaction, SimStkRequest
from pms_app.simulator.wire import (
    NO_PRODUCT,
    NO_PRODUCT_MESSAGE,
    TXN_TYPES,
    WireError,
    bad_field,
    check_amount,
    check_digits,
    check_msisdn,
    check_object,
    check_text,
    check_url,
    new_request_id,
    random_upper,
    unique_value,
)


def mask_msisdn(msisdn: str, version: str = "v2") -> str:
    """As production shows the payer: 254708374149 → `2547 ***** 149` (C2B v2), or the number's
    SHA-256 hex (v1). Never the number itself."""
    if version == "v1":
        return hashlib.sha256(msisdn.encode()).hexdigest()
    return f"{msisdn[:4]} ***** {msisdn[-3:]}"


def check_product(version: str, settings: Settings) -> None:
    """The simulated Daraja app has one C2B product: the other version's paths are refused."""
    if version != settings.sim_c2b_version:
        raise WireError(401, NO_PRODUCT, NO_PRODUCT_MESSAGE)


def register_c2b(
    session: Session, body: object, settings: Settings | None = None
) -> dict[str, str]:
    settings = settings or get_settings()
    data = check_object(body)
    shortcode = check_digits(data.get("ShortCode"), "ShortCode")
    response_type = str(data.get("ResponseType", "")).strip().capitalize()
    if response_type not in ("Completed", "Cancelled"):
        raise bad_field("ResponseType")
    confirmation = check_url(data.get("ConfirmationURL"), "ConfirmationURL", settings)
    validation = check_url(data.get("ValidationURL"), "ValidationURL", settings)
    row = session.get(SimC2BRegistration, shortcode)
    if row is not None and (row.confirmation_url, row.validation_url) != (
        confirmation,
        validation,
    ):
        # Production registers once: other URLs need the old ones deleted on the portal first.
        raise WireError(500, "500.003.1001", "Urls are already registered")
    row = row or SimC2BRegistration(shortcode=shortcode, confirmation_url=confirmation)
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
    data = check_object(body)
    shortcode = check_digits(data.get("ShortCode"), "ShortCode")
    command = data.get("CommandID")
    if command not in TXN_TYPES:
        raise bad_field("CommandID")
    amount = check_amount(data.get("Amount"))
    msisdn = check_msisdn(data.get("Msisdn"), "Msisdn")
    bill_ref = check_text(
        data.get("BillRefNumber", ""),
        "BillRefNumber",
        20,
        allow_empty=command == "CustomerBuyGoodsOnline",
    )
    if command == "CustomerBuyGoodsOnline":
        bill_ref = ""  # a till has no account number: production posts it empty
    reg = session.get(SimC2BRegistration, shortcode)
    if reg is None:
        raise WireError(400, INVALID_FIELD, "Bad Request - No URLs registered for this ShortCode")
    tx = SimC2BTransaction(
        trans_id=unique_value(session, SimC2BTransaction.trans_id, lambda: random_upper(10)),
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
    """The validation/confirmation body as production sends it (MSISDN masked or hashed)."""
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
        "MSISDN": mask_msisdn(tx.msisdn, get_settings().sim_c2b_version),
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


def echo_stk_payment(session: Session, req: SimStkRequest) -> None:
    """The STK echo (daraja.md): on a paybill whose C2B URLs are registered, the paid STK
    payment is ALSO posted as a paybill confirmation, TransID = its receipt and BillRefNumber =
    its AccountReference, racing the STK callback (either may come first). Setting:
    MPESA_SIM_STK_ECHO (on by default); tills never echo. The caller commits."""
    settings = get_settings()
    if not settings.sim_stk_echo or req.transaction_type != "CustomerPayBillOnline":
        return
    reg = session.get(SimC2BRegistration, req.shortcode)
    if reg is None or not req.receipt:
        return
    tx = SimC2BTransaction(
        trans_id=req.receipt,
        trans_time=req.transaction_date or nairobi_timestamp(),
        shortcode=req.shortcode,
        amount=req.amount,
        bill_ref=req.account_ref,
        msisdn=req.phone,
        first_name="John",
        last_name="Doe",
    )
    session.add(tx)
    session.flush()
    engine, payload = session.get_bind(), c2b_payload(tx)
    tx_id, delay, url = tx.id, settings.sim_callback_delay_s, reg.confirmation_url
    # Confirmation only: the payer already accepted the prompt, nothing is left to validate.
    on_commit(
        session, lambda: delivery.schedule_c2b(engine, tx_id, payload, "", url, "Completed", delay)
    )
