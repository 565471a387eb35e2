"""The authorisation grid for unconfirmed M-Pesa payments (#11.7): the property's landlord and
managers (and the admin) list them and mark them paid or failed; staff, tenants and another
landlord may not (and learn nothing about them)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from pms_app.core.models import AuditEvent
from pms_app.ledger import service as ledger
from pms_app.payments import unconfirmed
from pms_app.payments.models import Payment, PaymentStatus
from tests import factories as f
from tests.authz import grid
from tests.authz.grid import ACTORS, Action, committed

GRID = """
action              anon pend tnt  otnt staf mgr  own  olan admn deac
list_unconfirmed    -    -    -    -    -    Y    Y    Y    Y    -
mark_paid           -    -    -    -    -    Y    Y    -    Y    -
mark_failed         -    -    -    -    -    Y    Y    -    Y    -
"""
WRITES = {"mark_paid", "mark_failed"}
CELLS = grid.parse_grid(GRID)


@dataclass
class UWorld:
    pw: f.PayWorld
    waiting: Payment  # 6,543 STK payment of the Sunrise lease M-Pesa never confirmed
    balance_before: int


def _world(session: Session) -> UWorld:
    pw = f.pay_world(session)
    waiting = f.stk_payment(session, pw.lease, 6_543, status=PaymentStatus.UNCONFIRMED)
    return UWorld(pw, waiting, ledger.balance(session, pw.lease.id or 0))


def _check_list(s: Session, uw: UWorld, actor: str, result: object) -> None:
    # Only Sunrise has one; Zebra's landlord sees an empty list.
    expected = [] if actor == "other_landlord" else [uw.waiting.id]
    assert [p.id for p in result] == expected  # type: ignore[attr-defined]


def _checker(status: str, action: str, credited: int) -> object:
    def check(s: Session, uw: UWorld, actor: str, result: object) -> None:
        with committed(s) as c:
            row = c.get(Payment, uw.waiting.id)
            assert row is not None and row.status == status
            assert ledger.balance(c, uw.pw.lease.id or 0) == uw.balance_before - credited
            [event] = c.exec(select(AuditEvent).where(AuditEvent.object_id == uw.waiting.id)).all()
            assert event.action == action
            assert event.actor_user_id == getattr(uw.pw.w, actor).id

    return check


ACTIONS: dict[str, Action[UWorld]] = {
    "list_unconfirmed": Action(lambda s, uw, a: unconfirmed.visible_unconfirmed(s, a), _check_list),
    "mark_paid": Action(
        lambda s, uw, a: unconfirmed.mark_paid(s, a, uw.waiting.id or 0, "QWE1234567"),
        _checker(PaymentStatus.PAID, "mark_paid", 6_543),  # type: ignore[arg-type]
    ),
    "mark_failed": Action(
        lambda s, uw, a: unconfirmed.mark_failed(s, a, uw.waiting.id or 0),
        _checker(PaymentStatus.FAILED, "mark_failed", 0),  # type: ignore[arg-type]
    ),
}


def test_the_grid_covers_every_action_and_actor() -> None:
    grid.check_covers(CELLS, ACTIONS, {"Y", "-"})


@pytest.mark.parametrize("actor", list(ACTORS.values()))
def test_denials(session: Session, actor: str) -> None:
    uw = _world(session)
    grid.run_reads_and_denials(
        session,
        uw,
        CELLS,
        ACTIONS,
        WRITES,
        actor,
        uw.pw.w.actor(actor),
        secrets=lambda: grid.people_and_places(session) + ["6,543", "6543", "QWE1234567"],
    )


@pytest.mark.parametrize(
    ("actor", "action"),
    grid.allowed(CELLS, WRITES),
    ids=[f"{b}-{a}" for a, b in grid.allowed(CELLS, WRITES)],
)
def test_allowed_writes(session: Session, actor: str, action: str) -> None:
    uw = _world(session)
    grid.run_allowed(session, uw, ACTIONS[action], actor, uw.pw.w.actor(actor), read=False)
