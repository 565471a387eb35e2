"""The ASGI hardening middleware, attacked with raw requests: oversized bodies (declared and
streamed), and the headers every response must carry. The real server is attacked the same way
in tests/e2e/test_hardening_http.py."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from pms_app.api.middleware import MB, Hardening, body_limit

PAGE = b'<html><head><script type="module">import("/app.js")</script><SCRIPT>x=1</SCRIPT></head>'
PAGE += b'<body><scripts-not-a-tag></scripts-not-a-tag><script src="/a.js"></script></body></html>'

seen: dict[str, object] = {}


async def upload(request: Request) -> Response:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
    seen["upload_bytes"] = total
    return JSONResponse({"read": total})


async def page(request: Request) -> Response:
    seen["accept_encoding"] = request.headers.get("accept-encoding")
    seen["if_none_match"] = request.headers.get("if-none-match")
    return HTMLResponse(PAGE)


async def download(_request: Request) -> Response:
    return Response(
        b"%PDF", media_type="application/pdf", headers={"Content-Security-Policy": "sandbox"}
    )


def _client(base_url: str = "http://localhost:3000") -> TestClient:
    inner = Starlette(
        routes=[
            Route("/_upload", upload, methods=["POST"]),
            Route("/api/pay/{token}/stk", upload, methods=["POST"]),
            Route("/page", page),
            Route("/download", download),
        ]
    )
    return TestClient(Hardening(inner, base_url))


@pytest.fixture
def client() -> Iterator[TestClient]:
    seen.clear()
    with _client() as c:
        yield c


def test_declared_oversized_upload_is_refused_before_the_app_reads_it(client: TestClient) -> None:
    # The attack: an anonymous 200 MB body to /_upload (only the header is needed to refuse it).
    resp = client.post(
        "/_upload", content=b"x", headers={"Content-Length": str(200 * MB), "X-Test": "1"}
    )
    assert resp.status_code == 413
    assert "upload_bytes" not in seen


def test_streamed_oversized_body_is_cut_off(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # chunked: no Content-Length to refuse up front
        for _ in range(20):
            yield b"x" * MB

    resp = client.post("/_upload", content=chunks())
    assert resp.status_code == 413
    assert "upload_bytes" not in seen  # the app never finished reading it


def test_callbacks_are_capped_tighter_and_a_small_body_passes(client: TestClient) -> None:
    assert client.post("/api/pay/t/stk", content=b"{}" * 40_000).status_code == 413
    resp = client.post("/_upload", content=b"y" * 1000)
    assert resp.status_code == 200 and resp.json() == {"read": 1000}
    assert body_limit("/_upload") > 10 * MB > body_limit("/") > body_limit("/api/pay/x/stk")


def test_a_bogus_content_length_is_refused(client: TestClient) -> None:
    resp = client.post("/_upload", content=b"", headers={"Content-Length": "-1"})
    assert resp.status_code in (400, 413)


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    resp = client.post("/_upload", content=b"ok")
    csp = resp.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-eval'" not in csp
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert resp.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in resp.headers  # plain HTTP: no HSTS


def test_hsts_behind_tls() -> None:
    with _client("https://pms.example.com") as c:
        resp = c.get("/page")
    assert resp.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "wss://pms.example.com" in resp.headers["content-security-policy"]


def test_pages_get_a_fresh_nonce_on_their_own_script_tags_only(client: TestClient) -> None:
    first = client.get("/page", headers={"Accept": "text/html", "Accept-Encoding": "gzip"})
    nonce = re.search(r"'nonce-([^']+)'", first.headers["content-security-policy"])
    assert nonce
    body = first.content
    assert body.count(f'nonce="{nonce.group(1)}"'.encode()) == 3
    assert b"<scripts-not-a-tag>" in body  # only real script tags are touched
    assert int(first.headers["content-length"]) == len(body)
    assert seen["accept_encoding"] is None  # pages are fetched uncompressed to be stamped
    assert first.headers["cache-control"] == "no-store" and "etag" not in first.headers
    # Revalidation would pair a cached page (old nonce) with a new policy: always a full page.
    second = client.get("/page", headers={"Accept": "text/html", "If-None-Match": '"x"'})
    assert second.status_code == 200 and seen["if_none_match"] is None
    assert second.headers["content-security-policy"] != first.headers["content-security-policy"]


def test_a_download_keeps_its_own_sandbox_policy(client: TestClient) -> None:
    resp = client.get("/download")
    assert resp.headers["content-security-policy"] == "sandbox"
    assert resp.headers["x-content-type-options"] == "nosniff"
