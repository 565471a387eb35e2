"""Pages give dates and times where the property is (Africa/Nairobi here), not UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from pms_app.core import clock
from pms_app.ui.bookings.facility_state import FacilityState
from tests import factories as f
from tests.factories import state_for


def test_the_facility_calendar_opens_on_today_where_the_facility_is(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = f.world(session)
    hall = f.facility(session, w.prop)
    late = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # already 01:30 on the 3rd in Nairobi
    monkeypatch.setattr(clock, "now", lambda: late)
    st = state_for(FacilityState, f.login_token(session, w.owner))
    st.facility_id = hall.id
    st._reload()
    assert (st.day, st.day_label) == ("2026-03-03", "Tuesday 3 Mar 2026")
    assert st.week[0]["label"] == "Tue 3"
