"""The managers' notice of an M-Pesa setup problem: pushes Daraja refused because of the
install's configuration (401.003.01 "no apiproduct match", rejected keys, a web page instead of
Daraja, …). The tenant was told it is not his phone (daraja_wire.SETUP_PROBLEM); the landlord,
managers and admins of the property read here what is wrong, until a push gets through again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from pms_app.accounts.admin import require_admin
from pms_app.accounts.models import User
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.integrations.daraja_setup import Problem, config_problems, describe, explain
from pms_app.integrations.daraja_wire import SETUP_PROBLEM
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.properties.access import MANAGING_ROLES, managed_property_ids, require_approved

RECENT = timedelta(days=1)  # older refusals are history, not a notice


@dataclass(frozen=True)
class SetupNotice:
    problem: Problem  # what to fix, for the landlord (translated where shown)
    code: str
    last_at: datetime  # the latest refused push (UTC)
    refused: int  # pushes refused for the setup within RECENT


def setup_problem(session: Session, actor: User | None) -> SetupNotice | None:
    """The latest setup refusal in the actor's properties, unless a push was accepted since
    (then the setup was fixed). None for people who manage nothing."""
    user = require_approved(session, actor)
    if user.role not in MANAGING_ROLES:
        return None
    ids = managed_property_ids(session, user)
    if not ids:
        return None
    since = utcnow() - RECENT
    mine = (
        col(Payment.property_id).in_(ids),
        Payment.method == PaymentMethod.STK,
        Payment.created_at > since,
    )
    # Columns, not the entity: a Payment already in this session may be stale (the push task
    # wrote the refusal in its own session).
    last = session.exec(
        select(Payment.result_code, Payment.created_at, Payment.updated_at)
        .where(*mine, Payment.status == PaymentStatus.FAILED, Payment.result_desc == SETUP_PROBLEM)
        .order_by(col(Payment.created_at).desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    accepted = session.exec(
        select(Payment.id).where(
            *mine,
            col(Payment.checkout_request_id).is_not(None),
            Payment.created_at > last[1],
        )
    ).first()
    if accepted is not None:
        return None
    refused = session.exec(
        select(func.count())
        .select_from(Payment)
        .where(*mine, Payment.status == PaymentStatus.FAILED, Payment.result_desc == SETUP_PROBLEM)
    ).one()
    code, _created, updated_at = last
    problem = explain(code, "", get_settings())
    return SetupNotice(problem, code, updated_at, int(refused))


@dataclass(frozen=True)
class MpesaSetup:
    lines: list[str]  # what is configured (paybill or till, numbers, environment), no secret
    problems: list[str]  # what the settings get wrong (checked without calling Safaricom)


def mpesa_setup(actor: User | None) -> MpesaSetup:
    """The admin page's M-Pesa section, in the reader's language. Admins only: it names the
    callback address and the Daraja environment of the whole install."""
    require_admin(actor)
    settings = get_settings()
    return MpesaSetup(describe(settings).lines(), [p.text() for p in config_problems(settings)])
