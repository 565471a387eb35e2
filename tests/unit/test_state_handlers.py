"""Reflex event handlers called directly, as a malicious client could: the page guards are not
the security boundary, the services are. Also: no secret ever sits in a public state var."""

from __future__ import annotations

from typing import Any

import pytest
from reflex.state import State
from sqlmodel import Session, func, select

import pms_app.pms_app  # noqa: F401  (registers every page state)
from pms_app.models.accounts import AuthSession, Invitation, User
from pms_app.models.property import Membership, Property, Unit
from pms_app.pages.approvals import ApprovalsState
from pms_app.pages.dashboard import DashboardState
from pms_app.pages.properties import NewPropertyState, PropertyState
from tests import factories as f
from tests.factories import state_for


def counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        model.__name__: session.exec(select(func.count()).select_from(model)).one()
        for model in (User, Property, Unit, Membership, Invitation)
    }


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2, name="Owner Place")
    rival = f.landlord(session)
    f.property_(session, rival, units=1, name="Rival Place")
    pending = f.tenant(session, prop, approved=False)
    return {
        "owner": owner,
        "prop": prop,
        "units": f.units_of(session, prop),
        "pending_m": f.membership_of(session, pending),
        "tokens": {
            "anonymous": "",
            "forged": "x" * 43,
            "pending_tenant": f.login_token(session, pending),
            "rival_landlord": f.login_token(session, rival),
        },
    }


@pytest.mark.parametrize("who", ["anonymous", "forged", "pending_tenant", "rival_landlord"])
def test_foreign_or_unapproved_callers_change_nothing(
    session: Session, world: dict[str, Any], who: str
) -> None:
    token = world["tokens"][who]
    prop, units = world["prop"], world["units"]
    before = counts(session)

    ps = state_for(PropertyState, token)
    ps.property_id = prop.id
    ps._reload()
    assert ps.not_found and ps.units == [] and ps.people == [] and ps.name == ""
    ps.save_unit({"unit_id": str(units[0].id), "label": "HACKED", "rent": "1"})
    assert ps.error and "Owner Place" not in ps.error
    ps.delete_unit(units[1].id)
    assert ps.error
    ps.add_unit({"label": "Z9", "rent": ""})
    ps.invite({"email": "spy@example.test", "role": "staff"})
    ps.save_details({"name": "Mine now", "address": "x", "default_rent": ""})
    assert ps.error

    ap = state_for(ApprovalsState, token)
    ap.load()
    assert ap.rows == []
    ap.approve({"membership_id": str(world["pending_m"].id), "unit_id": str(units[0].id)})
    assert ap.error

    ds = state_for(DashboardState, token)
    ds.load()
    assert all(r["name"] != "Owner Place" for r in ds.rows) and ds.home == {}

    np_ = state_for(NewPropertyState, token)
    np_.submit({"name": "Sneaky", "address": "Somewhere", "unit_count": "2"})
    if who != "rival_landlord":  # a landlord may of course create his own property
        assert np_.error

    after = counts(session)
    if who == "rival_landlord":
        after["Property"] -= 1
        after["Unit"] -= 2
    assert after == before
    session.expire_all()
    assert session.get(Unit, units[0].id).label == "A1"
    assert session.get(Property, prop.id).name == "Owner Place"
    assert session.get(Membership, world["pending_m"].id).status == "pending"


@pytest.mark.parametrize(
    "bad",
    [None, 3, ["1"], {"unit_id": ["1"]}, {"unit_id": "1; DROP TABLE units", "label": {"x": 1}}],
)
def test_malformed_arguments_get_a_message_not_a_traceback(
    session: Session, world: dict[str, Any], bad: Any
) -> None:
    token = f.login_token(session, world["owner"])
    ps = state_for(PropertyState, token)
    ps.property_id = world["prop"].id
    ps.save_unit(bad)
    assert ps.error
    ps.delete_unit(bad)
    assert ps.error
    assert [u.label for u in f.units_of(session, world["prop"])] == ["A1", "A2"]


def test_owner_can_act_through_the_same_handlers(session: Session, world: dict[str, Any]) -> None:
    token = f.login_token(session, world["owner"])
    ps = state_for(PropertyState, token)
    ps.property_id = world["prop"].id
    ps._reload()
    assert not ps.not_found and ps.can_manage and ps.is_owner
    ps.save_unit({"unit_id": str(world["units"][0].id), "label": "b7", "rent": "15000"})
    assert ps.notice == "Unit saved." and ps.error == ""
    assert ps.units[0]["label"] == "B7"


SECRET_WORDS = ("password", "hash", "secret")


def test_no_public_state_var_is_named_like_a_secret() -> None:
    def walk(cls: type[State]) -> list[type[State]]:
        out = [cls]
        for sub in cls.get_substates():
            out += walk(sub)
        return out

    offenders = [
        f"{cls.__name__}.{name}"
        for cls in walk(State)
        for name in list(cls.base_vars) + list(cls.computed_vars)
        if not name.startswith("_") and any(w in name.lower() for w in SECRET_WORDS)
    ]
    assert offenders == []


def test_serialised_state_carries_no_hash_or_other_users_data(
    session: Session, world: dict[str, Any]
) -> None:
    token = f.login_token(session, world["owner"])
    ps = state_for(PropertyState, token)
    ps.property_id = world["prop"].id
    ps._reload()
    root = ps
    while root.parent_state is not None:
        root = root.parent_state
    dumped = repr(root.dict())
    owner = session.get(User, world["owner"].id)
    assert owner.password_hash not in dumped
    for row in session.exec(select(AuthSession)).all():
        assert row.token_hash not in dumped
    assert "Rival Place" not in dumped
