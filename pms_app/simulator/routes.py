"""Starlette routes of the simulated Daraja, under /sim (same paths as Safaricom's API).

Mount them next to the other API routes, e.g. `Starlette(routes=[..., *simulator_routes()])`.
They exist only while settings.uses_simulator (MPESA_SIMULATOR=1 and no real Daraja
credentials); each handler checks again, so a switched configuration can never expose them.
OAuth needs the install's own consumer key/secret (derived from SECRET_KEY), so nobody else
can get a token.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pms_app.core.db import session_scope
from pms_app.core.settings import Settings, get_settings
from pms_app.simulator import c2b, stk
from pms_app.simulator.oauth import check_bearer, issue_token
from pms_app.simulator.wire import BadCredentials, WireError

PREFIX = "/sim"


def _parse(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise WireError(400, "400.002.05", "Invalid Request Payload") from exc


def _error_response(exc: WireError) -> Response:
    if isinstance(exc, BadCredentials):
        return Response(b"", status_code=400)  # Daraja: HTTP 400 and no JSON body
    return JSONResponse(exc.body(), status_code=exc.http_status)


async def _run(work: Callable[[Session, Settings], dict[str, Any]]) -> Response:
    """DB work in a worker thread with its own session; WireError → Daraja's error response."""
    settings = get_settings()
    if not settings.uses_simulator:
        return Response(b"Not Found", status_code=404)

    def in_thread() -> dict[str, Any]:
        with session_scope() as session:
            return work(session, settings)

    try:
        return JSONResponse(await asyncio.to_thread(in_thread))
    except WireError as exc:
        return _error_response(exc)


async def oauth(request: Request) -> Response:
    auth = request.headers.get("authorization")
    grant = request.query_params.get("grant_type")
    return await _run(lambda s, cfg: issue_token(s, auth, grant, cfg))


def _bearer_call(
    request: Request, raw: bytes, fn: Callable[[Session, object, Settings], Any]
) -> Callable[[Session, Settings], dict[str, Any]]:
    auth = request.headers.get("authorization")

    def work(session: Session, settings: Settings) -> dict[str, Any]:
        check_bearer(session, auth)  # the token is checked before the body
        return fn(session, _parse(raw), settings)

    return work


def _push(session: Session, body: object, settings: Settings) -> dict[str, str]:
    req = stk.create_stk_request(session, body, settings)
    if settings.sim_mode == "auto":
        stk.apply_auto_rule(session, req)  # the callback still waits sim_callback_delay_s
    return stk.push_response(req)


async def stk_push(request: Request) -> Response:
    return await _run(_bearer_call(request, await request.body(), _push))


async def stk_query(request: Request) -> Response:
    return await _run(
        _bearer_call(request, await request.body(), lambda s, b, cfg: stk.query(s, b, cfg))
    )


def _c2b(request: Request, fn: Callable[[Session, object, Settings], Any]) -> Any:
    """A C2B call on /v1/ or /v2/: only the simulated app's product answers (else 401.003.01)."""
    version = str(request.path_params.get("version", ""))

    def call(session: Session, body: object, settings: Settings) -> Any:
        c2b.check_product(version, settings)
        return fn(session, body, settings)

    return call


async def c2b_register(request: Request) -> Response:
    call = _c2b(request, lambda s, b, cfg: c2b.register_c2b(s, b, cfg))
    return await _run(_bearer_call(request, await request.body(), call))


async def c2b_simulate(request: Request) -> Response:
    call = _c2b(request, lambda s, b, _cfg: c2b.simulate_c2b(s, b))
    return await _run(_bearer_call(request, await request.body(), call))


def simulator_routes(settings: Settings | None = None) -> list[BaseRoute]:
    """The /sim routes, or none at all unless the install uses the simulator."""
    if not (settings or get_settings()).uses_simulator:
        return []
    return [
        Route(f"{PREFIX}/oauth/v1/generate", oauth, methods=["GET"]),
        Route(f"{PREFIX}/mpesa/stkpush/v1/processrequest", stk_push, methods=["POST"]),
        Route(f"{PREFIX}/mpesa/stkpushquery/v1/query", stk_query, methods=["POST"]),
        # v1 and v2 (daraja.md): the version the simulated app lacks answers 401.003.01.
        Route(f"{PREFIX}/mpesa/c2b/{{version:str}}/registerurl", c2b_register, methods=["POST"]),
        Route(f"{PREFIX}/mpesa/c2b/{{version:str}}/simulate", c2b_simulate, methods=["POST"]),
    ]
