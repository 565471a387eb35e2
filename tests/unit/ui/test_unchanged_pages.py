"""A page visited again while nothing was committed keeps what it read (ui/shell/page.py): no
query, no worker thread. Any commit, another reader, other filters or an action read again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pms_app.accounts import service as accounts
from pms_app.core import clock
from pms_app.ui.dashboard.dashboard import DashboardState
from pms_app.ui.payments.payments_state import PaymentsState
from tests import factories as f
from tests.asyncio_helpers import settle
from tests.factories import state_for


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


# SQLite's commit counter is what these rely on; PostgreSQL has none, so there every visit reads
# (test_without_a_commit_counter_every_visit_reads, which runs on both).
sqlite_only = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@sqlite_only
def test_a_second_visit_with_nothing_committed_reads_nothing(
    session: Session, statements: list[str]
) -> None:
    owner = f.landlord(session)
    f.property_(session, owner, units=2, name="Owner Place")
    ds = state_for(DashboardState, f.login_token(session, owner))
    settle(ds.load())
    assert [r["name"] for r in ds.rows] == ["Owner Place"] and statements
    statements.clear()
    ds.forbidden = True  # as another page of the tab may have left it
    ds.notice = "Saved."
    assert settle(ds.load()) is None
    assert statements == []
    assert [r["name"] for r in ds.rows] == ["Owner Place"]
    assert not ds.forbidden and ds.notice == "" and ds.user_role == "landlord"

    f.property_(session, owner, units=1, name="New Place")  # a commit: read again
    settle(ds.load())
    assert statements and {r["name"] for r in ds.rows} == {"Owner Place", "New Place"}


def test_a_revoked_login_is_seen_on_the_next_visit(session: Session) -> None:
    owner = f.landlord(session)
    token = f.login_token(session, owner)
    ds = state_for(DashboardState, token)
    settle(ds.load())
    accounts.logout(session, token)
    result = settle(ds.load())
    assert result is not None and ds.user_role == ""  # sent to the login page


@sqlite_only
def test_the_identity_is_trusted_without_a_query_for_a_short_while_only(
    session: Session, statements: list[str]
) -> None:
    owner = f.landlord(session)
    ds = state_for(DashboardState, f.login_token(session, owner))
    settle(ds.load())
    statements.clear()
    with clock.shifted(1):  # another day (and past the trust window): read again
        settle(ds.load())
    assert statements


@sqlite_only
def test_other_filters_or_an_action_read_again(session: Session, statements: list[str]) -> None:
    owner = f.landlord(session)
    prop = f.property_(session, owner, units=1, name="Owner Place")
    ps = state_for(PaymentsState, f.login_token(session, owner))
    settle(ps.load())
    statements.clear()
    settle(ps.load())
    assert statements == []
    ps.property_id = str(prop.id)  # as the filter form leaves it
    settle(ps.load())
    assert statements
    statements.clear()
    settle(ps.refresh())  # read by another path than load: the next visit reads again
    statements.clear()
    settle(ps.load())
    assert statements


def test_without_a_commit_counter_every_visit_reads(
    session: Session, statements: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pms_app.ui.shell.page.data_version", lambda: None)  # as on PostgreSQL
    owner = f.landlord(session)
    ds = state_for(DashboardState, f.login_token(session, owner))
    settle(ds.load())
    statements.clear()
    settle(ds.load())
    assert statements
