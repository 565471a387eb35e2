"""A form's submission writes once: the page's submission key (PageState._replayed) refuses the
same submission sent again — a double click, a slow network's retry, a replayed event — while
a corrected resubmission after an error still goes through."""

from __future__ import annotations

import re
from pathlib import Path

from sqlmodel import Session, func, select

from pms_app.payments.models import Payment
from pms_app.properties.models import Property
from pms_app.ui.leases.lease_state import LeaseState
from pms_app.ui.properties.new_property import NewPropertyState
from tests import factories as f
from tests.asyncio_helpers import settle
from tests.factories import state_for

UI = Path(__file__).resolve().parents[3] / "pms_app" / "ui"


def _payments(session: Session, lease_id: int) -> int:
    session.expire_all()
    return session.exec(
        select(func.count()).select_from(Payment).where(Payment.lease_id == lease_id)
    ).one()


def test_the_same_payment_submission_twice_records_one_payment(session: Session) -> None:
    lease = f.lease(session)
    st = state_for(LeaseState, f.login_token(session, f.owner_of(session, lease)))
    settle(st.load())  # issues the page's key (the URL's lease id is not set here)
    st.lease_id = lease.id
    st._reload()
    form = f.keyed(
        st,
        {"amount": "1500", "method": "cash", "paid_on": f.today().isoformat(), "reference": "S1"},
    )
    first_key = st.submission
    assert first_key

    settle(st.record_payment(form))
    assert _payments(session, lease.id) == 1 and st.notice.startswith("Payment recorded")
    assert st.submission != first_key  # the next submission gets a new key

    settle(st.record_payment(form))  # the double click's second event: same key
    assert _payments(session, lease.id) == 1
    assert st.notice.startswith("Payment recorded") and st.error == ""  # the page as it was

    settle(st.record_payment({**form, "submission": st.submission}))  # a second, deliberate one
    assert _payments(session, lease.id) == 2


def test_a_refused_submission_keeps_its_key_for_the_corrected_one(session: Session) -> None:
    lease = f.lease(session)
    st = state_for(LeaseState, f.login_token(session, f.owner_of(session, lease)))
    settle(st.load())  # issues the page's key (the URL's lease id is not set here)
    st.lease_id = lease.id
    st._reload()
    form = f.keyed(
        st, {"amount": "x", "method": "cash", "paid_on": f.today().isoformat(), "reference": ""}
    )
    settle(st.record_payment(form))
    assert "amount" in st.errors and _payments(session, lease.id) == 0
    settle(st.record_payment({**form, "amount": "900"}))
    assert st.errors == {} and _payments(session, lease.id) == 1


def test_a_submission_without_the_pages_key_writes_nothing(session: Session) -> None:
    owner = f.landlord(session)
    st = state_for(NewPropertyState, f.login_token(session, owner))
    settle(st.load())
    form = {"name": "Forged Flats", "address": "Somewhere", "unit_count": "2"}
    for key in (None, "", "made-up-key", ["list"]):
        settle(st.submit(form if key is None else {**form, "submission": key}))
    settle(st.submit(f.keyed(st, form)))
    settle(st.submit(f.keyed(st, form)))  # a new key each time: two deliberate properties
    session.expire_all()
    names = session.exec(select(Property.name).where(Property.owner_id == owner.id)).all()
    assert names == ["Forged Flats", "Forged Flats"]


def test_every_writing_form_is_a_write_form() -> None:
    """A page's rx.form is a filter or search (reads only); forms that write are
    components/forms.write_form, which carries the key and the busy button."""
    reading = {
        "payments/payments.py": 1,
        "accounts/admin.py": 1,
        "simulator/phone.py": 3,
        "leases/tenants.py": 1,  # search, reads only
        "leases/units.py": 1,  # search, reads only
    }
    found = {
        str(p.relative_to(UI)): len(re.findall(r"\brx\.form\(", p.read_text()))
        for p in UI.rglob("*.py")
        if p.name != "forms.py"
    }
    assert {k: v for k, v in found.items() if v} == reading
