"""Is this install's M-Pesa set up right? What is configured (paybill or till, numbers,
environment; never a secret), what the settings get wrong before anything is sent (callback URL
rules, till/paybill, C2B version), and what a Daraja error means for the landlord.

Used by `cli check`, `cli run`, `cli register-c2b`, the web process's start-up check
(`background.check_mpesa_setup`), the admin page and the managers' "M-Pesa setup problem"
notice. Rules from /work/shared/reference/daraja.md ("What production adds"). Every text is a
msgid with named fields (`Problem.text()` translates it where it is shown).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pms_app.core.i18n import N_, gettext
from pms_app.core.settings import BUY_GOODS, C2B_VERSIONS, PAYBILL, SANDBOX_PASSKEY, Settings
from pms_app.integrations.daraja_wire import (
    AUTH_FAILED,
    BAD_AUTH,
    BAD_GRANT,
    GENERIC_500,
    INVALID_FIELD,
    NO_PRODUCT,
    NOT_JSON,
)

PRODUCTION_HOST, SANDBOX_HOST = "api.safaricom.co.ke", "sandbox.safaricom.co.ke"
SANDBOX_SHORTCODE = "174379"
# Safaricom refuses callback URLs with these words (any case) and tunnelling hosts.
FORBIDDEN_WORDS = ("m-pesa", "mpesa", "safaricom", "exe", "exec", "cmd", "sql", "query")
TUNNEL_HOSTS = ("ngrok", "mockbin", "requestbin")


@dataclass(frozen=True)
class Problem:
    """One thing to fix: an English template and its fields, translated when shown."""

    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return gettext(self.template, **self.params)


@dataclass(frozen=True)
class Setup:
    """What is configured, as an admin may see it (no key, secret, passkey or token)."""

    environment: str  # "off", "simulator", "sandbox", "production" or "custom"
    kind: str  # "paybill" or "till"
    shortcode: str  # the paybill, or a till's store number (BusinessShortCode)
    till_number: str  # PartyB of a till; "" for a paybill
    c2b_version: str
    base_url: str
    callback_base_url: str

    def lines(self) -> list[str]:
        """The summary in the reader's language, one fact a line."""
        env = {
            "off": N_("M-Pesa: off (no Daraja credentials and no simulator)"),
            "simulator": N_("M-Pesa: the built-in simulator (no real money)"),
            "sandbox": N_("M-Pesa: Daraja sandbox ({url}, no real money)"),
            "production": N_("M-Pesa: Daraja production ({url}, real money)"),
            "custom": N_("M-Pesa: Daraja at {url}"),
        }[self.environment]
        out = [gettext(env, url=self.base_url)]
        if self.environment == "off":
            return out
        if self.kind == "till":
            out.append(
                gettext(
                    "Buy Goods till {till} (store number {store}, {type})",
                    till=self.till_number or self.shortcode,
                    store=self.shortcode,
                    type=BUY_GOODS,
                )
            )
        else:
            out.append(
                gettext("Paybill {shortcode} ({type})", shortcode=self.shortcode, type=PAYBILL)
            )
        out.append(gettext("C2B URL registration: {version}", version=self.c2b_version))
        out.append(gettext("Callbacks go to {url}/api/pay/…", url=self.callback_base_url))
        return out


def environment(settings: Settings) -> str:
    if not settings.mpesa_enabled:
        return "off"
    if not settings.daraja_configured:
        return "simulator"
    host = (urlsplit(settings.daraja_base_url).hostname or "").lower()
    return {PRODUCTION_HOST: "production", SANDBOX_HOST: "sandbox"}.get(host, "custom")


def describe(settings: Settings) -> Setup:
    return Setup(
        environment=environment(settings),
        kind="till" if settings.is_till else "paybill",
        shortcode=settings.daraja_shortcode,
        till_number=settings.daraja_till_number,
        c2b_version=settings.daraja_c2b_version,
        base_url=settings.daraja_base_url,
        callback_base_url=settings.callback_base_url,
    )


# --- checks that need no network ----------------------------------------------------------------


def _public_host(host: str) -> bool:
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return "." in host
    return ip.is_global


def url_problems(url: str, what: str = "CALLBACK_BASE_URL") -> list[Problem]:
    """Safaricom's rules for a callback URL. `what` names the setting in the message (the
    callback token is checked as its own part, so it is never printed)."""
    problems: list[Problem] = []
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if what == "CALLBACK_BASE_URL":
        if parts.scheme != "https":
            problems.append(
                Problem(N_("{what} must start with https:// ({url})."), {"what": what, "url": url})
            )
        if not _public_host(host):
            problems.append(
                Problem(
                    N_("{what} must be a public address Safaricom can reach, not {host}."),
                    {"what": what, "host": host or url},
                )
            )
        if any(t in host for t in TUNNEL_HOSTS):
            problems.append(
                Problem(
                    N_(
                        "Safaricom refuses tunnelling hosts ({host}) in {what}: use your own domain."
                    ),
                    {"what": what, "host": host},
                )
            )
    if re.search(r"\s", url):
        problems.append(Problem(N_("{what} must not contain spaces."), {"what": what}))
    lowered = url.lower()
    words = [w for w in FORBIDDEN_WORDS if w in lowered]
    if words:
        problems.append(
            Problem(
                N_("Safaricom refuses callback URLs containing {words}: remove it from {what}."),
                {"words": ", ".join(f'"{w}"' for w in words), "what": what},
            )
        )
    return problems


def config_problems(settings: Settings) -> list[Problem]:
    """What is wrong before anything is sent. Only with real credentials: the simulator and an
    install without M-Pesa have nothing to check against Safaricom."""
    if not settings.daraja_configured:
        return []
    s = settings
    problems = url_problems(s.callback_base_url)
    problems += url_problems(s.callback_token, "MPESA_CALLBACK_TOKEN")
    if urlsplit(s.daraja_base_url).scheme != "https":
        problems.append(
            Problem(N_("DARAJA_BASE_URL must be https:// ({url})."), {"url": s.daraja_base_url})
        )
    for name, value in (("DARAJA_CONSUMER_SECRET", s.daraja_consumer_secret),):
        if not value:
            problems.append(Problem(N_("{name} is not set."), {"name": name}))
    if environment(s) == "production":
        if s.daraja_passkey == SANDBOX_PASSKEY:
            problems.append(
                Problem(
                    N_("DARAJA_PASSKEY is the public sandbox passkey: set your own for production.")
                )
            )
        if s.daraja_shortcode == SANDBOX_SHORTCODE:
            problems.append(
                Problem(
                    N_(
                        "DARAJA_SHORTCODE is the sandbox's 174379: set your paybill or store number."
                    )
                )
            )
    problems += _kind_problems(s)
    if s.daraja_c2b_version not in C2B_VERSIONS:
        problems.append(
            Problem(
                N_(
                    "DARAJA_C2B_VERSION must be v1 or v2 (the version of your Daraja app's C2B product), not {value}."
                ),
                {"value": s.daraja_c2b_version},
            )
        )
    return problems


def _kind_problems(s: Settings) -> list[Problem]:
    if s.daraja_transaction_type not in (PAYBILL, BUY_GOODS):
        return [
            Problem(
                N_("DARAJA_TRANSACTION_TYPE must be {paybill} or {till}, not {value}."),
                {"paybill": PAYBILL, "till": BUY_GOODS, "value": s.daraja_transaction_type},
            )
        ]
    if s.is_till and not s.daraja_till_number:
        return [
            Problem(
                N_(
                    "A Buy Goods till needs DARAJA_TILL_NUMBER (the till payers pay to); "
                    "DARAJA_SHORTCODE is then the store number."
                )
            )
        ]
    if not s.is_till and s.daraja_till_number:
        return [
            Problem(
                N_(
                    "DARAJA_TILL_NUMBER is set but DARAJA_TRANSACTION_TYPE is {paybill}: unset "
                    "one of them."
                ),
                {"paybill": PAYBILL},
            )
        ]
    return []


# --- what a Daraja error means for the landlord -------------------------------------------------

_EXPLAIN: dict[str, str] = {
    NO_PRODUCT: N_(
        'Your Daraja app lacks this product ("no apiproduct match found"): on the Daraja '
        "portal, add M-Pesa Express (STK push) to the app, or use the keys of an app that has it."
    ),
    BAD_AUTH: N_(
        'M-Pesa rejected the consumer key or secret ("Invalid authentication passed"): check '
        "DARAJA_CONSUMER_KEY and DARAJA_CONSUMER_SECRET."
    ),
    AUTH_FAILED: N_(
        "M-Pesa rejected the consumer key or secret (HTTP 400, empty answer): check "
        "DARAJA_CONSUMER_KEY and DARAJA_CONSUMER_SECRET. Sandbox keys do not work against "
        "production, nor production keys against the sandbox."
    ),
    BAD_GRANT: N_(
        "M-Pesa refused the sign-in request (invalid grant type): DARAJA_BASE_URL probably "
        "points at the wrong service."
    ),
    NOT_JSON: N_(
        "DARAJA_BASE_URL answered with a web page, not Daraja: check the address "
        "(https://api.safaricom.co.ke for production, https://sandbox.safaricom.co.ke for the "
        "sandbox) and the keys."
    ),
    GENERIC_500: N_(
        'M-Pesa does not accept the business number and passkey ("{detail}"): check '
        "DARAJA_SHORTCODE (a till's store number), DARAJA_TILL_NUMBER and DARAJA_PASSKEY."
    ),
    INVALID_FIELD: N_(
        'M-Pesa refused a field of the request ("{detail}"): check DARAJA_SHORTCODE, '
        "DARAJA_TILL_NUMBER and CALLBACK_BASE_URL."
    ),
}
_C2B_EXPLAIN: dict[str, str] = {
    NO_PRODUCT: N_(
        "Your Daraja app lacks this product: it has no C2B product of version {version}. Set "
        "DARAJA_C2B_VERSION to the version the app's C2B product has on the Daraja portal (v1 "
        "or v2), or add the C2B product to the app."
    ),
    "already": N_(
        "URLs are already registered for shortcode {shortcode}. Registration in production is "
        "one-time: if the registered URLs are not this install's, delete them on the M-PESA org "
        "portal (or ask Safaricom to), then run register-c2b again. If they are, nothing needs "
        "doing."
    ),
}
_GENERAL = N_(
    "M-Pesa refused the request as a setup problem ({code}: {detail}): check the DARAJA_* "
    "settings and run python -m pms_app.cli check."
)
_UNREACHABLE = N_(
    "Cannot reach DARAJA_BASE_URL ({url}): check the address and this server's internet "
    "connection ({detail})."
)


def explain(code: str, message: str, settings: Settings, c2b: bool = False) -> Problem:
    """The landlord's reading of a Daraja error code (and message, for codes Daraja shares);
    `c2b` for the answers of the URL registration."""
    params: dict[str, Any] = {
        "code": code,
        "detail": message.strip() or code,
        "version": settings.daraja_c2b_version,
        "shortcode": settings.daraja_shortcode,
        "url": settings.daraja_base_url,
    }
    if c2b and "already registered" in message.lower():
        return Problem(_C2B_EXPLAIN["already"], params)
    if c2b and code in _C2B_EXPLAIN:
        return Problem(_C2B_EXPLAIN[code], params)
    if code in ("network", "timeout"):
        return Problem(_UNREACHABLE, params)
    if code in ("http_404", "http_405"):  # no Daraja at that address: a web server's page
        return Problem(_EXPLAIN[NOT_JSON], params)
    if code in _EXPLAIN:
        return Problem(_EXPLAIN[code], params)
    return Problem(_GENERAL, params)
