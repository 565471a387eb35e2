"""Browser tests: the production build in system Chromium via Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import service_unavailable
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, Server, running_server

pytestmark = pytest.mark.e2e

# A loaded 2-core CI machine can take a few seconds to build a page's data: wait like a patient
# user (15 s) instead of Playwright's 5 s default. Failures still fail, just later.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        service_unavailable("Chromium", f"{CHROMIUM} not found; apt-get install -y chromium")
    with running_server() as srv:
        yield srv


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: object, server: Server) -> Iterator[object]:
    """Factory: each call opens a page in its own browser context (a separate person)."""
    contexts = []

    def make() -> object:
        ctx = browser.new_context(base_url=server.base_url)  # type: ignore[attr-defined]
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()
