"""The simulated Daraja's OAuth: a token for the configured consumer key/secret (each new one
invalidates the last), and the bearer check every other endpoint starts with."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import string
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from pms_app.core.settings import Settings, get_settings
from pms_app.core.timestamps import utcnow
from pms_app.integrations.daraja_wire import (
    INVALID_TOKEN,
)
from pms_app.simulator.models import SimToken
from pms_app.simulator.wire import (
    BadCredentials,
    WireError,
)

TOKEN_TTL_S = 3599


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session,
    authorization: str | None,
    grant_type: str | None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """A new token for the configured key/secret; it invalidates every earlier one."""
    settings = settings or get_settings()
    if grant_type != "client_credentials":
        raise WireError(400, "400.008.02", "Invalid grant type passed")
    key, secret = _basic_credentials(authorization)
    ok_key = hmac.compare_digest(key.encode(), settings.daraja_consumer_key.encode())
    ok_secret = hmac.compare_digest(secret.encode(), settings.daraja_consumer_secret.encode())
    if not (ok_key and ok_secret):
        raise BadCredentials()
    token = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(28))
    session.execute(delete(SimToken))
    row = SimToken(token_hash=_sha256(token), expires_at=utcnow() + timedelta(seconds=TOKEN_TTL_S))
    session.add(row)
    session.commit()
    # expires_in comes as a string from some Daraja versions, a number from others: either.
    expires_in: str | int = str(TOKEN_TTL_S) if secrets.randbelow(2) else TOKEN_TTL_S
    return {"access_token": token, "expires_in": expires_in}


def _basic_credentials(authorization: str | None) -> tuple[str, str]:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        raise BadCredentials()
    try:
        key, sep, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise BadCredentials() from exc
    if not sep:
        raise BadCredentials()
    return key, secret


def check_bearer(session: Session, authorization: str | None) -> None:
    scheme, _, token = (authorization or "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        row = session.exec(select(SimToken).where(SimToken.token_hash == _sha256(token))).first()
        if row is not None and row.expires_at > utcnow():
            return
    raise WireError(404, INVALID_TOKEN, "Invalid Access Token")
