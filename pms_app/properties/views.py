"""What the property page shows, read in one call: the property, its rent rules, its units and
(for those who manage it) its people. Permission-checked like every service."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from pms_app.accounts.models import User
from pms_app.core.errors import NotFound
from pms_app.properties import invitations, memberships
from pms_app.properties.access import can_own, get_visible_property, managed_property_ids
from pms_app.properties.service import UnitRow, list_units


@dataclass(frozen=True)
class PropertyRules:
    late_fee_kind: str
    late_fee_value: int
    grace_days: int
    remind_before: int
    remind_after: int


@dataclass(frozen=True)
class PropertyView:
    id: int
    name: str
    address: str
    code: str  # what tenants sign up with (the paybill prefix)
    default_rent: int | None
    timezone: str  # the property's: its times are shown in it
    rules: PropertyRules
    can_manage: bool
    is_owner: bool
    units: list[UnitRow]
    people: list[memberships.Person]  # empty unless the viewer manages the property
    invitations: list[invitations.OpenInvitation]  # likewise


def property_page(session: Session, actor: User | None, property_id: int) -> PropertyView:
    """NotFound for a property the actor may not see (or a tenant: units are for staff)."""
    prop = get_visible_property(session, actor, property_id)
    if actor is None or prop.id is None:  # get_visible_property refused nobody already
        raise NotFound("property")
    can_manage = prop.id in managed_property_ids(session, actor)
    units = list_units(session, actor, prop.id)
    return PropertyView(
        id=prop.id,
        name=prop.name,
        address=prop.address,
        code=prop.account_prefix,
        default_rent=prop.default_rent,
        timezone=prop.timezone,
        rules=PropertyRules(
            late_fee_kind=prop.late_fee_kind,
            late_fee_value=prop.late_fee_value,
            grace_days=prop.late_fee_grace_days,
            remind_before=prop.remind_days_before,
            remind_after=prop.remind_days_after,
        ),
        can_manage=can_manage,
        is_owner=can_manage and can_own(actor, prop),
        units=units,
        people=memberships.property_people(session, actor, prop.id) if can_manage else [],
        invitations=invitations.open_invitations(session, actor, prop.id) if can_manage else [],
    )
