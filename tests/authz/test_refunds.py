"""The authorisation grid for booking refunds (#10.7): the list of refunds due is each manager's
own (a resident, staff or another landlord sees none of Sunrise's), and only the property's
landlord, managers and the admin mark a refund made; nobody else learns the booking exists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from pms_app.bookings import lifecycle, refunds
from pms_app.bookings.models import Booking
from pms_app.core.models import AuditEvent
from pms_app.payments.models import Payment
from tests import factories as f
from tests.authz import grid
from tests.authz.grid import ACTORS, Action, committed

pytestmark = pytest.mark.dates

GRID = """
action          anon pend tnt  otnt staf mgr  own  olan admn deac
refunds_due     -    -    Y    Y    Y    Y    Y    Y    Y    -
mark_refunded   -    -    -    -    -    Y    Y    -    Y    -
"""
WRITES = {"mark_refunded"}
CELLS = grid.parse_grid(GRID)
NOW = f.BOOK_NOW
SEES_SUNRISE = {"manager", "owner", "admin"}


@dataclass
class RefundWorld:
    w: f.World
    booking: Booking  # the tenant's Party Hall booking, paid 2,500, cancelled in time


@pytest.fixture(autouse=True)
def tasks(monkeypatch: pytest.MonkeyPatch) -> f.TaskLog:
    return f.capture_tasks(monkeypatch)


def _world(session: Session) -> RefundWorld:
    w = f.world(session)
    hall = f.facility(session, w.prop, name="Party Hall", fee=1_500, deposit=1_000)
    start = f.at("2026-03-05", "10:00")
    b = lifecycle.book(session, w.tenant, hall.id or 0, start, start + timedelta(hours=1), now=NOW)
    lifecycle.manager_mark_paid(session, w.manager, b.id or 0)
    lifecycle.cancel(session, w.tenant, b.id or 0, now=NOW)
    return RefundWorld(w, b)


def _check_list(s: Session, rw: RefundWorld, actor: str, result: object) -> None:
    expected = [rw.booking.id] if actor in SEES_SUNRISE else []
    assert [r.booking_id for r in result] == expected  # type: ignore[attr-defined]


def _check_refunded(s: Session, rw: RefundWorld, actor: str, result: object) -> None:
    with committed(s) as c:
        row = c.get(Booking, rw.booking.id)
        assert row is not None and row.refunded_at is not None
        payment = c.get(Payment, row.payment_id)
        assert payment is not None and payment.refunded_amount == 2_500  # no longer "collected"
        event = c.exec(
            select(AuditEvent).where(
                AuditEvent.object_type == "booking", AuditEvent.action == "refund"
            )
        ).one()
        assert event.actor_user_id == getattr(rw.w, actor).id


ACTIONS: dict[str, Action[RefundWorld]] = {
    "refunds_due": Action(lambda s, rw, a: refunds.refunds_due(s, a), _check_list),
    "mark_refunded": Action(
        lambda s, rw, a: refunds.mark_refunded(s, a, rw.booking.id or 0, now=NOW),
        _check_refunded,
    ),
}


def test_the_grid_covers_every_action_and_actor() -> None:
    grid.check_covers(CELLS, ACTIONS, {"Y", "-"})


@pytest.mark.parametrize("actor", list(ACTORS.values()))
def test_reads_and_denials(session: Session, actor: str) -> None:
    rw = _world(session)
    grid.run_reads_and_denials(
        session,
        rw,
        CELLS,
        ACTIONS,
        WRITES,
        actor,
        rw.w.actor(actor),
        secrets=lambda: grid.people_and_places(session) + [rw.booking.number, "2,500", "Hall"],
    )


@pytest.mark.parametrize(
    ("actor", "action"),
    grid.allowed(CELLS, WRITES),
    ids=[f"{b}-{a}" for a, b in grid.allowed(CELLS, WRITES)],
)
def test_allowed_refund_marks(session: Session, actor: str, action: str) -> None:
    rw = _world(session)
    grid.run_allowed(session, rw, ACTIONS[action], actor, rw.w.actor(actor), read=False)
