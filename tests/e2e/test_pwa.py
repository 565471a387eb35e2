"""The app as an installable web app: icons, manifest, font, offline page, and the styled 404."""

from __future__ import annotations

import json
import re
import struct

from playwright.sync_api import Page, expect

from tests.e2e.helpers import expect_on, open_page

ICON_PATHS = ["/favicon.ico", "/apple-touch-icon.png", "/manifest.webmanifest"]


def _png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", body[16:24])  # the IHDR chunk comes first
    return width, height


def _watch(page: Page) -> tuple[list[str], list[str]]:
    """(failed responses as 'status url', console errors) seen by the page from now on."""
    failed: list[str] = []
    errors: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return failed, errors


def test_login_page_loads_icons_manifest_and_font_without_errors(new_page) -> None:
    page = new_page()
    failed, errors = _watch(page)
    open_page(page, "/login")
    page.evaluate("document.fonts.ready")

    head = page.locator("head")
    expect(head.locator('link[rel="manifest"]')).to_have_attribute("href", "/manifest.webmanifest")
    expect(head.locator('meta[name="theme-color"]')).to_have_attribute("content", "#12a594")
    expect(head.locator('link[rel="apple-touch-icon"]')).to_have_attribute(
        "href", "/apple-touch-icon.png"
    )
    for path in ICON_PATHS:
        response = page.request.get(path)
        assert response.status == 200, f"{path}: {response.status}"
    assert page.request.get("/favicon.ico").body()[:4] == b"\x00\x00\x01\x00"  # an ICO file

    response = page.request.get("/manifest.webmanifest")
    assert "manifest+json" in response.headers["content-type"]
    manifest = json.loads(response.body())
    assert manifest["name"] == "pms" and manifest["display"] == "standalone"
    assert manifest["start_url"] in ("/", "/dashboard")
    sizes = {}
    for icon in manifest["icons"]:
        png = page.request.get(icon["src"])
        assert png.status == 200, icon["src"]
        width, height = _png_size(png.body())
        assert icon["sizes"] == f"{width}x{height}", icon
        sizes.setdefault(icon["purpose"], set()).add(icon["sizes"])
    assert sizes == {"any": {"192x192", "512x512"}, "maskable": {"192x192", "512x512"}}

    # The theme's text is set in the self-hosted Roboto, and the file was really used.
    family = page.locator("#email").evaluate("el => getComputedStyle(el).fontFamily")
    assert family.startswith('"Roboto"') or family.startswith("Roboto"), family
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.replace(/\"/g, '') === 'Roboto'"
        " && f.status === 'loaded')"
    )

    assert failed == [], failed  # the favicon 404 is gone, and nothing else failed either
    assert [e for e in errors if "Content Security Policy" in e or "manifest" in e.lower()] == []


def test_service_worker_shows_the_offline_page_when_the_network_is_gone(new_page) -> None:
    page = new_page()
    open_page(page, "/login")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert re.match(r"^https?://[^/]+/$", scope), scope
    # The worker claims the open page once it is active.
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    page.context.set_offline(True)
    try:
        page.goto("/dashboard")
        expect(page.locator("#offline-en")).to_have_text("You are offline")
        expect(page.locator("#offline-sw")).to_have_text("Huna mtandao")
        expect(page).to_have_title(re.compile("Offline"))
    finally:
        page.context.set_offline(False)

    # Back online, the same address is the app again, not the cached offline page.
    open_page(page, "/login")
    expect(page.locator("#email")).to_be_visible()
    expect(page.locator("#offline-en")).to_have_count(0)


def test_an_unknown_address_gets_the_styled_not_found_page(new_page) -> None:
    page = new_page()
    response = page.goto("/no-such-page/here", wait_until="networkidle")
    assert response is not None and response.status == 404
    expect(page.locator("#not-found-title")).to_have_text("Page not found")
    expect(page).to_have_title("Page not found · pms")
    links = page.locator("#not-found-links")
    expect(links.locator("button")).to_have_count(0)  # links styled as buttons, none nested
    links.get_by_role("link", name="Go to the home page").click()
    expect_on(page, "/")
