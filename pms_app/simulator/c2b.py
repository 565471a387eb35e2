"""The simulated paybill (C2B): URL registration, and a payment whose validation and confirmation
are posted to the registered URLs after commit by `delivery`."""

from __future__ import annotations

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
from pms_app.simulator.models import SimC2BRegistration, SimC2BTransaction
from pms_app.simulator.wire import (
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


def mask_msisdn(msisdn: str) -> str:
    """254708374149 → 25470****149 (C2B v2)."""
    return f"{msisdn[:5]}****{msisdn[-3:]}"


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
