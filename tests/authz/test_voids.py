"""The authorisation grid for voiding a payment (#10.7): the property's landlord and managers
(and the admin) may void a cash/bank payment; staff, tenants and another landlord may not (and
learn nothing about it). An M-Pesa payment is refused to everyone who may manage it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from pms_app.core.models import AuditEvent
from pms_app.ledger import service as ledger
from pms_app.payments import audit_trail, reviews, voids
from pms_app.payments.models import Payment, PaymentStatus
from tests import factories as f
from tests.authz import grid
from tests.authz.grid import ACTORS, Action, committed

GRID = """
action              anon pend tnt  otnt staf mgr  own  olan admn deac
void_cash_payment   -    -    -    -    -    Y    Y    -    Y    -
void_mpesa_payment  -    -    -    -    -    s    s    -    s    -
payment_audit       -    -    -    -    -    Y    Y    -    Y    -
lease_audit         -    -    -    -    -    Y    Y    -    Y    -
"""
WRITES = {"void_cash_payment", "void_mpesa_payment"}
CELLS = grid.parse_grid(GRID)


@dataclass
class VoidWorld:
    pw: f.PayWorld
    cash: Payment  # 2,222 cash on the Sunrise lease, recorded by the owner
    balance_before_cash: int
    voided: Payment  # 1,111 bank, voided by the manager ("Typed twice"): the trail to read


def _world(session: Session) -> VoidWorld:
    pw = f.pay_world(session)
    before = ledger.balance(session, pw.lease.id or 0)
    voided = reviews.record_manual_payment(
        session, pw.w.owner, pw.lease.id or 0, 1_111, "bank", f.iso("01-12"), "slip 8"
    )
    voids.void_payment(session, pw.w.manager, voided.id or 0, "Typed twice")
    before = ledger.balance(session, pw.lease.id or 0)
    cash = reviews.record_manual_payment(
        session, pw.w.owner, pw.lease.id or 0, 2_222, "cash", f.iso("01-12"), "slip 9"
    )
    return VoidWorld(pw, cash, before, voided)


def _check_trail(s: Session, vw: VoidWorld, actor: str, result: object) -> None:
    [line] = result  # type: ignore[misc]
    assert (line.payment_id, line.reason, line.actor) == (
        vw.voided.id,
        "Typed twice",
        vw.pw.w.manager.full_name,
    )
    assert (line.before_amount, line.after_amount) == (1_111, 0)


def _check_void(s: Session, vw: VoidWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        payment = c.get(Payment, vw.cash.id)
        assert payment is not None and payment.status == PaymentStatus.VOID  # kept, not deleted
        assert ledger.balance(c, vw.pw.lease.id or 0) == vw.balance_before_cash
        [event] = c.exec(select(AuditEvent).where(AuditEvent.object_id == vw.cash.id)).all()
        assert (event.action, event.reason) == ("void", "Recorded twice")
        assert event.actor_user_id == getattr(vw.pw.w, actor).id
        assert (event.before["status"], event.after["status"]) == ("paid", "void")


ACTIONS: dict[str, Action[VoidWorld]] = {
    "void_cash_payment": Action(
        lambda s, vw, a: voids.void_payment(s, a, vw.cash.id or 0, "Recorded twice"), _check_void
    ),
    "void_mpesa_payment": Action(
        lambda s, vw, a: voids.void_payment(s, a, vw.pw.paid.id or 0, "Wrong"),
        lambda *_: None,
    ),
    "payment_audit": Action(
        lambda s, vw, a: audit_trail.payment_history(s, a, vw.voided.id or 0), _check_trail
    ),
    "lease_audit": Action(
        lambda s, vw, a: audit_trail.lease_history(s, a, vw.pw.lease.id or 0), _check_trail
    ),
}


def test_the_grid_covers_every_action_and_actor() -> None:
    grid.check_covers(CELLS, ACTIONS, {"Y", "-", "s"})


@pytest.mark.parametrize("actor", list(ACTORS.values()))
def test_denials(session: Session, actor: str) -> None:
    vw = _world(session)
    grid.run_reads_and_denials(
        session,
        vw,
        CELLS,
        ACTIONS,
        WRITES,
        actor,
        vw.pw.w.actor(actor),
        secrets=lambda: (
            grid.people_and_places(session) + ["2,222", "2222", "slip 9", "1,111", "Typed twice"]
        ),
    )


@pytest.mark.parametrize(
    ("actor", "action"),
    grid.allowed(CELLS, WRITES),
    ids=[f"{b}-{a}" for a, b in grid.allowed(CELLS, WRITES)],
)
def test_allowed_voids(session: Session, actor: str, action: str) -> None:
    vw = _world(session)
    grid.run_allowed(session, vw, ACTIONS[action], actor, vw.pw.w.actor(actor), read=False)
