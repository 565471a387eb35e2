"""The M-Pesa simulator is something an install opts into (MPESA_SIMULATOR=1), never a default:
without credentials and without it, M-Pesa is off and every payment path says so.

Written as the attack: an install that configured nothing must not print money."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlmodel import Session, func, select

from pms_app import worker
from pms_app.accounts.models import User
from pms_app.background import register_simulator_c2b
from pms_app.bookings.paying import start_booking_payment
from pms_app.core.errors import ServiceError
from pms_app.core.settings import ConfigError, check_config, get_settings
from pms_app.integrations.daraja import DarajaError, client_from_settings
from pms_app.payments import booking_fees, stk
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.simulator.routes import simulator_routes
from pms_app.ui.bookings.my_bookings import MyBookingsState
from pms_app.ui.payments.pay import PayState
from pms_app.ui.simulator.phone import register_phone_page
from tests import factories as f
from tests.asyncio_helpers import run as run_async
from tests.asyncio_helpers import settle
from tests.factories import state_for


@pytest.fixture
def mpesa_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default install: no DARAJA_* credentials, no MPESA_SIMULATOR."""
    monkeypatch.delenv("MPESA_SIMULATOR", raising=False)
    monkeypatch.delenv("DARAJA_CONSUMER_KEY", raising=False)
    get_settings.cache_clear()


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Any:
    for name in ("MPESA_SIMULATOR", "MPESA_SIMULATOR_FORCE", "DARAJA_CONSUMER_KEY", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    return get_settings()


@pytest.mark.parametrize(
    ("env", "simulator", "mpesa", "refused"),
    [
        ({}, False, False, False),
        ({"MPESA_SIMULATOR": "1"}, True, True, False),
        ({"MPESA_SIMULATOR": "0"}, False, False, False),
        ({"MPESA_SIMULATOR": "1", "BASE_URL": "http://127.0.0.2:8000"}, True, True, False),
        ({"MPESA_SIMULATOR": "1", "BASE_URL": "http://[::1]:3000"}, True, True, False),
        ({"MPESA_SIMULATOR": "1", "DARAJA_CONSUMER_KEY": "real"}, False, True, False),
        ({"DARAJA_CONSUMER_KEY": "real"}, False, True, False),
        ({"MPESA_SIMULATOR": "1", "BASE_URL": "https://pms.example.com"}, False, False, True),
        ({"MPESA_SIMULATOR": "1", "BASE_URL": "http://192.168.1.10:3000"}, False, False, True),
        ({"MPESA_SIMULATOR": "1", "BASE_URL": "http://10.0.0.5"}, False, False, True),
        ({"MPESA_SIMULATOR": "1", "BASE_URL": "http://localhost.evil.example"}, False, False, True),
        ({"MPESA_SIMULATOR": "1", "BASE_URL": "http://127.0.0.1.nip.io"}, False, False, True),
        (
            {
                "MPESA_SIMULATOR": "1",
                "MPESA_SIMULATOR_FORCE": "1",
                "BASE_URL": "https://pms.example.com",
            },
            True,
            True,
            False,
        ),
    ],
)
def test_simulator_is_opt_in_and_local_only(
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    simulator: bool,
    mpesa: bool,
    refused: bool,
) -> None:
    s = _settings(monkeypatch, **env)
    assert (s.uses_simulator, s.mpesa_enabled, s.simulator_refused) == (simulator, mpesa, refused)
    assert bool(simulator_routes(s)) == simulator
    if refused:
        with pytest.raises(ConfigError, match="MPESA_SIMULATOR_FORCE=1"):
            check_config(s)
    else:
        check_config(s)


def test_simulator_credentials_are_the_installs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    off = _settings(monkeypatch)
    assert (off.daraja_base_url, off.daraja_consumer_key, off.daraja_consumer_secret) == (
        "",
        "",
        "",
    )
    a = _settings(monkeypatch, MPESA_SIMULATOR="1", SECRET_KEY="install-a")
    b = _settings(monkeypatch, MPESA_SIMULATOR="1", SECRET_KEY="install-b")
    assert "simulator-key" not in (a.daraja_consumer_key, b.daraja_consumer_key)
    assert "simulator-secret" not in (a.daraja_consumer_secret, b.daraja_consumer_secret)
    assert a.daraja_consumer_key != b.daraja_consumer_key
    assert a.daraja_consumer_secret != b.daraja_consumer_secret
    assert a.simulator_phone_key != b.simulator_phone_key
    assert len({a.daraja_consumer_key, a.daraja_consumer_secret, a.simulator_phone_key}) == 3


class _Recorder:
    def __init__(self) -> None:
        self.pages: list[str] = []

    def add_page(self, *_a: Any, route: str = "", **_kw: Any) -> None:
        self.pages.append(route)


@pytest.mark.usefixtures("mpesa_off")
def test_default_install_has_no_simulator_routes_nor_phone_page() -> None:
    app = _Recorder()
    assert register_phone_page(app) is False  # type: ignore[arg-type]
    assert app.pages == []
    assert simulator_routes() == []
    with pytest.raises(DarajaError) as err:
        client_from_settings()
    assert err.value.code == "not_configured"


def _payments(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Payment)).one()


@pytest.mark.usefixtures("mpesa_off")
def test_rent_cannot_be_started_and_the_rent_page_says_so(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    lease = f.lease(session)
    tenant = session.get(User, lease.tenant_id)
    tasks = f.capture_tasks(monkeypatch)
    with pytest.raises(ServiceError) as err:
        stk.start_stk_payment(session, tenant, 500, "0712345678")
    assert err.value.message == stk.MPESA_OFF
    assert "cash or bank" in err.value.message

    st = state_for(PayState, f.login_token(session, tenant))
    settle(st.load())
    assert st.has_lease and not st.mpesa and not st.simulator
    settle(st.pay(f.keyed(st, {"amount": "500", "phone": "0712345678"})))
    assert st.error == stk.MPESA_OFF
    assert _payments(session) == 0 and tasks.named("send_stk_push") == []


@pytest.mark.usefixtures("mpesa_off")
def test_booking_fee_cannot_be_paid_by_mpesa_and_the_page_says_so(session: Session) -> None:
    bw = f.book_world(session)
    with pytest.raises(ServiceError) as err:
        start_booking_payment(session, bw.w.tenant, bw.held.id or 0, "0712345678")
    assert err.value.message == booking_fees.MPESA_OFF_BOOKING
    st = state_for(MyBookingsState, f.login_token(session, bw.w.tenant))
    settle(st.load())
    assert not st.mpesa and any(r["status"] == "awaiting_payment" for r in st.rows)
    settle(st.pay(f.keyed(st, {"booking_id": str(bw.held.id), "phone": "0712345678"})))
    assert st.error == booking_fees.MPESA_OFF_BOOKING
    assert _payments(session) == 0


def test_reconciler_and_paybill_registration_do_nothing_when_off(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    lease = f.lease(session)
    payment = f.stk_payment(session, lease, age_s=3600)  # pushed while M-Pesa was on
    monkeypatch.delenv("MPESA_SIMULATOR", raising=False)
    get_settings.cache_clear()
    assert worker.reconcile_payments.run() == {
        "paid": 0,
        "failed": 0,
        "pending": 0,
        "unconfirmed": 0,
    }
    session.expire_all()
    assert session.get(Payment, payment.id).status == PaymentStatus.PENDING
    # Returns at once instead of trying to register the paybill URLs for a minute.
    run_async(asyncio.wait_for(register_simulator_c2b(), timeout=2))
