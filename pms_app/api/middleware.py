"""ASGI hardening around the whole backend (pages, events, /_upload, /api): one place for the
security headers and for capping request bodies before anything reads them.

- Request bodies: a declared Content-Length over the route's cap is answered 413 before the app
  runs; a chunked body is counted as it streams and cut off at the cap (413 if nothing was sent
  yet). Reflex's `/_upload` used to spool a 200 MB anonymous body to disk before the app's own
  10 MB check.
- Headers on every HTTP response: a Content-Security-Policy with a fresh nonce per page (the
  built pages' own inline scripts get it; nothing else inline runs), frame-ancestors 'none',
  nosniff, a Referrer-Policy, and HSTS when the install is served over HTTPS. A response that
  set its own CSP (downloads: `sandbox`) keeps it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

KB, MB = 1024, 1024 * 1024
DEFAULT_BODY_LIMIT = 1 * MB
# (path prefix, cap): the first match wins. Uploads: the 10 MB document limit plus the
# multipart envelope; Daraja callbacks are a few hundred bytes.
BODY_LIMITS: tuple[tuple[str, int], ...] = (("/_upload", 11 * MB), ("/api/pay/", 64 * KB))
# Pages are rewritten to stamp the nonce; a page is a few dozen KB, so cap what is buffered.
MAX_REWRITE_BYTES = 4 * MB

_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])", re.IGNORECASE)


def body_limit(path: str) -> int:
    for prefix, limit in BODY_LIMITS:
        if path.startswith(prefix):
            return limit
    return DEFAULT_BODY_LIMIT


def content_security_policy(nonce: str, base_url: str) -> str:
    parts = urlsplit(base_url)
    ws = "wss" if parts.scheme == "https" else "ws"
    # 'self' covers same-origin websockets in current browsers; the explicit origin is for older
    # Safari. Styles stay inline-friendly: Radix and Reflex set style attributes at run time.
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            f"connect-src 'self' {ws}://{parts.netloc}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(nonce: str, base_url: str) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", content_security_policy(nonce, base_url).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if base_url.startswith("https://"):
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


def _too_large() -> tuple[Message, Message]:
    body = b"Request body too large"
    return (
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        },
        {"type": "http.response.body", "body": body},
    )


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


class Hardening:
    """The ASGI middleware; `base_url` decides HSTS and the websocket origin in the CSP."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.base_url = base_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""))
        declared = _header(scope.get("headers", []), b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            for message in _too_large():
                await send(message)
            return
        scope = self._identity_encoding_for_pages(scope)
        nonce = secrets.token_urlsafe(18)
        received = 0
        over = False  # the streamed body passed the cap: the app is told the client left
        answered = False

        async def capped_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def refuse() -> None:
            nonlocal answered
            if not answered:
                answered = True
                for message in _too_large():
                    await send(message)

        page: dict[str, Any] = {}

        async def send_with_headers(message: Message) -> None:
            nonlocal answered
            if over:  # whatever the app makes of the cut-off body, the answer is 413
                await refuse()
                return
            if message["type"] == "http.response.start":
                answered = True
                headers = [(k, v) for k, v in message.get("headers", [])]
                own_csp = _header(headers, b"content-security-policy") is not None
                extra = [
                    h
                    for h in security_headers(nonce, self.base_url)
                    if _header(headers, h[0]) is None
                    and not (own_csp and h[0] == b"content-security-policy")
                ]
                message = {**message, "headers": headers + extra}
                content_type = _header(headers, b"content-type") or b""
                if content_type.startswith(b"text/html") and not own_csp:
                    page["start"], page["body"] = message, b""  # held until the body is whole
                    return
                await send(message)
                return
            if message["type"] == "http.response.pathsend" and "start" in page:
                # A file sent by path (an extension some servers offer): read it to stamp it.
                message = {"type": "http.response.body", "body": Path(message["path"]).read_bytes()}
            if message["type"] == "http.response.body" and "start" in page:
                page["body"] += message.get("body", b"")
                if message.get("more_body") and len(page["body"]) <= MAX_REWRITE_BYTES:
                    return
                await self._send_page(send, page, nonce, more=bool(message.get("more_body")))
                page.clear()
                return
            await send(message)

        try:
            await self.app(scope, capped_receive, send_with_headers)
        except Exception:
            if not over:
                raise
        if over:
            await refuse()

    @staticmethod
    def _identity_encoding_for_pages(scope: Scope) -> Scope:
        """Pages are served precompressed (gzip) by Reflex; ask for them uncompressed so the nonce
        can be stamped into their script tags. Everything else keeps its compression."""
        headers = scope.get("headers", [])
        accept = _header(headers, b"accept") or b""
        if scope.get("method") != "GET" or b"text/html" not in accept:
            return scope
        # Nor conditionally: a 304 would pair the browser's cached page (an old nonce) with this
        # response's new policy, and every script on the page would be blocked.
        dropped = (b"accept-encoding", b"if-none-match", b"if-modified-since")
        kept = [(k, v) for k, v in headers if k.lower() not in dropped]
        # Without the pathsend extension, files come as body messages the nonce can be put into.
        extensions = {k: v for k, v in (scope.get("extensions") or {}).items()}
        extensions.pop("http.response.pathsend", None)
        return {**scope, "headers": kept, "extensions": extensions}

    @staticmethod
    async def _send_page(send: Send, page: dict[str, Any], nonce: str, more: bool) -> None:
        start, body = page["start"], page["body"]
        # The nonce is per response: a page must never be reused from a cache.
        dropped = (b"content-length", b"etag", b"last-modified", b"cache-control")
        headers = [(k, v) for k, v in start["headers"] if k.lower() not in dropped]
        headers.append((b"cache-control", b"no-store"))
        encoded = _header(headers, b"content-encoding")
        if not encoded:
            body = _SCRIPT_TAG.sub(b'<script nonce="' + nonce.encode() + b'"', body)
        if not more:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": more})


def hardening(base_url: str) -> Callable[[ASGIApp], ASGIApp]:
    """An `api_transformer` for `rx.App`: wraps the backend (the last transformer, outermost)."""

    def wrap(app: ASGIApp) -> ASGIApp:
        return Hardening(app, base_url)

    return wrap
