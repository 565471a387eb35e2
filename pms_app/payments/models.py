"""Payments: M-Pesa STK push, paybill (C2B), cash and bank."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Index, SQLModel

from pms_app.core.timestamps import utcnow


class PaymentStatus:
    PENDING = "pending"  # STK sent (or about to be); waiting for the payer
    PAID = "paid"  # credited to the ledger
    FAILED = "failed"
    REVIEW = "review"  # money arrived but something does not match: a manager decides
    UNALLOCATED = "unallocated"  # paybill payment with an unknown account number
    # Recorded by mistake (cash/bank only) and reversed in the ledger; the row stays (#10.7).
    VOID = "void"
    # An STK payment M-Pesa never confirmed either way within MPESA_UNCONFIRMED_AFTER (its
    # query kept answering "still processing"/"does not exist"): no longer queried; a manager
    # checks the M-Pesa statement and marks it paid (with the receipt) or failed (#11.7).
    UNCONFIRMED = "unconfirmed"


class PaymentMethod:
    STK = "mpesa_stk"
    C2B = "mpesa_paybill"
    CASH = "cash"
    BANK = "bank"


class Payment(SQLModel, table=True):
    __tablename__ = "payments"
    # Dashboard: totals per property (covering), and the newest paid payments first.
    # Both together: alone, the paid_at index misleads SQLite's planner for the totals.
    __table_args__ = (
        Index("ix_payments_status_property_amount", "status", "property_id", "amount"),
        Index("ix_payments_status_paid_at", "status", "paid_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lease_id: int | None = Field(default=None, foreign_key="leases.id", index=True)
    # A booking fee instead of rent (then lease_id is None and nothing goes to the ledger).
    booking_id: int | None = Field(default=None, index=True)
    property_id: int | None = Field(default=None, foreign_key="properties.id", index=True)
    method: str = Field(max_length=16)
    status: str = Field(max_length=12, index=True)
    amount: int
    # What M-Pesa reported paid when it differs from `amount` (the payment then waits for review;
    # accepting it credits this amount).
    received_amount: int | None = None
    # Given back (a cancelled booking's refund, marked made by a manager): "collected" counts
    # `amount - refunded_amount`; the row keeps what was paid (#10.7).
    refunded_amount: int = 0
    phone: str = Field(default="", max_length=20)
    account_ref: str = Field(default="", max_length=40)
    checkout_request_id: str | None = Field(default=None, max_length=80, unique=True)
    merchant_request_id: str | None = Field(default=None, max_length=80)
    mpesa_receipt: str | None = Field(default=None, max_length=30, unique=True)
    trans_id: str | None = Field(default=None, max_length=30, unique=True)  # C2B TransID
    result_code: str = Field(default="", max_length=20)
    result_desc: str = Field(default="", max_length=300)
    payer_name: str = Field(default="", max_length=120)
    reference: str = Field(default="", max_length=100)  # cash/bank slip number, free text
    receipt_no: str | None = Field(default=None, max_length=20, unique=True)  # RCP-2026-000001
    paid_at: datetime | None = None
    initiated_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class EarlyStkCallback(SQLModel, table=True):
    """An STK callback that arrived before the push's own answer (its CheckoutRequestID) was
    stored: kept until that happens, then applied (or by the reconciler); dropped after a day."""

    __tablename__ = "early_stk_callbacks"

    checkout_request_id: str = Field(primary_key=True, max_length=80)
    payload: str  # the parsed callback's fields, JSON
    received_at: datetime = Field(default_factory=utcnow, index=True)
