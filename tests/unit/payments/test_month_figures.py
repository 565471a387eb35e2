"""The landlord dashboard's at-a-glance figures (#10.9): this month's billed and collected and
all arrears, as reports.dashboard gives them for Filters(date_from=the 1st), for a known month."""

from __future__ import annotations

from datetime import timedelta

from pms_app.accounts.models import User
from pms_app.ledger import service as ledger
from pms_app.payments import reports
from pms_app.payments.tenant import home_money
from tests.factories.clock import month_start
from tests.factories.leases import lease, owner_of


def test_billed_collected_and_arrears_for_a_known_month(session):
    first = month_start()
    last_month = first - timedelta(days=20)
    today = first + timedelta(days=9)
    lz = lease(session, rent=10_000, due_day=1, start=last_month.replace(day=1), today=today)
    owner = owner_of(session, lz)
    board = reports.dashboard(session, owner, reports.Filters(date_from=first), today)
    assert board.total_billed == 10_000  # this month's rent only, not last month's
    assert board.total_collected == 0
    st = ledger.statement(session, lz.id, today)
    assert board.total_arrears == st.arrears == 20_000


def test_tenant_home_money_balance_overdue_and_next_due(session):
    first = month_start()
    today = first + timedelta(days=9)
    lz = lease(session, rent=10_000, due_day=1, start=first, today=today)
    tenant = session.get(User, lz.tenant_id)
    money = home_money(session, tenant, today)
    assert (money.balance, money.overdue, money.next_amount) == (10_000, 10_000, 10_000)
    assert money.next_due > today and money.next_due.day == 1
    ledger.post_adjustment(
        session, owner_of(session, lz), lz.id, 15_000, "credit", "Paid", on=today
    )
    money = home_money(session, tenant, today)
    assert (money.balance, money.overdue) == (-5_000, 0)
