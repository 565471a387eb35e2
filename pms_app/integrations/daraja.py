"""Safaricom Daraja (M-Pesa) client over `requests`; the wire shapes and parsers for what Daraja
posts to us are in `daraja_wire`.

The wire contract is docs in /work/shared/reference/daraja.md. The built-in simulator
(`pms_app.simulator`) speaks the same contract, so this client is the only one the app needs.
Never log the passkey, the consumer secret or a token: errors carry Daraja's code and message only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import requests

from pms_app.core.settings import Settings, get_settings
from pms_app.integrations.daraja_wire import (
    AUTH_FAILED,
    GENERIC_500,
    INTERNAL,
    INVALID_TOKEN,
    NOT_JSON,
    QUOTA,
    SPIKE_ARREST,
    StkAccepted,
    StkQueryResult,
    error_kind,
    nairobi_timestamp,
    normalize_msisdn,
    stk_password,
)

log = logging.getLogger(__name__)

TOKEN_REFRESH_MARGIN_S = 60.0


class DarajaError(Exception):
    """A failed Daraja call. `retryable` says whether trying again later can help; `kind` who
    can act on it (daraja_wire.error_kind): "prompt_open" the payer, "config" the landlord."""

    def __init__(
        self, code: str, message: str, http_status: int = 0, retryable: bool = False
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.retryable = retryable

    @property
    def kind(self) -> str:
        return error_kind(self.code, self.message)


def _retryable(http_status: int, code: str, message: str) -> bool:
    kind = error_kind(code, message)
    # Another prompt open on the phone: re-pushing within seconds only meets the same lock (and
    # rings again once it clears); the payer tries again in a minute. Setup errors never heal.
    if kind in ("prompt_open", "config") or code.startswith("400.") or code == INVALID_TOKEN:
        return False
    if code == GENERIC_500:
        # Also "being processed" (a query in flight) or no message at all: try later.
        text = message.lower()
        return "being processed" in text or not text
    return http_status >= 500 or http_status == 429 or code in (SPIKE_ARREST, QUOTA, INTERNAL)


# --- client -------------------------------------------------------------------------------------


class DarajaClient:
    """Thread-safe Daraja client. One cached OAuth token, refreshed ~60 s before it expires."""

    def __init__(
        self,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        shortcode: str,
        passkey: str,
        transaction_type: str = "CustomerPayBillOnline",
        timeout: float = 30.0,
        http: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        party_b: str = "",
        c2b_version: str = "v2",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # BusinessShortCode (and the Password's): the paybill, or a till's store number.
        self.shortcode = str(shortcode)
        self.party_b = str(party_b or shortcode)  # the till number for Buy Goods
        self.transaction_type = transaction_type
        self.c2b_version = c2b_version
        self.timeout = timeout
        self._key = consumer_key
        self._secret = consumer_secret
        self._passkey = passkey
        self.http = http or requests.Session()  # public: tests mount a transport on it
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires_at = 0.0

    def __repr__(self) -> str:  # never show credentials
        return (
            f"DarajaClient(base_url={self.base_url!r}, shortcode={self.shortcode!r}, "
            f"party_b={self.party_b!r})"
        )

    # --- OAuth ------------------------------------------------------------------------------

    def access_token(self) -> str:
        with self._lock:
            if self._token and self._clock() < self._token_expires_at - TOKEN_REFRESH_MARGIN_S:
                return self._token
            return self._fetch_token()

    def _replace_rejected_token(self, rejected: str) -> str:
        """After 404.001.03: a fresh token, unless another thread already fetched one."""
        with self._lock:
            if (
                self._token
                and self._token != rejected
                and self._clock() < self._token_expires_at - TOKEN_REFRESH_MARGIN_S
            ):
                return self._token
            self._token = None
            return self._fetch_token()

    def _fetch_token(self) -> str:
        """Caller holds self._lock: one refresher at a time."""
        try:
            resp = self.http.get(
                f"{self.base_url}/oauth/v1/generate",
                params={"grant_type": "client_credentials"},
                auth=(self._key, self._secret),
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise DarajaError("timeout", "M-Pesa did not answer in time.", 0, True) from exc
        except requests.RequestException as exc:
            raise DarajaError(
                "network", f"Cannot reach M-Pesa ({type(exc).__name__}).", 0, True
            ) from exc
        if resp.status_code != 200:
            code, message = _error_fields(resp)
            if code.startswith("http_") and resp.status_code == 400:
                code, message = AUTH_FAILED, "M-Pesa rejected the API consumer key or secret."
            log.warning("Daraja OAuth failed: HTTP %s %s", resp.status_code, code)
            raise DarajaError(
                code, message, resp.status_code, _retryable(resp.status_code, code, message)
            )
        data = _json(resp)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise DarajaError("invalid_response", "M-Pesa sent no access token.", 200, True)
        try:
            expires_in = float(str(data.get("expires_in", "3599")).strip())
        except ValueError:
            expires_in = 3599.0
        self._token = token
        self._token_expires_at = self._clock() + expires_in
        return token

    def check_credentials(self) -> None:
        """One fresh OAuth call (the start-up check): DarajaError explains a failure. The new
        token replaces the cached one (and invalidates other processes' tokens, which they
        replace on their next 404.001.03)."""
        with self._lock:
            self._token = None
            self._fetch_token()

    # --- calls ------------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        """POST with the bearer token; on 404.001.03 refresh the token once and retry.
        Returns (status, parsed JSON or None) for 200 and for HTTP 500 bodies the caller may
        interpret; raises DarajaError otherwise."""
        token = self.access_token()
        for attempt in (1, 2):
            try:
                resp = self.http.post(
                    f"{self.base_url}{path}",
                    json=body,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self.timeout,
                )
            except requests.Timeout as exc:
                raise DarajaError("timeout", "M-Pesa did not answer in time.", 0, True) from exc
            except requests.RequestException as exc:
                raise DarajaError(
                    "network", f"Cannot reach M-Pesa ({type(exc).__name__}).", 0, True
                ) from exc
            if resp.status_code == 200:
                return 200, _json(resp)
            code, message = _error_fields(resp)
            if code == INVALID_TOKEN and attempt == 1:
                token = self._replace_rejected_token(token)
                continue
            log.warning("Daraja %s failed: HTTP %s %s %s", path, resp.status_code, code, message)
            raise DarajaError(
                code, message, resp.status_code, _retryable(resp.status_code, code, message)
            )
        raise AssertionError("unreachable")

    def _credentials(self) -> tuple[str, str]:
        timestamp = nairobi_timestamp()
        return stk_password(self.shortcode, self._passkey, timestamp), timestamp

    def stk_push(
        self,
        phone: str,
        amount: int,
        account_reference: str,
        description: str,
        callback_url: str,
    ) -> StkAccepted:
        """Send the prompt. No idempotency: create the pending payment row before calling."""
        msisdn = normalize_msisdn(phone)
        password, timestamp = self._credentials()
        body = {
            "BusinessShortCode": int(self.shortcode)
            if self.shortcode.isdigit()
            else self.shortcode,
            "Password": password,
            "Timestamp": timestamp,
            "TransactionType": self.transaction_type,
            "Amount": int(amount),
            "PartyA": msisdn,
            "PartyB": self.party_b,
            "PhoneNumber": msisdn,
            "CallBackURL": callback_url,
            "AccountReference": account_reference,
            "TransactionDesc": description,
        }
        _status, data = self._post("/mpesa/stkpush/v1/processrequest", body)
        if not isinstance(data, dict):
            raise DarajaError("invalid_response", "M-Pesa sent an unreadable answer.", 200)
        if str(data.get("ResponseCode", "")) != "0":
            code = str(data.get("ResponseCode") or data.get("errorCode") or "unknown")
            message = str(data.get("ResponseDescription") or data.get("errorMessage") or "")
            raise DarajaError(code, message, 200, _retryable(200, code, message))
        merchant, checkout = data.get("MerchantRequestID"), data.get("CheckoutRequestID")
        if not isinstance(merchant, str) or not isinstance(checkout, str) or not checkout:
            raise DarajaError("invalid_response", "M-Pesa sent no CheckoutRequestID.", 200)
        return StkAccepted(merchant, checkout, str(data.get("CustomerMessage", "")))

    def stk_query(self, checkout_request_id: str) -> StkQueryResult:
        """The payment's state. `pending` while M-Pesa has no answer yet (4999/500.001.1001)."""
        password, timestamp = self._credentials()
        body = {
            "BusinessShortCode": self.shortcode,
            "Password": password,
            "Timestamp": timestamp,
            "CheckoutRequestID": checkout_request_id,
        }
        try:
            _status, data = self._post("/mpesa/stkpushquery/v1/query", body)
        except DarajaError as exc:
            text = exc.message.lower()
            if exc.code == GENERIC_500 and ("being processed" in text or not text.strip()):
                return StkQueryResult(True, None, exc.message)
            raise
        if not isinstance(data, dict):
            raise DarajaError("invalid_response", "M-Pesa sent an unreadable answer.", 200, True)
        code = data.get("ResultCode")
        desc = str(data.get("ResultDesc") or data.get("ResponseDescription") or "")
        if code is None or str(code).strip() in ("", "4999"):
            return StkQueryResult(True, None if code is None else "4999", desc)
        return StkQueryResult(False, str(code).strip(), desc)

    def register_c2b_urls(
        self, confirmation_url: str, validation_url: str, shortcode: str | None = None
    ) -> None:
        body = {
            "ShortCode": str(shortcode or self.shortcode),
            "ResponseType": "Completed",
            "ConfirmationURL": confirmation_url,
            "ValidationURL": validation_url,
        }
        # v1 or v2 as the app's C2B product is (else 401.003.01); setting: DARAJA_C2B_VERSION.
        _status, data = self._post(f"/mpesa/c2b/{self.c2b_version}/registerurl", body)
        _require_response_ok(data)

    def simulate_c2b(
        self, amount: int, msisdn: str, bill_ref: str, shortcode: str | None = None
    ) -> None:
        """Sandbox/simulator only: make M-Pesa post a paybill payment to the registered URLs."""
        body = {
            "ShortCode": str(shortcode or self.shortcode),
            "CommandID": self.transaction_type,
            "Amount": str(int(amount)),
            "Msisdn": normalize_msisdn(msisdn),
            "BillRefNumber": bill_ref,
        }
        _status, data = self._post(f"/mpesa/c2b/{self.c2b_version}/simulate", body)
        _require_response_ok(data)


def _json(resp: requests.Response) -> Any:
    """The body as JSON. A web page where JSON was due (a wrong base URL answers HTML with
    HTTP 200) is an error, never a token or an answer."""
    try:
        return resp.json()
    except ValueError as exc:
        kind = "a web page" if "<" in (resp.text or "")[:200] else "no JSON"
        raise DarajaError(
            NOT_JSON, f"M-Pesa's address answered {kind}, not Daraja JSON.", resp.status_code
        ) from exc


def _error_fields(resp: requests.Response) -> tuple[str, str]:
    """(errorCode, errorMessage) of an error response; bodies may not be JSON at all."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and data.get("errorCode"):
        return str(data["errorCode"]), str(data.get("errorMessage") or "")
    return f"http_{resp.status_code}", f"M-Pesa answered HTTP {resp.status_code}."


def _require_response_ok(data: Any) -> None:
    if not isinstance(data, dict):
        raise DarajaError("invalid_response", "M-Pesa sent an unreadable answer.", 200)
    if str(data.get("ResponseCode", "")) != "0":
        raise DarajaError(
            str(data.get("ResponseCode") or "unknown"),
            str(data.get("ResponseDescription") or ""),
            200,
        )


@lru_cache(maxsize=4)
def _shared_client(
    base_url: str,
    key: str,
    secret: str,
    shortcode: str,
    passkey: str,
    transaction_type: str,
    party_b: str,
    c2b_version: str,
) -> DarajaClient:
    return DarajaClient(
        base_url,
        key,
        secret,
        shortcode,
        passkey,
        transaction_type,
        party_b=party_b,
        c2b_version=c2b_version,
    )


def client_from_settings(settings: Settings | None = None) -> DarajaClient:
    """The process's client for these settings (shared, so its token cache is shared too).
    DarajaError("not_configured") when the install has neither credentials nor the simulator."""
    s = settings or get_settings()
    if not s.mpesa_enabled:
        raise DarajaError(
            "not_configured",
            "M-Pesa is off: set the DARAJA_* credentials (or MPESA_SIMULATOR=1 for a local trial).",
        )
    return _shared_client(
        s.daraja_base_url,
        s.daraja_consumer_key,
        s.daraja_consumer_secret,
        s.daraja_shortcode,
        s.daraja_passkey,
        s.daraja_transaction_type,
        s.daraja_party_b,
        s.daraja_c2b_version,
    )
