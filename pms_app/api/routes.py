"""Non-Reflex HTTP routes: health, Daraja callbacks (secret path token), authorised downloads."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from pms_app.accounts.service import user_for_token
from pms_app.bookings import exports
from pms_app.core.db import get_engine, session_scope
from pms_app.core.errors import ServiceError
from pms_app.core.settings import get_settings
from pms_app.documents.service import open_document
from pms_app.integrations.daraja_wire import parse_c2b, parse_stk_callback
from pms_app.payments.callbacks import process_stk_callback
from pms_app.payments.paybill import process_c2b_confirmation
from pms_app.payments.receipts import receipt_pdf
from pms_app.simulator.routes import simulator_routes

log = logging.getLogger(__name__)

SESSION_COOKIE = "pms_session"


async def health(_request: Request) -> JSONResponse:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


# --- Daraja callbacks ---------------------------------------------------------------------------


def _client_ip(request: Request) -> str:
    hops = int(os.environ.get("TRUSTED_PROXY_HOPS", "0") or 0)
    forwarded = [
        h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()
    ]
    if hops > 0 and len(forwarded) >= hops:
        return forwarded[-hops]  # only the address our own proxy saw
    return request.client.host if request.client else ""


def _allowed(request: Request) -> bool:
    settings = get_settings()
    token = str(request.path_params.get("token", ""))
    if not hmac.compare_digest(token.encode(), settings.callback_token.encode()):
        return False
    if not settings.mpesa_allowed_ips:
        return True
    try:
        ip = ipaddress.ip_address(_client_ip(request))
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in settings.mpesa_allowed_ips)


def _not_found() -> Response:
    return PlainTextResponse("Not Found", status_code=404)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > 64_000:
        raise ValueError("body too large")
    try:
        return json.loads(raw)
    except RecursionError as exc:  # thousands of nested brackets: malformed, answered 400
        raise ValueError("nested too deeply") from exc


async def stk_callback(request: Request) -> Response:
    if not _allowed(request):
        return _not_found()

    try:
        callback = parse_stk_callback(await _json_body(request))
    except (ValueError, UnicodeDecodeError):
        return JSONResponse({"ResultCode": 1, "ResultDesc": "Malformed callback"}, status_code=400)

    def _apply() -> str:
        with session_scope() as session:
            return process_stk_callback(session, callback)

    outcome = await asyncio.to_thread(_apply)
    log.info("STK callback %s: %s", callback.checkout_request_id, outcome)
    return JSONResponse({"ResultCode": 0, "ResultDesc": "Accepted"})


async def c2b_validation(request: Request) -> Response:
    if not _allowed(request):
        return _not_found()
    # Money for an unknown account number is accepted and queued for a manager, never refused.
    return JSONResponse({"ResultCode": "0", "ResultDesc": "Accepted"})


async def c2b_confirmation(request: Request) -> Response:
    if not _allowed(request):
        return _not_found()

    try:
        payment = parse_c2b(await _json_body(request))
    except (ValueError, UnicodeDecodeError):
        return JSONResponse({"ResultCode": 1, "ResultDesc": "Malformed"}, status_code=400)

    def _apply() -> str:
        with session_scope() as session:
            return process_c2b_confirmation(session, payment).status

    # A repeat, or the echo of an STK payment already credited, is answered 200 like the first:
    # the service returns the payment holding this receipt instead of storing it twice.
    outcome = await asyncio.to_thread(_apply)
    log.info("Paybill confirmation %s: %s", payment.trans_id, outcome)
    return JSONResponse({"ResultCode": 0, "ResultDesc": "Success"})


# --- authorised downloads -------------------------------------------------------------------------


def _actor(session: Any, request: Request) -> Any:

    return user_for_token(session, request.cookies.get(SESSION_COOKIE, ""))


# (file name, media type, body) built for the acting user, or ServiceError when not allowed.
Builder = Callable[[Any, Any, int], tuple[str, str, bytes | str]]


async def _download(request: Request, param: str, build: Builder) -> Response:
    """An authorised download: the session cookie's user, checked by the service; anything
    missing or not theirs is the same 404; always an attachment, never rendered in our origin."""

    raw = str(request.path_params.get(param, ""))
    if not raw.isdigit() or len(raw) > 12:
        return _not_found()

    def _build() -> tuple[str, str, bytes | str] | None:
        with session_scope() as session:
            try:
                return build(session, _actor(session, request), int(raw))
            except ServiceError:
                return None

    built = await asyncio.to_thread(_build)
    if built is None:
        return _not_found()
    name, media_type, body = built
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _receipt(session: Any, actor: Any, payment_id: int) -> tuple[str, str, bytes]:

    name, body = receipt_pdf(session, actor, payment_id)
    return name, "application/pdf", body


def _document(session: Any, actor: Any, document_id: int) -> tuple[str, str, bytes]:

    return open_document(session, actor, document_id)


def _booking_ics(session: Any, actor: Any, booking_id: int) -> tuple[str, str, str]:

    name, body = exports.booking_ics(session, actor, booking_id)
    return name, "text/calendar", body


async def receipt(request: Request) -> Response:
    return await _download(request, "payment_id", _receipt)


async def document(request: Request) -> Response:
    return await _download(request, "document_id", _document)


async def booking_ics(request: Request) -> Response:
    return await _download(request, "booking_id", _booking_ics)


def api_routes() -> list[BaseRoute]:
    return [
        Route("/api/health", health),
        Route("/api/pay/{token}/stk", stk_callback, methods=["POST"]),
        Route("/api/pay/{token}/c2b/validation", c2b_validation, methods=["POST"]),
        Route("/api/pay/{token}/c2b/confirmation", c2b_confirmation, methods=["POST"]),
        Route("/api/receipts/{payment_id}.pdf", receipt),
        Route("/api/documents/{document_id}", document),
        Route("/api/bookings/{booking_id}.ics", booking_ics),
    ]


def build_api() -> Starlette:
    routes = api_routes()
    if get_settings().uses_simulator:
        routes += simulator_routes()
    return Starlette(routes=routes)
