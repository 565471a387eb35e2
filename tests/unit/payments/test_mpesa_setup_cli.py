"""Going live (#11.4, 5, 9): `cli check` and `cli register-c2b` say what is configured and what
Daraja's refusals mean; the web process checks the setup once at start and logs, never crashes;
the admin page shows the setup. Daraja is mocked at the HTTP layer (daraja_http)."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import Session

from pms_app import background, cli
from pms_app.accounts.models import User
from pms_app.core.settings import get_settings
from pms_app.ui.accounts.admin import AdminState
from pms_app.ui.payments.pay import PayState
from tests import factories as f
from tests.asyncio_helpers import run, settle
from tests.factories import state_for
from tests.unit.payments import daraja_http as d

REGISTER_V1, REGISTER_V2 = "/mpesa/c2b/v1/registerurl", "/mpesa/c2b/v2/registerurl"
TILL = {"DARAJA_SHORTCODE": "7654321", "DARAJA_TILL_NUMBER": "5123456"}


@pytest.fixture(autouse=True)
def _no_umask(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() tightens the process's umask and data folder: not the test process's."""
    monkeypatch.setattr(cli, "lock_down", lambda _settings: None)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    for secret in (d.KEY, d.SECRET, d.PASSKEY, get_settings().callback_token):
        assert secret not in out + err
    return code, out, err


def test_check_says_what_is_configured_and_that_the_keys_work(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wire = d.real_daraja(monkeypatch, **TILL)
    wire.on(d.OAUTH, 200, d.TOKEN_OK)
    code, out, err = _cli(capsys, "check")
    assert code == 0 and err == ""
    assert out.splitlines() == [
        "M-Pesa: Daraja production (https://api.safaricom.co.ke, real money)",
        "Buy Goods till 5123456 (store number 7654321, CustomerBuyGoodsOnline)",
        "C2B URL registration: v2",
        "Callbacks go to https://rent.example.co.ke/api/pay/…",
        "Daraja accepted the consumer key and secret (https://api.safaricom.co.ke).",
        "M-Pesa setup: no problems found.",
    ]
    assert len(wire.to(d.OAUTH)) == 1


def test_check_explains_every_problem(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wire = d.real_daraja(monkeypatch, CALLBACK_BASE_URL="http://localhost:3000")
    wire.on(d.OAUTH, 200, d.HTML)
    code, out, err = _cli(capsys, "check")
    assert code == 1 and "Paybill 600100 (CustomerPayBillOnline)" in out
    lines = err.splitlines()
    assert all(line.startswith("error: M-Pesa setup: ") for line in lines)
    assert "CALLBACK_BASE_URL must start with https:// (http://localhost:3000)." in err
    assert "must be a public address Safaricom can reach, not localhost" in err
    assert "DARAJA_BASE_URL answered with a web page, not Daraja" in err
    assert len(lines) == 3 and len(wire.to(d.OAUTH)) == 1


def test_check_with_rejected_keys(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    d.real_daraja(monkeypatch).on(d.OAUTH, 400, "")
    code, _out, err = _cli(capsys, "check")
    assert code == 1 and "M-Pesa rejected the consumer key or secret (HTTP 400" in err


def test_check_with_the_simulator_calls_nobody(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in d.MPESA_ENV:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    code, out, _err = _cli(capsys, "check")
    assert code == 0 and "built-in simulator" in out and "Nothing to check" in out


def test_register_c2b_uses_the_version_and_hides_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wire = d.real_daraja(monkeypatch, DARAJA_C2B_VERSION="v1")
    wire.on(d.OAUTH, 200, d.TOKEN_OK).on(REGISTER_V1, 200, d.REGISTERED)
    code, out, _err = _cli(capsys, "register-c2b")
    assert code == 0
    assert out.strip() == (
        "Paybill URLs registered for shortcode 600100 (C2B v1): "
        "https://rent.example.co.ke/api/pay/…/c2b/…"
    )
    [sent] = wire.to(REGISTER_V1)
    token = get_settings().callback_token
    assert sent.body == {
        "ShortCode": "600100",
        "ResponseType": "Completed",
        "ConfirmationURL": f"https://rent.example.co.ke/api/pay/{token}/c2b/confirmation",
        "ValidationURL": f"https://rent.example.co.ke/api/pay/{token}/c2b/validation",
    }


def test_register_c2b_explains_a_missing_product(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, 200, d.TOKEN_OK).on(REGISTER_V2, 401, d.NO_PRODUCT)
    code, _out, err = _cli(capsys, "register-c2b")
    assert code == 2
    assert "error: 401.003.01 Error Occurred - Invalid Access Token - no apiproduct match" in err
    assert "Your Daraja app lacks this product: it has no C2B product of version v2" in err
    assert "Set DARAJA_C2B_VERSION" in err
    assert len(wire.to(REGISTER_V2)) == 1  # never retried


def test_register_c2b_explains_urls_already_registered(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wire = d.real_daraja(monkeypatch)
    wire.on(d.OAUTH, 200, d.TOKEN_OK).on(REGISTER_V2, 500, d.ALREADY)
    code, _out, err = _cli(capsys, "register-c2b")
    assert code == 2
    assert "URLs are already registered for shortcode 600100" in err
    assert "delete them on the M-PESA org portal" in err


def test_register_c2b_refuses_urls_safaricom_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wire = d.real_daraja(monkeypatch, CALLBACK_BASE_URL="https://mpesa-rent.example.co.ke")
    code, _out, err = _cli(capsys, "register-c2b")
    assert code == 2 and 'containing "mpesa"' in err
    assert wire.sent == []  # nothing sent to Safaricom


def test_the_start_up_check_logs_and_serves_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    wire = d.real_daraja(monkeypatch, CALLBACK_BASE_URL="https://abc.ngrok-free.app")
    wire.on(d.OAUTH, 200, d.HTML)
    with caplog.at_level(logging.ERROR, logger="pms_app.background"):
        run(background.check_mpesa_setup())  # returns: never raises
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2 and all(e.startswith("M-Pesa setup problem: ") for e in errors)
    assert "tunnelling hosts (abc.ngrok-free.app)" in errors[0]
    assert "answered with a web page" in errors[1] and "cli check" in errors[1]
    assert d.SECRET not in caplog.text

    # The check's crash is logged, not raised; without real credentials nothing is called.
    monkeypatch.setattr(background, "mpesa_setup_problems", lambda: 1 / 0)
    run(background.check_mpesa_setup())
    for name in d.MPESA_ENV:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    run(background.check_mpesa_setup())
    assert len(wire.to(d.OAUTH)) == 1


def test_the_admin_page_shows_the_setup_and_its_problems(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    d.real_daraja(monkeypatch, CALLBACK_BASE_URL="https://rent.example.co.ke/query", **TILL)
    boss = f.admin_user(session)
    st = state_for(AdminState, f.login_token(session, boss))
    settle(st.load())
    assert "Buy Goods till 5123456 (store number 7654321, CustomerBuyGoodsOnline)" in st.mpesa_lines
    [problem] = st.mpesa_problems
    assert 'containing "query"' in problem and "CALLBACK_BASE_URL" in problem
    shown = " ".join([*st.mpesa_lines, *st.mpesa_problems])
    assert d.SECRET not in shown and d.PASSKEY not in shown and d.KEY not in shown


def test_the_rent_page_names_the_till_to_pay_to(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    d.real_daraja(monkeypatch, **TILL)
    lease = f.lease(session)
    tenant = session.get(User, lease.tenant_id)
    st = state_for(PayState, f.login_token(session, tenant))
    settle(st.load())
    assert st.mpesa and st.till and st.paybill == "5123456"  # the till, not the store number
    d.real_daraja(monkeypatch)
    settle(st.load())
    assert not st.till and st.paybill == "600100"
