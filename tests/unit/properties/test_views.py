"""properties/views.py: the property page's one read (the property, its rules, units and, for
those who manage it, its people) and who it refuses."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from pms_app.core.errors import NotAuthenticated, NotFound
from pms_app.properties import service as properties
from pms_app.properties.views import PropertyRules, property_page
from tests import factories as f


def test_the_owner_sees_the_property_its_rules_units_and_people(session: Session) -> None:
    w = f.world(session)
    a2 = w.unit(session, "A2")
    properties.update_unit(session, w.owner, a2.id, "A2", "25,000")
    properties.update_rules(session, w.owner, w.prop.id, "percent", "5", "3", "2", "1")

    view = property_page(session, w.owner, w.prop.id)

    assert (view.id, view.name, view.address, view.default_rent) == (
        w.prop.id,
        "Sunrise Apartments",
        "Ngong Road, Nairobi",
        20000,
    )
    assert view.rules == PropertyRules(
        late_fee_kind="percent", late_fee_value=5, grace_days=3, remind_before=2, remind_after=1
    )
    assert (view.can_manage, view.is_owner) == (True, True)
    assert [(u.label, u.rent, u.effective_rent, u.tenant_names) for u in view.units] == [
        ("A1", None, 20000, ["Tom Tenant"]),
        ("A2", 25000, 25000, []),  # the pending tenant asked for A2: not a tenant of it yet
        ("A3", None, 20000, []),
        ("A4", None, 20000, []),
    ]
    people = {p.user_id: (p.role, p.unit_label) for p in view.people}
    assert people[w.manager.id] == ("manager", "")
    assert people[w.staff.id] == ("staff", "")
    assert people[w.tenant.id] == ("tenant", "A1")
    # Only approved members of this property: not the one waiting, not the other landlord's.
    assert not {w.pending.id, w.other_tenant.id, w.other_landlord.id} & set(people)


def test_a_manager_manages_but_does_not_own(session: Session) -> None:
    w = f.world(session)
    view = property_page(session, w.manager, w.prop.id)
    assert (view.can_manage, view.is_owner) == (True, False)
    assert w.tenant.id in {p.user_id for p in view.people}
    assert [u.label for u in view.units] == ["A1", "A2", "A3", "A4"]


def test_the_admin_manages_and_owns_every_property(session: Session) -> None:
    w = f.world(session)
    view = property_page(session, w.admin, w.other_prop.id)
    assert (view.name, view.can_manage, view.is_owner) == ("Zebra Towers", True, True)
    assert w.other_tenant.id in {p.user_id for p in view.people}


def test_staff_see_the_units_but_not_the_people(session: Session) -> None:
    w = f.world(session)
    view = property_page(session, w.staff, w.prop.id)
    assert (view.can_manage, view.is_owner) == (False, False)
    assert view.people == []
    assert [(u.label, u.tenant_names) for u in view.units][0] == ("A1", ["Tom Tenant"])


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("anonymous", NotAuthenticated),
        ("deactivated", NotAuthenticated),
        ("pending", NotFound),  # waiting for approval: only the waiting page
        ("tenant", NotFound),  # a tenant of it: units and people are for staff
        ("other_landlord", NotFound),  # someone else's property looks missing
        ("other_tenant", NotFound),
    ],
)
def test_who_may_not_see_the_property_page(
    session: Session, who: str, refusal: type[Exception]
) -> None:
    w = f.world(session)
    with pytest.raises(refusal):
        property_page(session, w.actor(who), w.prop.id)


def test_a_missing_property_is_not_found_like_a_foreign_one(session: Session) -> None:
    w = f.world(session)
    with pytest.raises(NotFound) as missing:
        property_page(session, w.owner, 999_999)
    with pytest.raises(NotFound) as foreign:
        property_page(session, w.owner, w.other_prop.id)
    assert missing.value.message == foreign.value.message == "That property was not found."
