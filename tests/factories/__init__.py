"""Test data builders: the one place tests make users, properties, leases, payments and bookings.

One module per domain; every public name is re-exported here, so tests write
`from tests import factories as f` and `f.landlord(...)`, whatever module it lives in.
"""

from __future__ import annotations

from typing import Any

# Models some tests reach through the factories (`f.User`, `f.Property`).
from pms_app.accounts.models import User
from pms_app.properties.models import Property
from tests.factories.accounts import (
    PASSWORD,
    admin_user,
    deactivated,
    landlord,
    last_email,
    login_token,
    token_from_email,
)
from tests.factories.bookings import (
    BOOK_NOW,
    NAIROBI,
    BookWorld,
    at,
    book_world,
    booking,
    facility,
    facility_form,
    residents,
)
from tests.factories.clock import day, iso, last_year, month_start, today
from tests.factories.leases import lease, owner_of
from tests.factories.payments import (
    PayWorld,
    TaskLog,
    assert_ledger_exact,
    c2b_body,
    c2b_payment,
    callback_for,
    capture_tasks,
    checkout_id,
    echo_body,
    masked,
    pay_world,
    stk_callback_body,
    stk_payment,
)
from tests.factories.properties import (
    World,
    invitation,
    member,
    membership_of,
    property_,
    tenant,
    units_of,
    world,
    world_from_ids,
)
from tests.factories.snapshots import db_snapshot, restore
from tests.factories.states import keyed, state_for

__all__ = [
    "BOOK_NOW",
    "NAIROBI",
    "PASSWORD",
    "BookWorld",
    "PayWorld",
    "Property",
    "TaskLog",
    "User",
    "World",
    "admin_user",
    "assert_denied_quietly",
    "assert_ledger_exact",
    "at",
    "book_world",
    "booking",
    "c2b_body",
    "c2b_payment",
    "callback_for",
    "capture_tasks",
    "checkout_id",
    "day",
    "db_snapshot",
    "deactivated",
    "echo_body",
    "facility",
    "facility_form",
    "invitation",
    "iso",
    "landlord",
    "last_email",
    "last_year",
    "lease",
    "login_token",
    "masked",
    "member",
    "membership_of",
    "month_start",
    "owner_of",
    "pay_world",
    "property_",
    "residents",
    "restore",
    "keyed",
    "state_for",
    "stk_callback_body",
    "stk_payment",
    "tenant",
    "today",
    "token_from_email",
    "units_of",
    "world",
    "world_from_ids",
]


def __getattr__(name: str) -> Any:
    # The denial check lives with the authorisation grid runner, which imports these factories:
    # resolved on first use so neither import has to come first.
    if name == "assert_denied_quietly":
        from tests.authz.grid import assert_denied_quietly

        return assert_denied_quietly
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
