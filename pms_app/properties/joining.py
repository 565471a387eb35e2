"""How a tenant joins a property: by the code his landlord gives him (never a list of every
property of the install), and again after a rejection — the same property or another.

The code is the property's paybill prefix (`SUN`), or a full account number (`SUN-A1`), which
also names his unit. Codes are short, so lookups are rate-limited per IP, and what a code
reveals is what a tenant needs to recognise his home: name, address and unit labels."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from pms_app.accounts import throttle
from pms_app.accounts.models import Role, User
from pms_app.accounts.service import (
    SIGNUPS_PER_IP_HOUR,
    SignupForm,
    clean_signup,
    create_user,
    open_session,
)
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.core.i18n import N_
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.emails.service import queue_email
from pms_app.properties.access import require_user, tenant_membership
from pms_app.properties.models import Membership, MembershipStatus, Property, Unit

CODE_LOOKUPS_PER_IP_HOUR = 60  # a whole estate on one Wi-Fi finds its code; guessing is slow
REAPPLIES_PER_DAY = 5  # a rejected tenant may try again, not flood a landlord
NO_SUCH_CODE = N_("No property has that code. Check it with your landlord.")


@dataclass(frozen=True)
class CodeMatch:
    """What a code tells a signing-up tenant."""

    code: str
    name: str
    address: str
    units: list[tuple[int, str]]  # (unit id, label)
    unit_id: int | None  # the unit a full account number names


def _split(code: object) -> tuple[str, str]:
    """`sun-a1 ` → (`SUN`, `A1`): the property prefix, and the unit part if any."""
    raw = re.sub(r"\s", "", code.upper())[:20] if isinstance(code, str) else ""
    head, _, unit = raw.partition("-")
    return re.sub(r"[^A-Z0-9]", "", head), re.sub(r"[^A-Z0-9]", "", unit)


def _property_of(session: Session, code: object) -> tuple[Property | None, str]:
    prefix, unit = _split(code)
    if not prefix:
        raise ValidationError("Enter the property code your landlord gave you.", "code")
    prop = session.exec(select(Property).where(Property.account_prefix == prefix)).first()
    return prop, unit


def _match(session: Session, prop: Property, unit_part: str) -> CodeMatch:
    units = session.exec(select(Unit).where(Unit.property_id == prop.id).order_by(Unit.id)).all()
    named = [u.id for u in units if re.sub(r"[^A-Z0-9]", "", u.label.upper()) == unit_part]
    return CodeMatch(
        prop.account_prefix,
        prop.name,
        prop.address,
        [(u.id or 0, u.label) for u in units],
        named[0] if unit_part and len(named) == 1 else None,
    )


def find_by_code(session: Session, code: object, ip: str = "") -> CodeMatch:
    """The property (and unit) a typed code names, for the signup and re-apply forms."""
    throttle.hit(session, f"code:{ip[:50]}", limit=CODE_LOOKUPS_PER_IP_HOUR, window_s=3600)
    session.commit()
    prop, unit_part = _property_of(session, code)
    if prop is None:
        raise ValidationError(NO_SUCH_CODE, "code")
    return _match(session, prop, unit_part)


def _unit_of(session: Session, prop: Property, unit_id: int | None) -> Unit | None:
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit_id is not None and (unit is None or unit.property_id != prop.id):
        raise ValidationError("Choose a unit of that property, or leave it empty.", "unit")
    return unit


def _tell_landlord(session: Session, prop: Property, who: User, unit: Unit | None) -> None:
    owner = session.get(User, prop.owner_id)
    if owner:
        unit_text = f", unit {unit.label}" if unit else ""
        queue_email(
            session,
            owner.email,
            f"New tenant signup for {prop.name}",
            f"{who.full_name} ({who.email}) signed up as a tenant of {prop.name}{unit_text}.\n"
            f"Approve or reject: {get_settings().base_url}/approvals",
            kind="signup_pending",
        )


def signup_tenant(
    session: Session,
    form: SignupForm,
    property_code: str,
    unit_id: int | None,
    ip: str = "",
) -> tuple[User, str]:
    """Create a tenant account waiting for the landlord's approval, logged in to the waiting page."""
    throttle.hit(session, f"signup:{ip[:50]}", limit=SIGNUPS_PER_IP_HOUR, window_s=3600)
    session.commit()
    prop, _ = _property_of(session, property_code)
    if prop is None:
        raise ValidationError(NO_SUCH_CODE, "code")
    unit = _unit_of(session, prop, unit_id)
    name, email, phone = clean_signup(session, form)
    user = create_user(session, name, email, phone, form.password, Role.TENANT)
    session.add(
        Membership(
            user_id=user.id,
            property_id=prop.id,
            role=Role.TENANT,
            status=MembershipStatus.PENDING,
            requested_unit_id=unit.id if unit else None,
        )
    )
    token = open_session(session, user)
    unit_text = f", unit {unit.label}" if unit else ""
    queue_email(
        session,
        email,
        "Signup received — waiting for your landlord's approval",
        f"Hello {name},\n\nWe received your signup for {prop.name}{unit_text}. Your landlord "
        "will review it; we'll email you as soon as you are approved.",
        kind="signup_received",
    )
    _tell_landlord(session, prop, user, unit)
    session.commit()
    return user, token


def reapply(
    session: Session, actor: User | None, property_code: str, unit_id: int | None
) -> Membership:
    """A rejected tenant asks again: the same property or another, waiting for approval anew.
    His application moves there (one tenant, one application); the landlord is told."""
    user = require_user(actor)
    current = tenant_membership(session, user)
    if user.role != Role.TENANT or current is None:
        raise ServiceError("Only a tenant whose signup was not approved can apply again.")
    if current.status != MembershipStatus.REJECTED:
        raise ServiceError("Your signup is not rejected: there is nothing to apply again for.")
    throttle.hit(session, f"reapply:{user.id}", limit=REAPPLIES_PER_DAY, window_s=86_400)
    session.commit()
    prop, _ = _property_of(session, property_code)
    if prop is None:
        raise ValidationError(NO_SUCH_CODE, "code")
    unit = _unit_of(session, prop, unit_id)
    # One membership per user and property (a unique key), and the newest is his application
    # (identity.py reads max(id)): an old, closed row at that property gives way to this one.
    there = session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.property_id == prop.id)
    ).first()
    if there is not None and there.id != current.id:
        if there.status not in (MembershipStatus.REMOVED, MembershipStatus.REJECTED):
            raise ServiceError("You already have a place at that property.")
        session.delete(there)
        session.flush()
    m = current
    m.property_id, m.requested_unit_id, m.unit_id = prop.id or 0, unit.id if unit else None, None
    m.status, m.created_at = MembershipStatus.PENDING, utcnow()
    m.decided_at, m.decided_by_id, m.decision_reason = None, None, ""
    session.add(m)
    _tell_landlord(session, prop, user, unit)
    session.commit()
    return m
