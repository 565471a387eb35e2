"""Daraja at the HTTP layer: a requests transport that answers with the bodies Safaricom sends
(/work/shared/reference/daraja.md, "What production adds"), and the environment of an install
with real credentials. The client under test is the real DarajaClient; only the wire is fake."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from pms_app.core.settings import get_settings
from pms_app.integrations.daraja import DarajaClient, client_from_settings

OAUTH = "/oauth/v1/generate"
STK = "/mpesa/stkpush/v1/processrequest"
TOKEN_OK = {"access_token": "c9SQxWWhmdVRlyh0zh8gZDTkubVF", "expires_in": "3599"}
PUSH_OK = {
    "MerchantRequestID": "2654-4b64-97ff-b827b542881d3130",
    "CheckoutRequestID": "ws_CO_1007202409152617172396192",
    "ResponseCode": "0",
    "ResponseDescription": "Success. Request accepted for processing",
    "CustomerMessage": "Success. Request accepted for processing",
}
LOCKED = {  # HTTP 500, with the prefix production adds
    "requestId": "f1e2-4b95-a7c1-1",
    "errorCode": "500.001.1001",
    "errorMessage": "[STK] - Unable to lock subscriber, a transaction is already in process for "
    "the current subscriber",
}
IN_PROCESS = {  # the other wording seen for the same lock
    "requestId": "f1e2-4b95-a7c1-2",
    "errorCode": "500.001.1001",
    "errorMessage": "A transaction is already in process for the current request",
}
NO_PRODUCT = {  # HTTP 401: the Daraja app lacks the product
    "requestId": "11728-2929992-1",
    "errorCode": "401.003.01",
    "errorMessage": "Error Occurred - Invalid Access Token - no apiproduct match found",
}
BAD_AUTH = {
    "requestId": "",
    "errorCode": "400.008.01",
    "errorMessage": "Invalid authentication passed",
}
ALREADY = {  # HTTP 500 from registerurl in production
    "requestId": "7619-37765134-2",
    "errorCode": "500.003.1001",
    "errorMessage": "Urls are already registered",
}
REGISTERED = {
    "OriginatorCoversationID": "7619-37765134-1",
    "ResponseCode": "0",
    "ResponseDescription": "success",
}
HTML = "<!DOCTYPE html><html><head><title>Welcome</title></head><body>It works</body></html>"

# An install with real credentials (production) that gets everything right.
KEY, SECRET, PASSKEY = "key-Abc123", "secret-Xyz789", "passkey-0f9e8d7c6b5a"
PRODUCTION = {
    "DARAJA_CONSUMER_KEY": KEY,
    "DARAJA_CONSUMER_SECRET": SECRET,
    "DARAJA_PASSKEY": PASSKEY,
    "DARAJA_BASE_URL": "https://api.safaricom.co.ke",
    "DARAJA_SHORTCODE": "600100",
    "CALLBACK_BASE_URL": "https://rent.example.co.ke",
}
MPESA_ENV = (
    *PRODUCTION,
    "DARAJA_TILL_NUMBER",
    "DARAJA_TRANSACTION_TYPE",
    "DARAJA_C2B_VERSION",
    "MPESA_CALLBACK_TOKEN",
)


@dataclass
class Sent:
    method: str
    path: str
    body: Any


@dataclass
class Wire(BaseAdapter):
    """Answers per path, in order (the last answer repeats); records what was sent."""

    answers: dict[str, list[tuple[int, Any, str]]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def on(self, path: str, status: int, body: Any, content_type: str = "") -> Wire:
        kind = content_type or ("application/json" if not isinstance(body, str) else "text/html")
        self.answers.setdefault(path, []).append((status, body, kind))
        return self

    def to(self, path: str) -> list[Sent]:
        return [s for s in self.sent if s.path.endswith(path)]

    def send(self, request: requests.PreparedRequest, **_kw: Any) -> requests.Response:
        path = urlsplit(request.url or "").path
        raw = request.body
        body = json.loads(raw) if raw else None
        self.sent.append(Sent(request.method or "", path, body))
        queue = next((q for p, q in self.answers.items() if path.endswith(p)), None)
        if not queue:
            status, data, kind = 404, "", "text/plain"
        else:
            status, data, kind = queue.pop(0) if len(queue) > 1 else queue[0]
        resp = requests.Response()
        resp.status_code = status
        resp._content = (data if isinstance(data, str) else json.dumps(data)).encode()
        resp.headers["Content-Type"] = kind
        resp.encoding = "utf-8"
        resp.url = request.url or ""
        resp.request = request
        return resp

    def close(self) -> None:
        pass


def real_daraja(monkeypatch: pytest.MonkeyPatch, **env: str) -> Wire:
    """Settings of an install with real credentials (PRODUCTION, changed by `env`), and the
    process's shared client wired to a fresh Wire (OAuth answers a token unless told)."""
    for name in MPESA_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**PRODUCTION, **env}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    wire = Wire()
    client = client_from_settings()
    client.http.mount("https://", wire)
    with client._lock:  # a token cached by an earlier test of the same settings is forgotten
        client._token = None
    return wire


def client_on(wire: Wire, **kw: Any) -> DarajaClient:
    """A client of its own (not the shared one) on `wire`."""
    http = requests.Session()
    http.mount("https://", wire)
    args: dict[str, Any] = {
        "base_url": "https://sandbox.safaricom.co.ke",
        "consumer_key": KEY,
        "consumer_secret": SECRET,
        "shortcode": "174379",
        "passkey": PASSKEY,
        "http": http,
    }
    return DarajaClient(**{**args, **kw})
