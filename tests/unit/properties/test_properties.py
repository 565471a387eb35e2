"""Properties and units: create, edit, add/rename/delete units, occupancy, signup choices."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from pms_app.core.errors import ValidationError
from pms_app.core.validation import clean_unit_label
from pms_app.properties import memberships
from pms_app.properties import service as properties
from pms_app.properties.models import Property, Unit
from tests import factories as f


def labels(session: Session, prop: Property) -> list[str]:
    return [u.label for u in f.units_of(session, prop)]


# --- create_property --------------------------------------------------------------------------


def test_create_property_makes_numbered_units_with_the_default_rent(session: Session) -> None:
    owner = f.landlord(session)
    prop = properties.create_property(
        session, owner, "  Sunrise   Apartments ", " Ngong Road ", "4", "20,000", "a"
    )
    session.expire_all()  # read back what was stored
    stored = session.get(Property, prop.id)
    assert (stored.owner_id, stored.name, stored.address, stored.default_rent) == (
        owner.id,
        "Sunrise Apartments",
        "Ngong Road",
        20000,
    )
    assert labels(session, prop) == ["A1", "A2", "A3", "A4"]
    rows = properties.list_units(session, owner, prop.id)
    assert [(r.rent, r.effective_rent, r.tenant_names) for r in rows] == [(None, 20000, [])] * 4


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("B-", ["B-1", "B-2"]), ("blk7", ["BLK71", "BLK72"]), ("", ["1", "2"])],
)
def test_label_prefix_is_upper_cased_and_may_be_empty(
    session: Session, prefix: str, expected: list[str]
) -> None:
    owner = f.landlord(session)
    prop = properties.create_property(session, owner, "Block", "Thika Road", 2, None, prefix)
    assert labels(session, prop) == expected
    assert all(clean_unit_label(label) == label for label in expected)  # editable later as is


def test_without_rent_the_default_is_empty(session: Session) -> None:
    owner = f.landlord(session)
    prop = properties.create_property(session, owner, "Block", "Thika Road", 1, "")
    assert session.get(Property, prop.id).default_rent is None
    assert properties.list_units(session, owner, prop.id)[0].effective_rent is None


def test_the_largest_allowed_property_has_500_units(session: Session) -> None:
    owner = f.landlord(session)
    prop = properties.create_property(session, owner, "Tower", "Waiyaki Way", 500, 0)
    got = labels(session, prop)
    assert len(got) == 500 and got[0] == "A1" and got[-1] == "A500"
    assert session.get(Property, prop.id).default_rent == 0


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"address": ""}, "address"),
        ({"unit_count": 0}, "unit_count"),
        ({"unit_count": 501}, "unit_count"),
        ({"unit_count": "-3"}, "unit_count"),
        ({"unit_count": "three"}, "unit_count"),
        ({"unit_count": ""}, "unit_count"),
        ({"unit_count": "2.5"}, "unit_count"),
        ({"default_rent": -1}, "default_rent"),
        ({"default_rent": "-500"}, "default_rent"),
        ({"default_rent": "abc"}, "default_rent"),
        ({"default_rent": "1500.50"}, "default_rent"),
        ({"default_rent": "10000001"}, "default_rent"),
        ({"label_prefix": "A B"}, "prefix"),
        ({"label_prefix": "A/"}, "prefix"),
        ({"label_prefix": "ABCDEFGHIJK"}, "prefix"),
        ({"label_prefix": "Ä"}, "prefix"),
        ({"label_prefix": "-"}, "prefix"),  # "-1" would not be a valid unit label
    ],
)
def test_create_property_refuses_bad_input_and_writes_nothing(
    session: Session, kw: dict[str, object], field: str
) -> None:
    owner = f.landlord(session)
    args: dict[str, object] = {
        "name": "Sunrise",
        "address": "Ngong Road",
        "unit_count": 3,
        "default_rent": 20000,
        "label_prefix": "A",
    }
    args.update(kw)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        properties.create_property(session, owner, **args)  # type: ignore[arg-type]
    assert err.value.field == field
    session.commit()  # nothing pending in the session either
    assert f.db_snapshot(session) == before
    assert session.exec(select(Property)).all() == []
    assert session.exec(select(Unit)).all() == []


# --- update_property --------------------------------------------------------------------------


def test_update_property_changes_name_address_and_default_rent(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, rent=20000)
    properties.update_property(session, owner, prop.id, " Sunset  Court ", "Kilimani", "25,500")
    session.expire_all()
    stored = session.get(Property, prop.id)
    assert (stored.name, stored.address, stored.default_rent) == ("Sunset Court", "Kilimani", 25500)
    assert {r.effective_rent for r in properties.list_units(session, owner, prop.id)} == {25500}
    properties.update_property(session, owner, prop.id, "Sunset Court", "Kilimani", "")
    session.expire_all()
    assert session.get(Property, prop.id).default_rent is None


@pytest.mark.parametrize(
    ("name", "address", "rent", "field"),
    [
        ("", "Kilimani", "1", "name"),
        ("Sunset Court", "", "1", "address"),
        ("Sunset Court", "Kilimani", "-1", "default_rent"),
        ("Sunset Court", "Kilimani", "lots", "default_rent"),
    ],
)
def test_a_refused_property_edit_changes_nothing(
    session: Session, name: str, address: str, rent: str, field: str
) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, name="Sunrise Apartments", rent=20000)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        properties.update_property(session, owner, prop.id, name, address, rent)
    assert err.value.field == field
    # Not even half-changed in the caller's session, which a later commit would write.
    assert (prop.name, prop.address, prop.default_rent) == (
        "Sunrise Apartments",
        "Ngong Road, Nairobi",
        20000,
    )
    session.commit()
    assert f.db_snapshot(session) == before


# --- add_unit / update_unit -------------------------------------------------------------------


def test_add_unit_normalises_the_label_and_keeps_its_own_rent(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2, rent=20000)
    unit = properties.add_unit(session, owner, prop.id, "  b 12 ", "35000")
    assert unit.label == "B 12"
    assert labels(session, prop) == ["A1", "A2", "B 12"]
    row = next(r for r in properties.list_units(session, owner, prop.id) if r.label == "B 12")
    assert (row.rent, row.effective_rent) == (35000, 35000)


@pytest.mark.parametrize("label", ["A1", "a1", " a1 "])
def test_unit_labels_are_unique_within_a_property(session: Session, label: str) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        properties.add_unit(session, owner, prop.id, label, "")
    assert err.value.field == "label"
    assert f.db_snapshot(session) == before


def test_the_same_label_is_fine_in_another_property(session: Session) -> None:
    owner = f.landlord(session)
    first = f.property_(session, owner, units=1, name="First")
    second = f.property_(session, owner, units=1, name="Second")
    properties.add_unit(session, owner, second.id, "b1", "")
    properties.add_unit(session, owner, first.id, "b1", "")
    assert labels(session, first) == ["A1", "B1"]
    assert labels(session, second) == ["A1", "B1"]


@pytest.mark.parametrize(
    ("label", "rent", "field"),
    [
        ("", "1000", "label"),
        ("   ", "1000", "label"),
        ("#1", "1000", "label"),
        ("-1", "1000", "label"),
        ("X" * 21, "1000", "label"),
        ("B1", "-1000", "rent"),
        ("B1", "ten", "rent"),
    ],
)
def test_add_unit_refuses_bad_input(session: Session, label: str, rent: str, field: str) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=1)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        properties.add_unit(session, owner, prop.id, label, rent)
    assert err.value.field == field
    session.commit()
    assert f.db_snapshot(session) == before


def test_a_property_holds_at_most_500_units(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=500)
    with pytest.raises(ValidationError) as err:
        properties.add_unit(session, owner, prop.id, "B1", "")
    assert err.value.field == "label"
    assert len(labels(session, prop)) == 500


def test_update_unit_renames_and_sets_rent(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2, rent=20000)
    a1, a2 = f.units_of(session, prop)
    properties.update_unit(session, owner, a1.id, "g-1", "18000")
    properties.update_unit(session, owner, a2.id, "a2", "")  # its own label again: fine
    session.expire_all()
    assert [(u.label, u.rent) for u in f.units_of(session, prop)] == [("G-1", 18000), ("A2", None)]


def test_update_unit_refuses_a_label_taken_in_the_same_property(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2)
    a1, _ = f.units_of(session, prop)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        properties.update_unit(session, owner, a1.id, "a2", "100")
    assert err.value.field == "label"
    session.commit()
    assert f.db_snapshot(session) == before


def test_a_refused_unit_edit_leaves_the_unit_as_it_was(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=1)
    (a1,) = f.units_of(session, prop)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        properties.update_unit(session, owner, a1.id, "Z9", "not money")
    assert err.value.field == "rent"
    assert (a1.label, a1.rent) == ("A1", None)  # not half-changed in the session
    session.commit()
    assert f.db_snapshot(session) == before


# --- delete_unit ------------------------------------------------------------------------------


def test_delete_unit_is_refused_while_a_tenant_is_approved_on_it(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2)
    a1, a2 = f.units_of(session, prop)
    f.tenant(session, prop, a1)
    before = f.db_snapshot(session)
    with pytest.raises(ValidationError) as err:
        properties.delete_unit(session, owner, a1.id)
    assert err.value.field == "unit"
    assert f.db_snapshot(session) == before
    properties.delete_unit(session, owner, a2.id)
    assert labels(session, prop) == ["A1"]


def test_deleting_a_unit_a_pending_tenant_asked_for_keeps_the_signup(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=2)
    a1, _ = f.units_of(session, prop)
    waiting = f.tenant(session, prop, a1, approved=False)
    properties.delete_unit(session, owner, a1.id)
    assert labels(session, prop) == ["A2"]
    session.expire_all()
    m = f.membership_of(session, waiting)
    assert (m.status, m.requested_unit_id) == ("pending", None)
    [pending] = memberships.pending_approvals(session, owner)
    assert (pending.email, pending.requested_unit_label) == (waiting.email, "")


# --- list_properties --------------------------------------------------------------------------


def test_list_properties_counts_units_occupied_and_vacant(session: Session) -> None:
    owner = f.landlord(session)
    big = f.property_(session, owner, units=5, name="Big House")
    small = f.property_(session, owner, units=2, name="Acacia Flats")
    b1, b2, b3, *_ = f.units_of(session, big)
    f.tenant(session, big, b1)
    f.tenant(session, big, b2)
    f.tenant(session, big, b2)  # two people sharing a unit occupy one unit
    f.tenant(session, big, b3, approved=False)  # waiting: not an occupant yet
    rejected = f.tenant(session, small, approved=False)
    memberships.reject_tenant(session, owner, f.membership_of(session, rejected).id, "")
    rows = properties.list_properties(session, owner)
    assert [(p.name, p.units, p.occupied, p.vacant) for p in rows] == [
        ("Acacia Flats", 2, 0, 2),
        ("Big House", 5, 2, 3),
    ]


def test_list_properties_counts_a_property_without_units(session: Session) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=1)
    properties.delete_unit(session, owner, f.units_of(session, prop)[0].id)
    [row] = properties.list_properties(session, owner)
    assert (row.units, row.occupied, row.vacant) == (0, 0, 0)


def test_list_properties_of_a_new_landlord_is_empty(session: Session) -> None:
    f.property_(session, f.landlord(session))
    assert properties.list_properties(session, f.landlord(session)) == []
