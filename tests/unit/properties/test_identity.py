"""`session_identity` (one statement per event) answers exactly what the three lookups it
replaces answer, for every kind of person and every state of a login."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from pms_app.accounts import service as accounts
from pms_app.accounts.models import AuthSession, Role
from pms_app.accounts.tokens import hash_token
from pms_app.core.timestamps import utcnow
from pms_app.properties.access import MANAGING_ROLES, is_approved
from pms_app.properties.identity import session_identity
from pms_app.properties.memberships import pending_count
from pms_app.properties.models import Membership, MembershipStatus
from tests import factories as f


def _expected(session: Session, token: str) -> tuple[int | None, bool, int]:
    user = accounts.user_for_token(session, token)
    if user is None:
        return None, False, 0
    approved = is_approved(session, user)
    pending = pending_count(session, user) if approved and user.role in MANAGING_ROLES else 0
    return user.id, approved, pending


def _got(session: Session, token: str) -> tuple[int | None, bool, int]:
    ident = session_identity(session, token)
    return (ident.user.id if ident.user else None), ident.approved, ident.pending_approvals


def test_every_person_of_the_world(session: Session) -> None:
    w = f.world(session)
    f.tenant(session, w.prop, approved=False)  # a second one waiting at the owner's property
    people = [w.admin, w.owner, w.other_landlord, w.tenant, w.pending, w.other_tenant]
    people += [w.other_pending, w.manager, w.staff]
    for person in people:
        token = f.login_token(session, person)
        assert _got(session, token) == _expected(session, token), person.email
    owner = _got(session, f.login_token(session, w.owner))
    assert owner[2] == 2  # both waiting tenants of Sunrise, none of Zebra's
    assert _got(session, f.login_token(session, w.admin))[2] == 3
    assert _got(session, f.login_token(session, w.manager))[2] == 2
    assert _got(session, f.login_token(session, w.pending))[1:] == (False, 0)


def test_unknown_expired_revoked_and_deactivated_logins_are_nobody(session: Session) -> None:
    w = f.world(session)
    for token in ("", "x" * 43, "x" * 101):
        assert _got(session, token) == (None, False, 0)
    expired, revoked = f.login_token(session, w.owner), f.login_token(session, w.owner)
    for token, change in ((expired, "expires_at"), (revoked, "revoked_at")):
        row = session.exec(
            select(AuthSession).where(AuthSession.token_hash == hash_token(token))
        ).one()
        setattr(row, change, utcnow() - timedelta(seconds=1))
        session.add(row)
    session.commit()
    assert _got(session, expired) == _expected(session, expired) == (None, False, 0)
    assert _got(session, revoked) == _expected(session, revoked) == (None, False, 0)
    token = f.login_token(session, w.staff)
    f.deactivated(session, w.staff, by=w.admin)
    assert _got(session, token) == _expected(session, token) == (None, False, 0)


def test_a_tenant_whose_latest_signup_waits_is_not_approved(session: Session) -> None:
    w = f.world(session)
    token = f.login_token(session, w.tenant)
    assert _got(session, token)[1] is True
    # A newer tenant membership (say, a move to another property) still waiting.
    session.add(
        Membership(
            user_id=w.tenant.id,
            property_id=w.other_prop.id,
            role=Role.TENANT,
            status=MembershipStatus.PENDING,
        )
    )
    session.commit()
    assert _got(session, token)[1] is False
    assert _got(session, token) == _expected(session, token)
