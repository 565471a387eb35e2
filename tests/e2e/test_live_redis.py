"""Scaled-out mode: Redis configured, several Reflex workers, a Celery worker in another process.

A payment whose callback is lost is credited by the reconciler running in the *Celery worker*;
the landlord's dashboard and the tenant's page, served by the web workers, update without a
reload (Redis pub/sub → each web worker's bridge → the open tabs)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
import redis
from celery import Celery
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.conftest import service_unavailable
from tests.e2e.helpers import expect_on, login, open_page, unique_email
from tests.e2e.server import Server, clock_env, running_server
from tests.workers import Worker

REDIS_DB_URL = "redis://127.0.0.1:6379/14"
PHONE = "0712 660 005"  # simulator rule: success, but the callback is dropped


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Worker]]:
    try:
        redis.Redis.from_url(REDIS_DB_URL).flushdb()
    except redis.RedisError as exc:
        service_unavailable("Redis", f"{REDIS_DB_URL}: {type(exc).__name__}")
    extra = {
        "REDIS_URL": REDIS_DB_URL,
        "MPESA_SIMULATOR": "1",  # the Celery worker pushes to the simulator too
        "MPESA_SIM_MODE": "auto",
        "MPESA_SIM_CALLBACK_DELAY": "0.2",
        "MPESA_RECONCILE_AFTER": "0",
    }
    with running_server(extra, isolated=True) as srv:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SMTP_HOST")}
        env.update(
            extra,
            PMS_DATA_DIR=str(srv.data_dir),
            OUTBOX_DIR=str(srv.outbox),
            BASE_URL=srv.base_url,
            **clock_env(),
            PYTHONUNBUFFERED="1",
        )
        worker = Worker(env, tmp_path_factory.mktemp("worker") / "worker.log")
        try:
            worker.wait_ready(60)
            yield srv, worker
        finally:
            worker.stop()
            redis.Redis.from_url(REDIS_DB_URL).flushdb()


def test_celery_worker_credit_reaches_open_tabs_live(browser, scaled) -> None:
    srv, worker = scaled
    with srv.seed() as session:
        owner = f.landlord(session, email=unique_email("scaleowner"))
        prop = f.property_(session, owner, units=1, name="Redis Court")
        tenant = f.tenant(session, prop, email=unique_email("scaletenant"))
        f.lease(session, prop, tenant, rent=9000, due_day=1)  # this month charged
        owner_email, tenant_email = owner.email, tenant.email

    def page() -> Page:
        ctx = browser.new_context(base_url=srv.base_url)
        ctx.set_default_timeout(20_000)
        return ctx.new_page()

    landlord = page()
    login(landlord, owner_email, f.PASSWORD)
    expect_on(landlord, "/dashboard")
    open_page(landlord, "/payments")
    expect(landlord.locator("#total-collected")).to_have_text("0")

    payer = page()
    login(payer, tenant_email, f.PASSWORD)
    expect_on(payer, "/dashboard")
    open_page(payer, "/pay")
    payer.fill("input[name=amount]", "2500")
    payer.fill("input[name=phone]", PHONE)
    payer.click("#pay-submit")
    expect(payer.locator("#payment-message")).to_contain_text("Check your phone")

    # The push is sent by the Celery worker; the simulator accepts and drops the callback.
    worker.wait(
        lambda: re.search(r"pms\.send_stk_push\[[^\]]+\] succeeded .*'sent'", worker.log()),
        30,
        "the push",
    )
    Celery(broker=REDIS_DB_URL).send_task("pms.reconcile_payments")
    worker.wait(lambda: "'paid': 1" in worker.log(), 30, "the reconciler to credit the payment")

    expect(payer.locator("#payment-status")).to_contain_text("paid")
    expect(landlord.locator("#total-collected")).to_have_text("2,500")
    expect(landlord.locator(".payment-row")).to_have_count(1)
