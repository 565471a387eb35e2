"""Tenant approval, the tenant's home, and the people of a property."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from pms_app.accounts.models import Role, User
from pms_app.core import audit
from pms_app.core.db import update_or_refuse
from pms_app.core.errors import NotFound, ServiceError, ValidationError
from pms_app.core.i18n import gettext
from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.core.validation import clean_text
from pms_app.emails.service import composing_for, queue_email
from pms_app.properties.access import (
    can_own,
    get_managed_property,
    managed_property_ids,
    require_approved,
    require_user,
    tenant_membership,
)
from pms_app.properties.models import Membership, MembershipStatus, Property, Unit


@dataclass(frozen=True)
class PendingTenant:
    membership_id: int
    property_id: int
    property_name: str
    full_name: str
    email: str
    phone: str
    requested_unit_id: int | None
    requested_unit_label: str
    created_at: datetime


def pending_approvals(session: Session, actor: User | None) -> list[PendingTenant]:
    user = require_approved(session, actor)
    ids = managed_property_ids(session, user)
    if not ids:
        return []
    rows = session.exec(
        select(Membership, User, Property)
        .join(User, col(User.id) == Membership.user_id)
        .join(Property, col(Property.id) == Membership.property_id)
        .where(
            col(Membership.property_id).in_(ids),
            Membership.role == Role.TENANT,
            Membership.status == MembershipStatus.PENDING,
        )
        .order_by(Membership.created_at)
    ).all()
    unit_labels = {
        u.id: u.label
        for u in session.exec(
            select(Unit).where(
                col(Unit.id).in_([m.requested_unit_id for m, _, _ in rows if m.requested_unit_id])
            )
        ).all()
    }
    return [
        PendingTenant(
            membership_id=m.id or 0,
            property_id=p.id or 0,
            property_name=p.name,
            full_name=u.full_name,
            email=u.email,
            phone=u.phone,
            requested_unit_id=m.requested_unit_id,
            requested_unit_label=unit_labels.get(m.requested_unit_id, ""),
            created_at=m.created_at,
        )
        for m, u, p in rows
    ]


def pending_count(session: Session, actor: User | None) -> int:
    user = require_approved(session, actor)
    ids = managed_property_ids(session, user)
    if not ids:
        return 0
    return session.exec(
        select(func.count(Membership.id)).where(
            col(Membership.property_id).in_(ids),
            Membership.role == Role.TENANT,
            Membership.status == MembershipStatus.PENDING,
        )
    ).one()


def _pending_membership(session: Session, actor: User | None, membership_id: int) -> Membership:
    m = session.get(Membership, membership_id) if isinstance(membership_id, int) else None
    if m is None or m.role != Role.TENANT:
        raise NotFound("signup")
    try:
        get_managed_property(session, actor, m.property_id)
    except NotFound:
        raise NotFound("signup") from None
    return m


def _decide(session: Session, m: Membership, actor: User, status: str, **values: object) -> None:
    """Pending → approved/rejected exactly once, even if two managers click at the same time."""
    update_or_refuse(
        session,
        update(Membership)
        .where(Membership.id == m.id, Membership.status == MembershipStatus.PENDING)
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id, **values),
        "This signup was already decided by someone else.",
    )


def approve_tenant(
    session: Session, actor: User | None, membership_id: int, unit_id: int | None
) -> None:
    user = require_user(actor)
    m = _pending_membership(session, user, membership_id)
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None or unit.property_id != m.property_id:
        raise ValidationError("Choose the tenant's unit.", "unit")
    _decide(session, m, user, MembershipStatus.APPROVED, unit_id=unit.id)
    tenant = session.get(User, m.user_id)
    prop = session.get(Property, m.property_id)
    assert tenant is not None and prop is not None
    with composing_for(tenant):
        queue_email(
            session,
            tenant.email,
            gettext("You're approved at {property}", property=prop.name),
            gettext(
                "Hello {name},\n\nYour landlord approved you as the tenant of unit {unit} at "
                "{property}. Log in to see your home: {link}",
                name=tenant.full_name,
                unit=unit.label,
                property=prop.name,
                link=f"{get_settings().base_url}/login",
            ),
            kind="tenant_approved",
        )
    session.commit()


def reject_tenant(
    session: Session, actor: User | None, membership_id: int, reason: str = ""
) -> None:
    user = require_user(actor)
    m = _pending_membership(session, user, membership_id)
    why = clean_text(reason, "reason", "the reason", 500, required=False)
    _decide(session, m, user, MembershipStatus.REJECTED, decision_reason=why)
    tenant = session.get(User, m.user_id)
    prop = session.get(Property, m.property_id)
    assert tenant is not None and prop is not None
    with composing_for(tenant):
        values = {"name": tenant.full_name, "property": prop.name}
        queue_email(
            session,
            tenant.email,
            gettext("Your signup for {property} was not approved", **values),
            gettext(
                "Hello {name},\n\nYour landlord did not approve your signup for {property}."
                "\n\nReason given: {reason}\n\nIf you think this is a mistake, contact your "
                "landlord.",
                reason=why,
                **values,
            )
            if why
            else gettext(
                "Hello {name},\n\nYour landlord did not approve your signup for {property}."
                "\n\nIf you think this is a mistake, contact your landlord.",
                **values,
            ),
            kind="tenant_rejected",
        )
    session.commit()


@dataclass(frozen=True)
class TenantStatus:
    status: str  # pending / approved / rejected / none
    property_name: str
    property_code: str
    property_address: str
    unit_label: str
    reason: str


def tenant_status(session: Session, actor: User | None) -> TenantStatus:
    """What a tenant sees about himself: allowed in every approval state (the waiting page)."""
    user = require_user(actor)
    m = tenant_membership(session, user)
    if m is None:
        return TenantStatus("none", "", "", "", "", "")
    prop = session.get(Property, m.property_id)
    unit = session.get(Unit, m.unit_id) if m.unit_id else None
    return TenantStatus(
        status=m.status,
        property_name=prop.name if prop else "",
        property_code=prop.account_prefix if prop else "",
        property_address=prop.address if prop else "",
        unit_label=unit.label if unit else "",
        reason=m.decision_reason if m.status == MembershipStatus.REJECTED else "",
    )


@dataclass(frozen=True)
class Person:
    membership_id: int
    user_id: int
    full_name: str
    email: str
    phone: str
    role: str
    unit_label: str


def property_people(session: Session, actor: User | None, property_id: int) -> list[Person]:
    prop = get_managed_property(session, actor, property_id)
    rows = session.exec(
        select(Membership, User)
        .join(User, col(User.id) == Membership.user_id)
        .where(
            Membership.property_id == prop.id,
            Membership.status == MembershipStatus.APPROVED,
        )
        .order_by(Membership.role, User.full_name)
    ).all()
    labels = dict(
        session.exec(select(Unit.id, Unit.label).where(Unit.property_id == prop.id)).all()  # type: ignore[arg-type]
    )
    return [
        Person(
            membership_id=m.id or 0,
            user_id=u.id or 0,
            full_name=u.full_name,
            email=u.email,
            phone=u.phone,
            role=m.role,
            unit_label=labels.get(m.unit_id, "") if m.unit_id else "",
        )
        for m, u in rows
    ]


def remove_member(
    session: Session, actor: User | None, property_id: int, membership_id: int
) -> None:
    """Take a manager or staff member off a property. The owner (and the admin) removes anyone;
    a manager removes staff only. The owner and tenants are never removed here (a tenant leaves
    when his lease ends). Access ends at once: every check reads the membership, whose status is
    now `removed`; the person's sessions stay (he may work at other properties) but find nothing
    here. Recorded in the audit trail; inviting him again makes him a member again."""
    user = require_approved(session, actor)
    prop = get_managed_property(session, user, property_id)
    m = session.get(Membership, membership_id) if isinstance(membership_id, int) else None
    if m is None or m.property_id != prop.id:
        raise NotFound("person")
    if m.user_id == prop.owner_id:
        raise ServiceError("The property's owner can't be removed.")
    if m.role not in (Role.MANAGER, Role.STAFF):
        raise ServiceError("Only managers and staff can be removed here.")
    if m.role == Role.MANAGER and not can_own(user, prop):
        raise ServiceError("Only the property's owner can remove managers.")
    before = audit.snapshot(m, ("user_id", "role", "status"))
    update_or_refuse(
        session,
        update(Membership)
        .where(Membership.id == m.id, Membership.status == MembershipStatus.APPROVED)
        .values(status=MembershipStatus.REMOVED, decided_at=utcnow(), decided_by_id=user.id),
        "This person was already removed.",
    )
    audit.record(
        session,
        user.id,
        object_type="membership",
        object_id=m.id or 0,
        action="remove",
        property_id=prop.id,
        before=before,
        after={**before, "status": MembershipStatus.REMOVED.value},
    )
    session.commit()
