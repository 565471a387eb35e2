"""The running production server, attacked over raw HTTP: oversized anonymous uploads, and the
security headers on what it serves; then Chromium checks that the pages still work under the
policy (no CSP violation while a person logs in)."""

from __future__ import annotations

import re
import socket
import stat
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import requests
from playwright.sync_api import expect

from pms_app.api.middleware import MB
from tests.e2e.helpers import login, open_page
from tests.e2e.server import Server


def _raw_request(server: Server, head: str, timeout: float = 10) -> bytes:
    parts = urlsplit(server.base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def test_a_200_mb_anonymous_upload_is_refused_on_its_header(server: Server) -> None:
    started = time.monotonic()
    answer = _raw_request(
        server,
        "POST /_upload HTTP/1.1\r\n"
        f"Host: {urlsplit(server.base_url).netloc}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {200 * MB}\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.monotonic() - started < 5  # refused at once, not after reading 200 MB


def test_a_streamed_upload_is_cut_off_at_the_cap(server: Server) -> None:
    def body() -> Iterator[bytes]:
        yield (
            b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="lease.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        )
        for _ in range(30):  # 30 MB, chunked: no Content-Length to refuse up front
            yield b"x" * MB

    from pms_app.ui.leases.lease_state import LeaseState

    # Everything Reflex needs to start spooling the files of a real upload handler.
    headers = {
        "Content-Type": "multipart/form-data; boundary=xyz",
        "reflex-client-token": "f" * 36,
        "reflex-event-handler": f"{LeaseState.get_full_name()}.upload_document",
    }
    try:
        resp = requests.post(f"{server.base_url}/_upload", data=body(), headers=headers, timeout=30)
        assert resp.status_code == 413, resp.text
    except requests.ConnectionError:
        pass  # the server may also close the connection once it has answered 413
    assert server.data_dir.exists()
    assert not any(p.stat().st_size > 11 * MB for p in server.data_dir.rglob("*") if p.is_file())


def test_pages_and_api_carry_the_security_headers(server: Server) -> None:
    page = requests.get(f"{server.base_url}/login", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce
    tags = re.findall(rb"<script\b[^>]*>", page.content, re.IGNORECASE)
    assert tags and all(f'nonce="{nonce.group(1)}"'.encode() in t for t in tags)
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    health = requests.get(f"{server.base_url}/api/health", timeout=10)
    assert health.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in health.headers["content-security-policy"]


def test_the_login_page_works_under_the_policy(server: Server, new_page) -> None:
    page = new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    open_page(page, "/login")
    # The second visit revalidates the cached page: it must come with its own nonce again.
    login(page, "nobody@example.test", "wrong password here")
    expect(page.get_by_text("Email or password is incorrect")).to_be_visible()
    assert violations == []


def test_the_running_servers_data_files_are_private(server: Server, new_page) -> None:
    page = new_page()
    login(page, "someone@example.test", "wrong password here")  # the server writes some state
    expect(page.locator("#form-error")).to_be_visible()
    # server.log is the test harness's own file, not the app's.
    paths = [p for p in [server.data_dir, *server.data_dir.rglob("*")] if p != server.log]
    assert any(p.name == "pms.db" for p in paths)
    readable = [p for p in paths if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert readable == []
