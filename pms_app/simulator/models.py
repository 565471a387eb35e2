"""The M-Pesa simulator's own state (tables `sim_*`), so it works across processes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from pms_app.core.timestamps import utcnow


class SimStkRequest(SQLModel, table=True):
    """One STK push as the simulated Daraja received it, and how the 'phone' answered it."""

    __tablename__ = "sim_stk_requests"

    id: int | None = Field(default=None, primary_key=True)
    merchant_request_id: str = Field(max_length=40, unique=True)
    checkout_request_id: str = Field(max_length=40, unique=True)
    shortcode: str = Field(max_length=20)
    transaction_type: str = Field(max_length=30)
    phone: str = Field(max_length=12, index=True)  # 2547XXXXXXXX
    amount: int
    account_ref: str = Field(max_length=12)
    description: str = Field(max_length=13)
    callback_url: str = Field(max_length=1000)
    status: str = Field(default="pending", max_length=10, index=True)  # pending | answered
    result_code: str | None = Field(default=None, max_length=20)
    result_desc: str = Field(default="", max_length=200)
    receipt: str | None = Field(default=None, max_length=20, unique=True)
    transaction_date: str | None = Field(default=None, max_length=14)  # Nairobi YYYYMMDDHHmmss
    created_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None
    drop_callback: bool = False  # answer, but never post the callback
    duplicate_callback: bool = False  # post the callback twice
    query_count: int = 0  # pending queries alternate between 4999 and HTTP 500
    callback_sent_at: datetime | None = None
    callback_result: str = Field(default="", max_length=200)  # "HTTP 200" / error name


class SimC2BRegistration(SQLModel, table=True):
    """C2B URLs registered for a shortcode (registering again replaces them)."""

    __tablename__ = "sim_c2b_registrations"

    shortcode: str = Field(primary_key=True, max_length=20)
    response_type: str = Field(default="Completed", max_length=10)  # Completed | Cancelled
    confirmation_url: str = Field(max_length=1000)
    validation_url: str = Field(default="", max_length=1000)
    updated_at: datetime = Field(default_factory=utcnow)


class SimC2BTransaction(SQLModel, table=True):
    """A simulated paybill payment and what the app's validation/confirmation URLs answered."""

    __tablename__ = "sim_c2b_transactions"

    id: int | None = Field(default=None, primary_key=True)
    trans_id: str = Field(max_length=10, unique=True)
    trans_time: str = Field(max_length=14)  # Nairobi YYYYMMDDHHmmss
    shortcode: str = Field(max_length=20, index=True)
    amount: int
    bill_ref: str = Field(max_length=20)
    msisdn: str = Field(max_length=12)  # full number; payloads carry it masked
    first_name: str = Field(default="", max_length=40)
    last_name: str = Field(default="", max_length=40)
    # pending → validating → confirmed | rejected | failed (URL unreachable)
    status: str = Field(default="pending", max_length=12)
    validation_result: str = Field(default="", max_length=200)
    confirmation_result: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    confirmed_at: datetime | None = None


class SimToken(SQLModel, table=True):
    """An issued OAuth token (SHA-256 only). Issuing a new one deletes the previous ones."""

    __tablename__ = "sim_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
