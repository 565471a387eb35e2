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
    GENERIC_500,
    INTERNAL,
    INVALID_TOKEN,
    QUOTA,
    SPIKE_ARREST,
    StkAccepted,
    StkQueryResult,
    nairobi_timestamp,
    normalize_msisdn,
    stk_password,
)

log = logging.getLogger(__name__)

TOKEN_REFRESH_MARGIN_S = 60.0


class DarajaError(Exception):
    """A failed Daraja call. `retryable` says whether trying again later can help."""

    def __init__(
        self, code: str, message: str, http_status: int = 0, retryable: bool = False
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.http_status = http_status
        self.retryable = retryable


def _retryable(http_status: int, code: str, message: str) -> bool:
    if code.startswith("400.") or code == INVALID_TOKEN:
        return False
    if code == GENERIC_500:
        # Same code for "wrong credentials"/"merchant does not exist" (permanent) and
        # "unable to lock subscriber"/"being processed" (try later).
        text = message.lower()
        return "lock subscriber" in text or "being processed" in text or not text
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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.shortcode = str(shortcode)
        self.transaction_type = transaction_type
        self.timeout = timeout
        self._key = consumer_key
        self._secret = consumer_secret
        self._passkey = passkey
        self._http = http or requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires_at = 0.0

    def __repr__(self) -> str:  # never show credentials
        return f"DarajaClient(base_url={self.base_url!r}, shortcode={self.shortcode!r})"

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
            resp = self._http.get(
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
                code, message = "auth_failed", "M-Pesa rejected the API consumer key or secret."
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

    # --- calls ------------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        """POST with the bearer token; on 404.001.03 refresh the token once and retry.
        Returns (status, parsed JSON or None) for 200 and for HTTP 500 bodies the caller may
        interpret; raises DarajaError otherwise."""
        token = self.access_token()
        for attempt in (1, 2):
            try:
                resp = self._http.post(
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
            "PartyB": self.shortcode,
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
            raise DarajaError(code, message, 200, False)
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
        _status, data = self._post("/mpesa/c2b/v2/registerurl", body)
        _require_response_ok(data)

    def simulate_c2b(
        self, amount: int, msisdn: str, bill_ref: str, shortcode: str | None = None
    ) -> None:
        """Sandbox/simulator only: make M-Pesa post a paybill payment to the registered URLs."""
        body = {
            "ShortCode": str(shortcode or self.shortcode),
            "CommandID": "CustomerPayBillOnline",
            "Amount": str(int(amount)),
            "Msisdn": normalize_msisdn(msisdn),
            "BillRefNumber": bill_ref,
        }
        _status, data = self._post("/mpesa/c2b/v2/simulate", body)
        _require_response_ok(data)


def _json(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError as exc:
        raise DarajaError(
            "invalid_response", "M-Pesa sent an unreadable answer.", resp.status_code
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
) -> DarajaClient:
    return DarajaClient(base_url, key, secret, shortcode, passkey, transaction_type)


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
    )
