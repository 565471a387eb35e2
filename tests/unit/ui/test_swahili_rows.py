"""Text the bookings and dashboard states build is in the reader's language (#10.12): weekday and
month names, status labels, the fee line; English stays the default."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from pms_app.core import clock
from pms_app.ui.bookings.facility_state import FacilityState
from pms_app.ui.dashboard.dashboard import DashboardState
from tests import factories as f
from tests.factories import state_for

SW_MONTHS = ("Januari", "Februari", "Machi", "Aprili", "Mei", "Juni", "Julai", "Agosti")
SW_MONTHS += ("Septemba", "Oktoba", "Novemba", "Desemba")
MORNING = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 09:00 in Nairobi


def _facility_state(session: Session, lang: str, monkeypatch: pytest.MonkeyPatch) -> FacilityState:
    w = f.world(session)
    hall = f.facility(session, w.prop, fee=500)
    f.booking(session, hall, w.tenant, f.at("2026-03-03", "10:00"), now=MORNING)
    monkeypatch.setattr(clock, "now", lambda: MORNING)
    st = state_for(FacilityState, f.login_token(session, w.owner))
    st.lang = lang
    st.facility_id = hall.id
    st.day = "2026-03-03"
    st._reload()
    return st


def test_the_facility_page_builds_its_text_in_swahili(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    st = _facility_state(session, "sw", monkeypatch)
    assert st.day_label == "Jumanne 3 Mac 2026"
    assert st.week[0]["label"] == "Jumanne 3"
    assert st.info["capacity"] == "wageni 10"
    assert st.info["due"] == "KES 500 + amana KES 0"
    assert st.info["policy"].startswith("Kughairi bure hadi saa 24 kabla")
    assert [b["label"] for b in st.day_bookings] == ["inasubiri malipo"]


def test_english_stays_the_default(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    st = _facility_state(session, "en", monkeypatch)
    assert (st.day_label, st.week[0]["label"]) == ("Tuesday 3 Mar 2026", "Tue 3")
    assert [b["label"] for b in st.day_bookings] == ["awaiting payment"]


def test_the_dashboard_names_the_month_in_swahili(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = f.world(session)
    st = state_for(DashboardState, f.login_token(session, w.owner))
    st.lang = "sw"
    st._reload()
    assert st.month["label"] == f"{SW_MONTHS[f.today().month - 1]} {f.today().year}"
