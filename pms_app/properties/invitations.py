"""Invite managers and staff to a property by email; accept by link (set a password)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from pms_app.accounts import throttle
from pms_app.accounts.models import Role, User
from pms_app.accounts.service import SignupForm, clean_signup, create_user, open_session
from pms_app.accounts.tokens import hash_token, new_token
from pms_app.core import audit
from pms_app.core.db import update_or_refuse
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.i18n import N_, gettext
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_email
from pms_app.emails.service import composing_for, queue_email
from pms_app.properties.access import (
    can_own,
    get_managed_property,
    managed_property_ids,
    require_approved,
)
from pms_app.properties.models import Invitation, Membership, MembershipStatus, Property

INVALID_INVITATION = N_(
    "This invitation link is invalid, was already used, was revoked, or has expired."
)
TOO_MANY_INVITATIONS = N_("You have sent too many invitations. Try again later.")
ROLE_WORDS = {Role.MANAGER: N_("manager"), Role.STAFF: N_("staff")}  # "… as {role}."
INVITES_PER_HOUR = 20  # per inviter
INVITES_PER_HOUR_PER_IP = 50


def _invitable(session: Session, prop: Property, address: str, role: str) -> bool:
    """A new person, or an account of that role that is not a member of `prop` yet."""
    existing = session.exec(select(User).where(User.email == address)).first()
    if existing is None:
        return True
    if existing.role != role:  # a tenant's or a landlord's account: it can't join as staff
        return False
    member = session.exec(
        select(Membership.id).where(
            Membership.user_id == existing.id,
            Membership.property_id == prop.id,
            Membership.status == MembershipStatus.APPROVED,
        )
    ).first()
    return member is None


def invite(
    session: Session,
    actor: User | None,
    property_id: int,
    email: str,
    role: str,
    ip: str = "",
) -> str:
    """Owners invite managers or staff; managers invite staff. Returns the answer to show.

    The answer is the same whoever the address belongs to (a new person, a tenant's or a
    landlord's account, a member already), so the form can't be used to find out; only people
    who can accept get the email. Rate-limited per inviter and per IP. The email names
    the property as stored and the inviter by name and email, nothing typed into the request."""
    user = require_approved(session, actor)
    prop = get_managed_property(session, user, property_id)
    if role not in (Role.MANAGER, Role.STAFF):
        raise ValidationError("Choose manager or staff.", "role")
    if role == Role.MANAGER and not can_own(user, prop):
        raise ValidationError("Only the property's owner can invite managers.", "role")
    address = clean_email(email)
    # In the reader's language: the ui shell runs the service inside the event's use_language.
    answer = gettext("Invitation sent to {address} if they can be invited.", address=address)
    hour = 3600
    throttle.hit(session, f"invite:{user.id}", INVITES_PER_HOUR, hour, message=TOO_MANY_INVITATIONS)
    if ip:
        throttle.hit(
            session, f"invite-ip:{ip}", INVITES_PER_HOUR_PER_IP, hour, message=TOO_MANY_INVITATIONS
        )
    if not _invitable(session, prop, address, role):
        session.commit()  # the attempt still counts against the limits
        return answer
    token = new_token()
    session.add(
        Invitation(
            property_id=prop.id or 0,
            email=address,
            role=role,
            token_hash=hash_token(token),
            invited_by_id=user.id or 0,
            expires_at=utcnow() + timedelta(seconds=get_settings().invitation_max_age_s),
        )
    )
    link = f"{get_settings().base_url}/invitation?token={token}"
    # In the invitee's language if he has an account, else the inviter's: he knows the person
    # and the language they share (never chosen: English).
    known = session.exec(select(User.language).where(User.email == address)).first()
    # Names are single-line and at most 120 characters (validation.clean_name / clean_text).
    with composing_for(user.language if known is None else known):
        queue_email(
            session,
            address,
            gettext("You're invited to help manage {property}", property=prop.name),
            gettext(
                "Hello,\n\n{name} ({email}) invited you to help manage {property} as {role}.\n\n"
                "Accept the invitation here (the link works once and expires in {days} days):"
                "\n\n{link}\n\n"
                "If you don't know who sent this, ignore it: nothing happens unless you accept.",
                name=user.full_name,
                email=user.email,
                property=prop.name,
                role=gettext(ROLE_WORDS.get(role, role)),
                days=get_settings().invitation_max_age_s // 86400,
                link=link,
            ),
            kind="invitation",
        )
    session.commit()
    return answer


@dataclass(frozen=True)
class InvitationView:
    property_name: str
    email: str
    role: str
    has_account: bool


def _open_invitation(session: Session, token: str) -> Invitation:
    if not token or len(token) > 100:
        raise ServiceError(INVALID_INVITATION)
    inv = session.exec(select(Invitation).where(Invitation.token_hash == hash_token(token))).first()
    if inv is None or inv.accepted_at or inv.revoked_at or inv.expires_at < utcnow():
        raise ServiceError(INVALID_INVITATION)
    return inv


def view_invitation(session: Session, token: str) -> InvitationView:
    inv = _open_invitation(session, token)
    prop = session.get(Property, inv.property_id)
    has_account = session.exec(select(User.id).where(User.email == inv.email)).first() is not None
    return InvitationView(prop.name if prop else "", inv.email, inv.role, has_account)


def _join(session: Session, inv: Invitation, user: User) -> None:
    update_or_refuse(
        session,
        update(Invitation)
        .where(  # neither accepted nor revoked since it was opened (a revoke wins the race)
            Invitation.id == inv.id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(accepted_at=utcnow()),
        INVALID_INVITATION,
    )
    m = session.exec(
        select(Membership).where(
            Membership.user_id == user.id, Membership.property_id == inv.property_id
        )
    ).first() or Membership(user_id=user.id or 0, property_id=inv.property_id, role=inv.role)
    m.role = inv.role
    m.status = MembershipStatus.APPROVED
    m.decided_at = utcnow()
    m.decided_by_id = inv.invited_by_id
    session.add(m)


def accept_with_new_account(
    session: Session, token: str, full_name: str, phone: str, password: str
) -> tuple[User, str]:
    inv = _open_invitation(session, token)
    name, email, clean_phone_ = clean_signup(
        session, SignupForm(full_name, inv.email, phone, password)
    )
    user = create_user(session, name, email, clean_phone_, password, Role(inv.role))
    _join(session, inv, user)
    session_token = open_session(session, user)
    session.commit()
    return user, session_token


def accept_as_user(session: Session, actor: User | None, token: str) -> None:
    """A logged-in user with the invited email joins the property."""
    user = require_approved(session, actor)
    inv = _open_invitation(session, token)
    if user.email != inv.email or user.role != inv.role:
        raise NotFound("invitation")
    _join(session, inv, user)
    session.commit()


# --- open invitations: listed on the property page, revocable --------------------------------


@dataclass(frozen=True)
class OpenInvitation:
    id: int
    email: str
    role: str
    invited_by: str  # the inviter's name
    created_at: datetime
    expires_at: datetime


def open_invitations(
    session: Session, actor: User | None, property_id: int
) -> list[OpenInvitation]:
    """The property's invitations nobody accepted or revoked yet, that still work (oldest first).
    For those who manage the property; managers see the managers' invitations too."""
    prop = get_managed_property(session, actor, property_id)
    rows = session.exec(
        select(Invitation, User.full_name)
        .join(User, col(User.id) == Invitation.invited_by_id)
        .where(
            Invitation.property_id == prop.id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            Invitation.expires_at >= utcnow(),
        )
        .order_by(col(Invitation.created_at), col(Invitation.id))
    ).all()
    return [
        OpenInvitation(inv.id or 0, inv.email, inv.role, name, inv.created_at, inv.expires_at)
        for inv, name in rows
    ]


def revoke_invitation(session: Session, actor: User | None, invitation_id: int) -> None:
    """Whoever may send an invitation may revoke it before it is accepted: the owner (and the
    admin) any, a manager the staff ones. Its link then says it is invalid, revoked or expired.
    Others get NotFound (they may not know it exists). Recorded in the audit trail."""
    user = require_approved(session, actor)
    inv = session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    if inv is None or inv.property_id not in managed_property_ids(session, user):
        raise NotFound("invitation")
    prop = session.get(Property, inv.property_id)
    assert prop is not None
    if inv.role == Role.MANAGER and not can_own(user, prop):
        raise ServiceError("Only the property's owner can revoke a manager's invitation.")
    now = utcnow()
    update_or_refuse(
        session,
        update(Invitation)
        .where(
            Invitation.id == inv.id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(revoked_at=now),
        # accepted (or revoked by someone else) in the meantime
        "This invitation was already accepted or revoked.",
    )
    audit.record(
        session,
        user.id,
        object_type="invitation",
        object_id=inv.id or 0,
        action="revoke",
        property_id=prop.id,
        before={"email": inv.email, "role": inv.role, "revoked_at": None},
        after={"email": inv.email, "role": inv.role, "revoked_at": now},
    )
    session.commit()
