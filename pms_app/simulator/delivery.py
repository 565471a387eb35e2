"""Posting what the simulated Daraja sends: STK callbacks and C2B validation/confirmation.

Each delivery runs in its own daemon thread after a delay, posts ONCE (Daraja never retries;
a failure is logged) and records the outcome on the simulator's row. Callback URLs carry a
secret token, so logs show only scheme and host. The simulator posts only to this app's own
callback routes (`is_own_callback_url`): it must never be a way to make the server POST
anywhere else (SSRF), nor to send paybill notifications to someone else's server.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from pms_app.core.settings import get_settings
from pms_app.core.timestamps import utcnow
from pms_app.simulator.models import SimC2BTransaction, SimStkRequest

log = logging.getLogger(__name__)

POST_TIMEOUT_S = 10.0
HEADERS_BASE = {"Content-Type": "application/json;charset=UTF-8"}

_threads: set[threading.Thread] = set()
_threads_lock = threading.Lock()


def _spawn(fn: Callable[[], None], name: str) -> threading.Thread:
    def run() -> None:
        try:
            fn()
        except Exception:
            log.exception("simulator: %s failed", name)
        finally:
            with _threads_lock:
                _threads.discard(threading.current_thread())

    thread = threading.Thread(target=run, name=name, daemon=True)
    with _threads_lock:
        _threads.add(thread)
    thread.start()
    return thread


def wait_idle(timeout: float = 15.0) -> bool:
    """Wait for every delivery started so far (tests). True if all finished in time."""
    deadline = time.monotonic() + timeout
    while True:
        with _threads_lock:
            pending = list(_threads)
        if not pending:
            return True
        for thread in pending:
            thread.join(max(0.0, deadline - time.monotonic()))
        if time.monotonic() >= deadline:
            with _threads_lock:
                return not _threads


CALLBACK_PATH = "/api/pay/"
REFUSED = "refused: not this app's callback URL"


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in; None if the URL can't be read."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
    except ValueError:
        return None
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port


def is_own_callback_url(url: object, base: str | None = None) -> bool:
    """True only for `{callback_base_url}/api/pay/…`: same scheme, host and port, a path under
    /api/pay/ with no dot segments, escapes, backslashes or control characters."""
    if base is None:
        base = get_settings().callback_base_url
    if not isinstance(url, str) or any(c in url for c in "\\%") or not url.isprintable():
        return False
    own, target = _origin(base), _origin(url)
    if own is None or target != own:
        return False
    path = urlsplit(url).path
    prefix = urlsplit(base).path.rstrip("/") + CALLBACK_PATH
    segments = path.split("/")
    return path.startswith(prefix) and "." not in segments and ".." not in segments


def _safe_url(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unreadable URL)"
    return f"{parts.scheme}://{parts.hostname}/…"


def post_json(url: str, payload: dict[str, Any], shortcode: str) -> tuple[str, Any]:
    """One POST like Daraja's sender. Returns ("HTTP <status>" or the error name, JSON or None).
    A URL that is not this app's callback route is not posted to (checked again here, whatever
    was stored), and redirects are not followed."""
    if not is_own_callback_url(url):
        log.warning(
            "simulator: refused to POST to %s (not this app's callback URL)", _safe_url(url)
        )
        return REFUSED, None
    try:
        resp = requests.post(
            url,
            data=json.dumps(payload).encode(),
            headers={**HEADERS_BASE, "Businessshortcode": shortcode},
            timeout=POST_TIMEOUT_S,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        log.warning("simulator: POST to %s failed: %s", _safe_url(url), type(exc).__name__)
        return type(exc).__name__, None
    try:
        answer = resp.json()
    except ValueError:
        answer = None
    if resp.status_code != 200:
        log.warning("simulator: POST to %s answered HTTP %s", _safe_url(url), resp.status_code)
    return f"HTTP {resp.status_code}", answer


def schedule_stk_callback(
    engine: Engine,
    request_id: int | None,
    url: str,
    payload: dict[str, Any],
    shortcode: str,
    copies: int = 1,
    delay_s: float = 1.0,
) -> None:
    """Post the STK callback `copies` times (2 = a duplicate, sent concurrently) after delay_s."""
    if copies < 1:
        return

    def deliver() -> None:
        time.sleep(max(0.0, delay_s))
        results: list[str] = []
        if copies == 1:
            results.append(post_json(url, payload, shortcode)[0])
        else:
            start = threading.Barrier(copies)

            def one() -> None:
                start.wait()
                results.append(post_json(url, payload, shortcode)[0])

            extra = [threading.Thread(target=one, daemon=True) for _ in range(copies)]
            for t in extra:
                t.start()
            for t in extra:
                t.join()
        with Session(engine) as session:
            session.execute(
                update(SimStkRequest)
                .where(col(SimStkRequest.id) == request_id)
                .values(callback_sent_at=utcnow(), callback_result=", ".join(results)[:200])
            )
            session.commit()

    _spawn(deliver, f"sim-stk-callback-{request_id}")


def schedule_c2b(
    engine: Engine,
    transaction_id: int | None,
    payload: dict[str, Any],
    validation_url: str,
    confirmation_url: str,
    response_type: str = "Completed",
    delay_s: float = 1.0,
) -> None:
    """Validation first (if a URL is registered): accepted → confirmation; a C2B000xx
    ResultCode → rejected; unreachable → confirm if ResponseType is Completed, else cancel."""
    shortcode = str(payload.get("BusinessShortCode", ""))

    def record(**values: Any) -> None:
        with Session(engine) as session:
            session.execute(
                update(SimC2BTransaction)
                .where(col(SimC2BTransaction.id) == transaction_id)
                .values(**values)
            )
            session.commit()

    def deliver() -> None:
        time.sleep(max(0.0, delay_s))
        if validation_url:
            record(status="validating")
            outcome, answer = post_json(validation_url, payload, shortcode)
            code = str(answer.get("ResultCode", "")) if isinstance(answer, dict) else ""
            if outcome == "HTTP 200" and code not in ("", "0"):
                record(status="rejected", validation_result=f"{outcome} {code}"[:200])
                return
            if (outcome != "HTTP 200" or code != "0") and response_type != "Completed":
                record(status="failed", validation_result=f"{outcome} {code}".strip()[:200])
                return
            record(validation_result=f"{outcome} {code}".strip()[:200])
        outcome, _answer = post_json(confirmation_url, payload, shortcode)
        record(
            status="confirmed" if outcome == "HTTP 200" else "failed",
            confirmation_result=outcome[:200],
            confirmed_at=utcnow(),
        )

    _spawn(deliver, f"sim-c2b-{transaction_id}")
