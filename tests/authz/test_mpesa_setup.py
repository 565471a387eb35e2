"""The authorisation grid of the M-Pesa setup reads (#11.4, 6): a refusing setup is told to the
people who manage the property it refused for (its landlord, managers, the admin) — a tenant,
staff or another landlord reads nothing of it — and the install's M-Pesa summary (numbers,
environment, callback address) is the admin's alone."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from pms_app.integrations.daraja_wire import SETUP_PROBLEM
from pms_app.payments import setup_problems
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from tests import factories as f
from tests.authz import grid
from tests.authz.grid import ACTORS, Action

GRID = """
action          anon pend tnt  otnt staf mgr  own  olan admn deac
setup_problem   -    -    Y    Y    Y    Y    Y    Y    Y    -
mpesa_setup     -    -    -    -    -    -    -    -    Y    -
"""
CELLS = grid.parse_grid(GRID)
SEES_SUNRISE = {"manager", "owner", "admin"}


def _world(session: Session) -> f.World:
    w = f.world(session)
    session.add(  # a push Daraja refused for Sunrise: the app lacks M-Pesa Express
        Payment(
            property_id=w.prop.id,
            method=PaymentMethod.STK,
            status=PaymentStatus.FAILED,
            amount=2_500,
            phone="254708374149",
            result_code="401.003.01",
            result_desc=SETUP_PROBLEM,
        )
    )
    session.commit()
    return w


def _check_notice(s: Session, w: f.World, actor: str, result: object) -> None:
    if actor not in SEES_SUNRISE:
        assert result is None
        return
    assert isinstance(result, setup_problems.SetupNotice) and result.refused == 1
    assert "lacks this product" in result.problem.text()


def _check_setup(s: Session, w: f.World, actor: str, result: object) -> None:
    assert isinstance(result, setup_problems.MpesaSetup) and result.lines


ACTIONS: dict[str, Action[f.World]] = {
    "setup_problem": Action(lambda s, w, a: setup_problems.setup_problem(s, a), _check_notice),
    "mpesa_setup": Action(lambda s, w, a: setup_problems.mpesa_setup(a), _check_setup),
}


def test_the_grid_covers_every_action_and_actor() -> None:
    grid.check_covers(CELLS, ACTIONS, {"Y", "-"})


@pytest.mark.parametrize("actor", list(ACTORS.values()))
def test_reads_and_denials(session: Session, actor: str) -> None:
    w = _world(session)
    grid.run_reads_and_denials(
        session,
        w,
        CELLS,
        ACTIONS,
        set(),
        actor,
        w.actor(actor),
        secrets=lambda: grid.people_and_places(session) + ["401.003.01", "2,500"],
    )
