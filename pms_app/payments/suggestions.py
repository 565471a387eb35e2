"""Which lease queued paybill money is probably for (#11.2), and a manager's one-click yes.

Money whose account number matched no lease waits in the unallocated queue. A suggestion weighs
what the confirmation tells: the phone digits M-Pesa still shows, an amount equal to the rent
or to what the tenant owes, and the payer's name. Only leases the money may go to are weighed
(the property its account prefix names; admins: any), and only a clear winner is suggested."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core.errors import NotFound, ServiceError
from pms_app.core.i18n import N_
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger.models import LedgerEntry
from pms_app.payments.matching import compare_phones
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.paybill import assign_unallocated, visible_unallocated
from pms_app.properties.models import Unit

SAME_PHONE = N_("same phone digits")
SAME_RENT = N_("amount equals the rent")
SAME_BALANCE = N_("amount equals the balance")
SAME_NAME = N_("payer's name")
SUGGESTION_CHANGED = N_("The suggestion for this payment has changed: look at it again.")
MIN_SCORE = 2  # one strong sign (phone, whole name) or two weak ones


@dataclass(frozen=True)
class Suggestion:
    lease_id: int
    account_ref: str
    tenant: str
    unit: str
    reasons: tuple[str, ...]  # msgids, translated where shown


@dataclass(frozen=True)
class _Candidate:
    lease_id: int
    property_id: int
    account_ref: str
    rent: int
    tenant: str
    phone: str
    unit: str


def _words(name: str) -> set[str]:
    return {w for w in re.split(r"[^a-z]+", (name or "").lower()) if len(w) >= 2}


def _weigh(p: Payment, c: _Candidate, balance: int) -> tuple[int, tuple[str, ...]]:
    score, reasons = 0, []
    agree, telling = compare_phones(p.phone, c.phone)
    if agree and telling >= 3:
        score, reasons = score + 2, [*reasons, SAME_PHONE]
    if p.amount == c.rent:
        score, reasons = score + 1, [*reasons, SAME_RENT]
    elif balance > 0 and p.amount == balance:
        score, reasons = score + 1, [*reasons, SAME_BALANCE]
    shared = _words(p.payer_name) & _words(c.tenant)
    if shared:
        score, reasons = score + min(2, len(shared)), [*reasons, SAME_NAME]
    return score, tuple(reasons)


def _candidates(session: Session, property_ids: set[int], everywhere: bool) -> list[_Candidate]:
    q: Any = (
        select(
            Lease.id, Lease.property_id, Lease.account_ref, Lease.rent, User.full_name, User.phone
        )
        .add_columns(Unit.label)
        .join(User, col(User.id) == Lease.tenant_id)
        .join(Unit, col(Unit.id) == Lease.unit_id)
        .where(Lease.status == LeaseStatus.ACTIVE)
    )
    if not everywhere:
        q = q.where(col(Lease.property_id).in_(property_ids))
    return [_Candidate(*row) for row in session.exec(q).all()]


def _balances(session: Session, lease_ids: list[int]) -> dict[int, int]:
    if not lease_ids:
        return {}
    rows = session.exec(
        select(LedgerEntry.lease_id, func.sum(LedgerEntry.amount))
        .where(col(LedgerEntry.lease_id).in_(lease_ids))
        .group_by(col(LedgerEntry.lease_id))
    ).all()
    return {lid: int(total or 0) for lid, total in rows}


def suggest(session: Session, payments: list[Payment]) -> dict[int, Suggestion]:
    """A suggested lease per queued payment (payment id → suggestion), where one stands out.
    Callers have checked who sees these payments; money of a property is weighed only against
    that property's leases, money naming no property (the admins') against every lease."""
    queued = [p for p in payments if p.status == PaymentStatus.UNALLOCATED and p.id]
    if not queued:
        return {}
    ids = {p.property_id for p in queued if p.property_id is not None}
    candidates = _candidates(session, ids, everywhere=any(p.property_id is None for p in queued))
    balances = _balances(session, [c.lease_id for c in candidates])
    found: dict[int, Suggestion] = {}
    for p in queued:
        weighed = sorted(
            (
                (*_weigh(p, c, balances.get(c.lease_id, 0)), c)
                for c in candidates
                if p.property_id is None or c.property_id == p.property_id
            ),
            key=lambda x: -x[0],
        )
        if not weighed or weighed[0][0] < MIN_SCORE:
            continue
        if len(weighed) > 1 and weighed[1][0] == weighed[0][0]:
            continue  # two leases fit as well: no guess
        _score, reasons, c = weighed[0]
        found[p.id or 0] = Suggestion(c.lease_id, c.account_ref, c.tenant, c.unit, reasons)
    return found


def accept_suggestion(
    session: Session, actor: User | None, payment_id: int, lease_id: int
) -> Payment:
    """The manager's one click: credit queued money to the lease suggested for it. Only the
    suggestion he saw (it is weighed again now), and only by those who may assign the money."""
    visible = {p.id: p for p in visible_unallocated(session, actor)}
    payment = visible.get(payment_id) if isinstance(payment_id, int) else None
    if payment is None:
        raise NotFound("payment")
    now = suggest(session, [payment]).get(payment.id or 0)
    if now is None or now.lease_id != lease_id:
        raise ServiceError(SUGGESTION_CHANGED)
    return assign_unallocated(session, actor, payment.id or 0, lease_id)
