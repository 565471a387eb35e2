"""Reflex event handlers called directly, as a malicious client could: the page guards are not
the security boundary, the services are. Also: no secret ever sits in a public state var."""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any

import pytest
from reflex.state import State
from sqlmodel import Session, func, select

import pms_app.pms_app  # noqa: F401  (registers every page state)
from pms_app.accounts import service as accounts
from pms_app.accounts.models import AuthSession, Role, User
from pms_app.core.errors import ServiceError
from pms_app.emails.models import EmailMessage
from pms_app.properties.models import Invitation, Membership, Property, Unit
from pms_app.ui.accounts import login
from pms_app.ui.accounts.login import LoginState
from pms_app.ui.dashboard.dashboard import DashboardState
from pms_app.ui.properties.approvals import ApprovalsState
from pms_app.ui.properties.new_property import NewPropertyState
from pms_app.ui.properties.property_state import PropertyState
from tests import factories as f
from tests.asyncio_helpers import run as run_async
from tests.asyncio_helpers import settle
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
    settle(ps.save_unit({"unit_id": str(units[0].id), "label": "HACKED", "rent": "1"}))
    assert ps.error and "Owner Place" not in ps.error
    settle(ps.delete_unit(units[1].id))
    assert ps.error
    settle(ps.add_unit({"label": "Z9", "rent": ""}))
    settle(ps.invite({"email": "spy@example.test", "role": "staff"}))
    settle(ps.save_details({"name": "Mine now", "address": "x", "default_rent": ""}))
    assert ps.error

    ap = state_for(ApprovalsState, token)
    settle(ap.load())
    assert ap.rows == []
    settle(
        ap.approve(
            f.keyed(ap, {"membership_id": str(world["pending_m"].id), "unit_id": str(units[0].id)})
        )
    )
    assert ap.error

    ds = state_for(DashboardState, token)
    settle(ds.load())
    assert all(r["name"] != "Owner Place" for r in ds.rows) and ds.home == {}

    np_ = state_for(NewPropertyState, token)
    settle(np_.submit({"name": "Sneaky", "address": "Somewhere", "unit_count": "2"}))
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
    settle(ps.save_unit(bad))
    assert ps.error
    settle(ps.delete_unit(bad))
    assert ps.error
    assert [u.label for u in f.units_of(session, world["prop"])] == ["A1", "A2"]


def test_owner_can_act_through_the_same_handlers(session: Session, world: dict[str, Any]) -> None:
    token = f.login_token(session, world["owner"])
    ps = state_for(PropertyState, token)
    ps.property_id = world["prop"].id
    ps._reload()
    assert not ps.not_found and ps.can_manage and ps.is_owner
    settle(ps.save_unit({"unit_id": str(world["units"][0].id), "label": "b7", "rent": "15000"}))
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


# --- login and invitations, attacked through the handlers -------------------------------------

TOO_MANY = "Too many attempts. Try again later."


def _run(result: Any) -> Any:
    """A handler's result; async handlers hand back a coroutine."""
    return run_async(result) if inspect.iscoroutine(result) else result


def test_the_login_page_never_shows_when_to_come_back(
    session: Session, world: dict[str, Any]
) -> None:
    errors = []
    for _ in range(7):
        st = state_for(LoginState)
        _run(st.submit({"email": world["owner"].email, "password": "bad guess 123"}))
        errors.append(st.error)
    assert errors[-1] == TOO_MANY
    assert not [e for e in errors if re.search(r"\d", e) or "second" in e]


def test_the_login_page_slows_an_attacked_account_without_blocking_the_server(
    session: Session, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 guesses from rotating addresses, then the owner logs in through the page: he gets in,
    after a bounded wait that is awaited (as is the password check), not slept on the loop."""
    owner = world["owner"]
    for n in range(30):
        with pytest.raises(ServiceError):
            accounts.login(session, owner.email, f"guess {n}", ip=f"102.0.{n}.7")
    waited: list[float] = []
    real_sleep = asyncio.sleep

    async def pause(seconds: float) -> None:
        waited.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr(login, "_pause", pause)

    async def scenario() -> tuple[Any, int]:
        ticks, done = 0, False

        async def other_users() -> None:  # the event loop serving everybody else meanwhile
            nonlocal ticks
            while not done:
                ticks += 1
                await real_sleep(0.001)

        task = asyncio.create_task(other_users())
        st = state_for(LoginState)
        result = st.submit({"email": owner.email, "password": f.PASSWORD})
        if inspect.iscoroutine(result):
            await result
        done = True
        await task
        return st, ticks

    st, ticks = run_async(scenario())
    assert st.error == ""
    assert accounts.user_for_token(session, st.session_token).id == owner.id
    assert len(waited) == 1 and 0 < waited[0] <= 3
    assert ticks >= 3  # argon2 and the database ran in a thread


def _invite_as(token: str, prop_id: int, form: dict[str, Any]) -> Any:
    ps = state_for(PropertyState, token)
    ps.property_id = prop_id
    settle(ps.invite(form))
    return ps


def test_inviting_answers_the_same_whoever_owns_the_address(
    session: Session, world: dict[str, Any]
) -> None:
    """Probing addresses through the invite form tells nothing about their accounts."""
    owner, prop = world["owner"], world["prop"]
    tenant = f.tenant(session, prop)  # a tenant account (tenants can't be invited as staff)
    staff = f.member(session, prop, Role.STAFF)  # already a member
    elsewhere = f.tenant(session, f.property_(session, f.landlord(session), name="Far Away"))
    token = f.login_token(session, owner)
    sent_before = {m.id for m in session.exec(select(EmailMessage))}
    answers = {}
    for email in ("brand-new@example.test", tenant.email, staff.email, elsewhere.email):
        ps = _invite_as(token, prop.id, {"email": email, "role": "staff"})
        answers[email] = (ps.error, dict(ps.errors), ps.notice.replace(email, "<email>"))
    same = ("", {}, "Invitation sent to <email> if they can be invited.")
    assert list(answers.values()) == [same] * 4, answers
    session.expire_all()
    new_mail = [m for m in session.exec(select(EmailMessage)) if m.id not in sent_before]
    assert [(m.to_email, m.kind) for m in new_mail] == [("brand-new@example.test", "invitation")]


def test_an_invitation_for_a_forged_property_id_sends_nothing(
    session: Session, world: dict[str, Any]
) -> None:
    rival_prop = f.property_(session, f.landlord(session), name="Rival Towers")
    token = f.login_token(session, world["owner"])
    before = f.db_snapshot(session)
    ps = _invite_as(
        token,
        rival_prop.id,
        {"email": "spy@example.test", "role": "staff", "property_id": str(world["prop"].id)},
    )
    assert ps.error == "That property was not found." and ps.notice == ""
    assert f.db_snapshot(session) == before


def test_the_invitation_email_names_the_property_from_the_database(
    session: Session, world: dict[str, Any]
) -> None:
    owner, prop = world["owner"], world["prop"]
    token = f.login_token(session, owner)
    form = {
        "email": "new.helper@example.test",
        "role": "staff",
        "property_name": "Your account is locked: verify at evil.example",
        "name": "Your account is locked: verify at evil.example",
        "message": "Your account is locked: verify at evil.example",
    }
    ps = _invite_as(token, prop.id, form)
    assert ps.error == ""
    mail = f.last_email(session, "new.helper@example.test", "invitation")
    assert "Owner Place" in mail.subject and "Owner Place" in mail.body
    assert "evil" not in mail.subject + mail.body
    assert f"{owner.full_name} ({owner.email})" in mail.body  # who sent it, plainly


@pytest.mark.parametrize(
    "who", ["anonymous", "forged", "pending_tenant", "rival_landlord", "staff"]
)
def test_removing_and_revoking_by_forged_events_change_nothing(
    session: Session, world: dict[str, Any], who: str
) -> None:
    prop = world["prop"]
    staff = f.member(session, prop, Role.STAFF)
    colleague = f.member(session, prop, Role.STAFF)
    email, _ = f.invitation(session, prop, Role.STAFF)
    token = f.login_token(session, staff) if who == "staff" else world["tokens"][who]
    mid = f.membership_of(session, colleague).id
    iid = session.exec(select(Invitation.id).where(Invitation.email == email)).one()
    ps = state_for(PropertyState, token)
    ps.property_id = prop.id
    settle(ps.remove_person(mid))
    assert ps.error and ps.notice == "" and colleague.full_name not in ps.error
    settle(ps.revoke_invitation(iid))
    assert ps.error and ps.notice == "" and email not in ps.error
    session.expire_all()
    assert session.get(Membership, mid).status == "approved"
    assert session.get(Invitation, iid).revoked_at is None


def test_the_page_offers_remove_and_revoke_only_where_allowed_and_they_work(
    session: Session, world: dict[str, Any]
) -> None:
    owner, prop = world["owner"], world["prop"]
    manager = f.member(session, prop, Role.MANAGER)
    staff = f.member(session, prop, Role.STAFF)
    f.tenant(session, prop)
    helper, _ = f.invitation(session, prop, Role.STAFF)
    boss, _ = f.invitation(session, prop, Role.MANAGER)

    def offers(token: str) -> tuple[dict[str, bool], dict[str, bool]]:
        ps = state_for(PropertyState, token)
        ps.property_id = prop.id
        ps._reload()
        return (
            {p["role"]: p["removable"] for p in ps.people},
            {i["email"]: i["revocable"] for i in ps.invitations},
        )

    owner_token = f.login_token(session, owner)
    assert offers(owner_token) == (
        {"manager": True, "staff": True, "tenant": False},
        {helper: True, boss: True},
    )
    assert offers(f.login_token(session, manager)) == (
        {"manager": False, "staff": True, "tenant": False},
        {helper: True, boss: False},
    )
    ps = state_for(PropertyState, owner_token)
    ps.property_id = prop.id
    ps._reload()
    row = next(p for p in ps.people if p["email"] == staff.email)
    settle(ps.remove_person(row["membership_id"]))
    assert ps.error == "" and ps.notice == f"{staff.full_name} was removed from this property."
    assert staff.email not in {p["email"] for p in ps.people}
    invitation = next(i for i in ps.invitations if i["email"] == boss)
    settle(ps.revoke_invitation(invitation["id"]))
    assert ps.notice == f"The invitation to {boss} was revoked: its link no longer works."
    assert [i["email"] for i in ps.invitations] == [helper]
