"""A field's error shows once: beside its input where the page has one (`field(…, S.errors)`),
else in the banner. Each page state lists the inputs that show their own error
(`PageState._inline_fields`); these tests hold that list to the page's view."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
import reflex as rx
from sqlmodel import Session

import pms_app.pms_app as app_module
from pms_app.accounts.models import User
from pms_app.core.errors import NotFound, ValidationError
from pms_app.ui.accounts import login, reset, signup, waiting
from pms_app.ui.bookings.facility_state import FacilityState
from pms_app.ui.leases.lease_state import LeaseState
from pms_app.ui.payments.pay import PayState
from pms_app.ui.properties import invitation
from pms_app.ui.properties.property_state import PropertyState
from pms_app.ui.shell.page import PageState
from tests import factories as f
from tests.asyncio_helpers import settle
from tests.factories import state_for

# Every page with a PageState: the member pages, then the others (guest and link pages).
PAGES: list[tuple[Callable[[], rx.Component], type[PageState]]] = [
    *((page, state) for page, _route, _title, state in app_module.MEMBER_PAGES),
    (login.login_page, login.LoginState),
    (reset.forgot_page, reset.ForgotState),
    (reset.reset_page, reset.ResetState),
    (signup.signup_page, signup.LandlordSignupState),
    (signup.tenant_signup_page, signup.TenantSignupState),
    (waiting.waiting_page, waiting.WaitingState),
    (invitation.invitation_page, invitation.InvitationState),
]


def _all_page_states() -> set[type]:
    seen, todo = set(), [PageState]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return {s for s in seen if s.__module__.startswith("pms_app.ui.")}


def _error_slots(page: Callable[[], rx.Component]) -> set[str]:
    """The inputs a page shows an error beside: `field()` gives each an id `<name>-error`."""
    rendered = json.dumps(page().render(), default=str)
    return set(re.findall(r"([a-z0-9_]+)-error", rendered)) - {"form"}


def test_every_page_state_is_checked() -> None:
    assert {s.__name__ for s in _all_page_states()} == {s.__name__ for _p, s in PAGES}


@pytest.mark.parametrize("page,state", PAGES, ids=[s.__name__ for _p, s in PAGES])
def test_a_page_lists_exactly_the_inputs_that_show_their_own_error(
    page: Callable[[], rx.Component], state: type[PageState]
) -> None:
    slots, listed = _error_slots(page), set(state._inline_fields)
    assert listed <= slots, (
        f"listed, but no error beside an input (it would be lost): {listed - slots}"
    )
    assert slots <= listed, f"shown beside the input, not listed (shown twice): {slots - listed}"


def _fail(state: type[PageState], exc: Exception) -> tuple[dict[str, str], str]:
    st = state_for(state)
    st._fail(exc)
    return st.errors, st.error


def test_a_field_error_shows_beside_its_input_only_and_any_other_in_the_banner() -> None:
    assert _fail(PayState, ValidationError("Enter a Kenyan mobile number.", "phone")) == (
        {"phone": "Enter a Kenyan mobile number."},
        "",
    )
    # The property page's unit rows have no error beside their inputs: the banner says it.
    assert _fail(PropertyState, ValidationError("Enter a unit label, like A1.", "label")) == (
        {"label": "Enter a unit label, like A1."},
        "Enter a unit label, like A1.",
    )
    assert _fail(PayState, NotFound("lease")) == (
        {"form": "That lease was not found."},
        "That lease was not found.",
    )


def test_the_rent_pages_bad_phone_and_amount_show_beside_their_fields(session: Session) -> None:
    lease = f.lease(session)
    tenant = session.get(User, lease.tenant_id)
    st = state_for(PayState, f.login_token(session, tenant))
    settle(st.load())
    assert st.has_lease and st.mpesa
    settle(st.pay(f.keyed(st, {"amount": "500", "phone": "12"})))
    assert set(st.errors) == {"phone"} and st.error == ""
    settle(st.pay(f.keyed(st, {"amount": "0", "phone": "0712345678"})))
    assert set(st.errors) == {"amount"} and st.error == ""


def test_an_adjustments_errors_show_beside_the_adjustment_form(session: Session) -> None:
    lease = f.lease(session)
    st = state_for(LeaseState, f.login_token(session, f.owner_of(session, lease)))
    st.lease_id = lease.id
    st._reload()
    assert st.active
    form = {"adj_amount": "5", "direction": "debit", "reason": "Broken window", "adj_date": ""}
    # The service names them "amount" and "date": beside the adjustment's inputs, not the
    # payment form's amount.
    settle(st.adjust({**form, "adj_amount": "x"}))
    assert set(st.errors) == {"adj_amount"} and st.error == ""
    settle(st.adjust({**form, "adj_date": "someday"}))
    assert set(st.errors) == {"adj_date"} and st.error == ""
    settle(st.adjust({**form, "direction": "sideways"}))  # a forged select: no place beside it
    assert set(st.errors) == {"direction"} and st.error == "Choose charge or credit."
    settle(st.adjust(form))
    assert st.errors == {} and st.error == "" and st.notice == "Adjustment posted."


def test_a_facilitys_bad_hours_show_beside_their_day_and_a_forged_select_in_the_banner(
    session: Session,
) -> None:
    w = f.world(session)
    hall = f.facility(session, w.prop)
    st = state_for(FacilityState, f.login_token(session, w.owner))
    st.facility_id = hall.id
    st.day = f.day("03-02").isoformat()
    st._reload()
    assert st.manager and not st.not_found
    form = dict(st.values)
    settle(st.save_facility({**form, "open_2": "09:00", "close_2": "08:00"}))
    assert st.errors == {"hours_2": "Wednesday: closing must be after opening."}
    assert st.error == ""
    settle(st.save_facility({**form, "cancel_fee_kind": "sideways"}))
    assert set(st.errors) == {"cancel_fee_kind"}
    assert st.error == "Choose a fixed or a percentage cancellation fee."
    settle(st.save_facility({**form, "capacity": "0"}))
    assert set(st.errors) == {"capacity"} and st.error == ""
    settle(st.save_facility(form))
    assert st.errors == {} and st.error == "" and st.notice == "Facility saved."
