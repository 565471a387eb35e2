"""Attacks on the M-Pesa simulator, over real HTTP (granian in a thread) and raw event calls:
the simulator must not be a way to credit invented money, answer other people's prompts, make
the server POST anywhere (SSRF) or redirect paybill notifications.

An "attacker" server on another port records anything the simulator would post to it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import update
from sqlmodel import Session, col, func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pms_app.accounts import service as accounts
from pms_app.accounts.models import Role, User
from pms_app.api.routes import build_api
from pms_app.core.settings import PROJECT_ROOT, check_config, get_settings
from pms_app.integrations.daraja import DarajaError
from pms_app.properties.models import Property
from pms_app.simulator import delivery, stk
from pms_app.simulator.models import SimC2BRegistration, SimC2BTransaction, SimStkRequest
from pms_app.ui.simulator.phone_state import PhoneState, _snapshot_if_allowed
from tests import factories as f
from tests.asyncio_helpers import settle
from tests.http_server import free_port, start_server, until
from tests.integration.test_daraja_simulator import SHORTCODE, Sim, _push
from tests.integration.test_daraja_simulator import sim as sim  # the fixture


class Attacker:
    """A server that must never hear from the simulator."""

    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.hits: list[str] = []
        self.lock = threading.Lock()

    async def record(self, request: Request) -> JSONResponse:
        with self.lock:
            self.hits.append(request.url.path)
        return JSONResponse({"ResultCode": 0, "ResultDesc": "Accepted"})


@pytest.fixture
def attacker() -> Iterator[Attacker]:
    a = Attacker()
    app = Starlette(routes=[Route("/{path:path}", a.record, methods=["GET", "POST"])])
    stop = start_server(app, a.port, "attacker-http")
    yield a
    stop()


def _count(engine: Any, model: type) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


# --- default settings: nothing there --------------------------------------------------------------


def test_default_install_serves_no_simulator(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MPESA_SIMULATOR", raising=False)
    port = free_port()
    monkeypatch.setenv("BASE_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    stop = start_server(build_api(), port, "default-api")
    try:
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/api/health", timeout=5).status_code == 200
        for key, secret in (("simulator-key", "simulator-secret"), ("", "")):
            got = requests.get(
                f"{base}/sim/oauth/v1/generate",
                params={"grant_type": "client_credentials"},
                auth=(key, secret),
                timeout=5,
            )
            assert got.status_code == 404
        for path in (
            "mpesa/stkpush/v1/processrequest",
            "mpesa/stkpushquery/v1/query",
            "mpesa/c2b/v2/registerurl",
            "mpesa/c2b/v2/simulate",
        ):
            assert requests.post(f"{base}/sim/{path}", json={}, timeout=5).status_code == 404
    finally:
        stop()
    assert _count(engine, SimStkRequest) == 0 and _count(engine, SimC2BRegistration) == 0


# --- refusing to start ----------------------------------------------------------------------------


def _run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "MPESA_SIMULATOR_FORCE", "BASE_URL")
    }
    full.update(PMS_DATA_DIR=str(tmp_path / "data"), MPESA_SIMULATOR="1", **env)
    # Its own process group: if the refusal regresses, the server it starts is stopped whole.
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{args} did not refuse to start:\n{out[-2000:]}{err[-2000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_simulator_on_a_public_base_url_refuses_to_start(tmp_path: Path) -> None:
    port = str(free_port())  # never 3000, should it start after all
    run = _run_cli(
        tmp_path, "-m", "pms_app.cli", "run", "--port", port, BASE_URL="https://pms.example.com"
    )
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert "MPESA_SIMULATOR_FORCE=1" in lines[0] and "https://pms.example.com" in lines[0]
    assert not (tmp_path / "data" / "pms.db").exists()  # refused before migrating anything

    # `reflex run` directly imports the app: that fails too.
    imported = _run_cli(tmp_path, "-c", "import pms_app.pms_app", BASE_URL="http://10.1.2.3")
    assert imported.returncode != 0 and "MPESA_SIMULATOR_FORCE=1" in imported.stderr


def test_forced_simulator_on_a_public_base_url_is_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BASE_URL", "https://pms.example.com")
    monkeypatch.setenv("MPESA_SIMULATOR_FORCE", "1")
    get_settings.cache_clear()
    check_config(get_settings())
    assert get_settings().uses_simulator


# --- the simulator's credentials are the install's own -------------------------------------------


def test_public_simulator_credentials_get_no_token(sim: Sim) -> None:
    url = f"{sim.api}/oauth/v1/generate"
    for key, secret in (("simulator-key", "simulator-secret"), (sim.key, "simulator-secret")):
        bad = requests.get(url, params={"grant_type": "client_credentials"}, auth=(key, secret))
        assert bad.status_code == 400 and bad.content == b""
    with pytest.raises(DarajaError) as err:
        sim.client(consumer_key="simulator-key", consumer_secret="simulator-secret").stk_push(
            "0712000060", 5000, "A1-0042", "Rent", sim.url("stk")
        )
    assert err.value.code == "auth_failed"
    assert _count(sim.engine, SimStkRequest) == 0


# --- SSRF: the simulator posts only to this app's callback routes --------------------------------


def _elsewhere(sim: Sim, attacker: Attacker) -> list[str]:
    own = sim.base.removeprefix("http://")
    return [
        "http://evil.example/x",
        f"{attacker.base}/api/pay/t/stk",  # same host, another port
        f"https://{own}/api/pay/t/stk",  # another scheme
        f"{sim.base}/sim/mpesa/c2b/v2/registerurl",  # own origin, not a callback route
        f"{sim.base}/api/pay/../../sim/oauth/v1/generate",
        f"{sim.base}/api/pay/%2e%2e/admin",
        f"http://{own}@127.0.0.1:{attacker.port}/api/pay/t/stk",  # userinfo trick
        f"http://127.0.0.1:{attacker.port}\\@{own}/api/pay/t/stk",
    ]


def test_stk_callback_url_elsewhere_is_refused(sim: Sim, attacker: Attacker) -> None:
    client = sim.client()
    for n, url in enumerate(_elsewhere(sim, attacker)):
        with pytest.raises(DarajaError) as err:
            client.stk_push(f"07120001{n:02d}", 10, "A1-0042", "Rent", url)
        assert (err.value.http_status, err.value.code) == (400, "400.002.02"), url
        assert err.value.message == "Bad Request - Invalid CallBackURL", url
    assert _count(sim.engine, SimStkRequest) == 0
    assert delivery.wait_idle(5) and attacker.hits == []


def test_registerurl_elsewhere_is_refused_and_the_registration_stays(
    sim: Sim, attacker: Attacker
) -> None:
    client = sim.client()
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    for url in _elsewhere(sim, attacker):
        with pytest.raises(DarajaError) as err:
            client.register_c2b_urls(url, sim.url("validate"))
        assert err.value.message == "Bad Request - Invalid ConfirmationURL", url
        with pytest.raises(DarajaError) as err:
            client.register_c2b_urls(sim.url("confirm"), url)
        assert err.value.message == "Bad Request - Invalid ValidationURL", url
    with Session(sim.engine) as s:
        row = s.get(SimC2BRegistration, SHORTCODE)
        assert row is not None
        assert (row.confirmation_url, row.validation_url) == (
            sim.url("confirm"),
            sim.url("validate"),
        )
    client.simulate_c2b(10, "254708374149", "A1-0042")
    until(lambda: sim.got("confirm"), "the confirmation to this app")
    assert delivery.wait_idle(5) and attacker.hits == []


def test_delivery_rechecks_stored_urls(sim: Sim, attacker: Attacker) -> None:
    """Rows written before the check existed (or by any other path) are not posted to."""
    client = sim.client()
    checkout = _push(client, sim, "0712000070")
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    evil = f"{attacker.base}/api/pay/t/x"
    with Session(sim.engine) as s:
        s.execute(
            update(SimStkRequest)
            .where(col(SimStkRequest.checkout_request_id) == checkout)
            .values(callback_url=evil)
        )
        s.execute(
            update(SimC2BRegistration)
            .where(col(SimC2BRegistration.shortcode) == SHORTCODE)
            .values(confirmation_url=evil, validation_url=evil)
        )
        s.commit()
    sim.answer(checkout, stk.ACCEPT, "1234")
    client.simulate_c2b(10, "254708374149", "A1-0042")
    assert delivery.wait_idle(5)
    assert attacker.hits == [] and sim.got("stk") == [] and sim.got("confirm") == []
    assert sim.row(checkout).callback_result == delivery.REFUSED
    with Session(sim.engine) as s:
        # The paybill payment and the STK payment's echo (TransID = its receipt): both refused.
        txs = s.exec(select(SimC2BTransaction)).all()
        assert len(txs) == 2
        assert all(
            tx.status == "failed" and tx.confirmation_result == delivery.REFUSED for tx in txs
        )


# --- the phone page: an admin or the install's key ------------------------------------------------


def _page_url(key: str | None = None) -> Any:
    """The router's URL of an event from /simulator/phone (the client sends it)."""
    from reflex.istate.data import ReflexURL, URLData

    query = f"?key={key}" if key is not None else ""
    return URLData.from_url(ReflexURL(f"http://localhost:3000/simulator/phone{query}"))


def _phone_state(token: str = "", key: str | None = None) -> Any:
    st = f.state_for(PhoneState, token)
    st.rx_router_url = _page_url(key)
    return st


def _callers(sim: Sim) -> dict[str, str]:
    with Session(sim.engine, expire_on_commit=False) as s:
        lease = f.lease(s)
        landlord = f.owner_of(s, lease)
        tenant = s.get(User, lease.tenant_id)
        manager = f.member(s, s.get(Property, lease.property_id), Role.MANAGER, landlord)
        return {
            "anonymous": "",
            "forged": "x" * 43,
            "tenant": f.login_token(s, tenant),
            "landlord": f.login_token(s, landlord),
            "manager": f.login_token(s, manager),
        }


def test_phone_page_handlers_refuse_without_admin_or_key(sim: Sim) -> None:
    client = sim.client()
    victim = "0712000080"
    checkout = _push(client, sim, victim)  # someone else's rent prompt, waiting for a PIN
    client.register_c2b_urls(sim.url("confirm"), sim.url("validate"))
    for who, token in _callers(sim).items():
        for key in (None, "", "wrong", get_settings().simulator_phone_key[:-1]):
            st = _phone_state(token, key)
            settle(st.load())
            settle(st.watch({"phone": victim}))
            assert st.locked and st.prompts == [] and st.current_id == "", who
            assert st.history == [] and st.c2b == [] and st.phone == "", who
            st.current_id = checkout  # worst case: the client somehow names the prompt
            settle(st.send_pin({"pin": "1234"}))
            st.current_id = checkout
            settle(st.cancel())
            st.current_id = checkout
            settle(st.let_time_out())
            st.phone = "254712000080"
            settle(st.pay_bill({"paybill": SHORTCODE, "account": "A1-0042", "amount": "250000"}))
            assert st.outcome == "" and st.c2b_notice == "", who
            # The poller's read, with what this browser has: nothing.
            assert _snapshot_if_allowed(victim, st._unlocked, token) is None, who
    assert sim.row(checkout).status == "pending"
    assert _count(sim.engine, SimC2BTransaction) == 0
    assert delivery.wait_idle(5) and sim.got("stk") == [] and sim.got("confirm") == []


def test_phone_page_works_with_the_key_or_an_admin_until_logout(sim: Sim) -> None:
    client = sim.client()
    key = get_settings().simulator_phone_key
    with_key = _phone_state("", key)
    settle(with_key.load())
    assert not with_key.locked
    _push(client, sim, "0712000090", amount=700)
    settle(with_key.watch({"phone": "0712000090"}))
    assert with_key.current_amount == "700"
    settle(with_key.send_pin({"pin": "1234"}))
    assert with_key.outcome.startswith("You paid KES 700")
    with_key.rx_router_url = _page_url()  # later events carry no key
    settle(with_key.watch({"phone": "0712000090"}))
    assert not with_key.locked and with_key.history[0]["code"] == "0"
    assert key not in json.dumps(with_key.dict(), default=str)  # kept backend-only

    with Session(sim.engine, expire_on_commit=False) as s:
        admin = f.admin_user(s)
        token = f.login_token(s, admin)
    as_admin = _phone_state(token)
    settle(as_admin.load())
    assert not as_admin.locked
    checkout = _push(client, sim, "0712000091")
    settle(as_admin.watch({"phone": "0712000091"}))
    assert as_admin.current_id == checkout
    with Session(sim.engine) as s:
        accounts.logout(s, token)
    settle(as_admin.cancel())  # re-checked on every event: the logout counts at once
    assert as_admin.locked and as_admin.current_id == ""
    assert sim.row(checkout).status == "pending"
