"""Test data builders: the one place tests make users, properties and memberships."""

from __future__ import annotations

import itertools
import re

from sqlmodel import Session, select

from pms_app.models.accounts import EmailMessage, Role, User
from pms_app.models.property import Membership, Property, Unit
from pms_app.services import accounts, admin, invitations, memberships, properties
from pms_app.services.accounts import SignupForm

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def _email(prefix: str) -> str:
    return f"{prefix}{next(_seq)}@example.test"


def _phone() -> str:
    return f"07{next(_seq) % 100_000_000:08d}"


def landlord(session: Session, email: str | None = None, name: str = "Lucy Landlord") -> User:
    user, _token = accounts.signup_landlord(
        session, SignupForm(name, email or _email("landlord"), _phone(), PASSWORD)
    )
    return user


def admin_user(session: Session) -> User:
    return admin.create_admin(session, _email("admin"), "Ada Admin", PASSWORD)


def property_(
    session: Session,
    owner: User,
    units: int = 3,
    name: str = "Sunrise Apartments",
    rent: int | None = 20000,
) -> Property:
    return properties.create_property(session, owner, name, "Ngong Road, Nairobi", units, rent, "A")


def units_of(session: Session, prop: Property) -> list[Unit]:
    return list(
        session.exec(select(Unit).where(Unit.property_id == prop.id).order_by(Unit.id)).all()
    )


def tenant(
    session: Session,
    prop: Property,
    unit: Unit | None = None,
    approved: bool = True,
    email: str | None = None,
) -> User:
    """A tenant of `prop`; approved onto `unit` (default: the first vacant) unless approved=False."""
    user, _ = accounts.signup_tenant(
        session,
        SignupForm("Tom Tenant", email or _email("tenant"), _phone(), PASSWORD),
        prop.id,
        unit.id if unit else None,
    )
    if approved:
        owner = session.get(User, prop.owner_id)
        m = membership_of(session, user)
        target = unit or _first_vacant(session, prop)
        memberships.approve_tenant(session, owner, m.id, target.id)
    return user


def _first_vacant(session: Session, prop: Property) -> Unit:
    taken = set(
        session.exec(
            select(Membership.unit_id).where(
                Membership.property_id == prop.id, Membership.unit_id.is_not(None)
            )  # type: ignore[union-attr]
        ).all()
    )
    return next(u for u in units_of(session, prop) if u.id not in taken)


def membership_of(session: Session, user: User) -> Membership:
    return session.exec(select(Membership).where(Membership.user_id == user.id)).one()


def member(session: Session, prop: Property, role: Role, inviter: User | None = None) -> User:
    """A manager or staff member of `prop`, joined through a real invitation."""
    inviter = inviter or session.get(User, prop.owner_id)
    email = _email(role.value)
    invitations.invite(session, inviter, prop.id, email, role.value)
    token = token_from_email(session, email, "invitation")
    user, _ = invitations.accept_with_new_account(
        session, token, f"Sam {role.value.title()}", _phone(), PASSWORD
    )
    return user


def login_token(session: Session, user: User, password: str = PASSWORD) -> str:
    return accounts.login(session, user.email, password, ip="10.0.0.1")


def last_email(session: Session, to: str, kind: str) -> EmailMessage:
    msg = session.exec(
        select(EmailMessage)
        .where(EmailMessage.to_email == to, EmailMessage.kind == kind)
        .order_by(EmailMessage.id.desc())  # type: ignore[union-attr]
    ).first()
    assert msg is not None, f"no {kind} email to {to}"
    return msg


def token_from_email(session: Session, to: str, kind: str) -> str:
    """The token in the link of the last `kind` email to `to` (what the person would click)."""
    match = re.search(r"token=([A-Za-z0-9_\-]+)", last_email(session, to, kind).body)
    assert match, "no link in the email"
    return match.group(1)
