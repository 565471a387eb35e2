"""One typed settings object, read from the environment (and an optional `.env` file)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _load_dotenv(path: Path) -> None:
    """Minimal .env support: KEY=VALUE lines; the real environment wins."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


class ConfigError(Exception):
    """A configuration the app refuses to start with (`cli` prints it as one line)."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str
    secret_key: str
    base_url: str
    timezone: str
    currency: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_from: str
    smtp_starttls: bool
    outbox_dir: Path
    reset_token_max_age_s: int
    invitation_max_age_s: int
    session_max_age_s: int
    # M-Pesa (Daraja): real credentials, else the built-in simulator at {base_url}/sim when the
    # install opts in (MPESA_SIMULATOR=1), else off. The simulator's key/secret are per install.
    daraja_configured: bool  # DARAJA_CONSUMER_KEY is set: the simulator is off regardless
    simulator_requested: bool  # MPESA_SIMULATOR=1
    simulator_forced: bool  # MPESA_SIMULATOR_FORCE=1: allowed even when BASE_URL is not local
    simulator_phone_key: str  # /simulator/phone?key=… (or an admin session) opens the phone page
    daraja_base_url: str
    daraja_consumer_key: str
    daraja_consumer_secret: str
    daraja_shortcode: str
    daraja_passkey: str
    daraja_transaction_type: str  # CustomerPayBillOnline, or CustomerBuyGoodsOnline for a till
    # A Buy Goods till: PartyB of the STK push; DARAJA_SHORTCODE is then the store (head-office)
    # number, used as BusinessShortCode and in the Password. Empty for a paybill.
    daraja_till_number: str
    daraja_c2b_version: str  # "v1" or "v2": must match the C2B product of the Daraja app
    callback_base_url: str
    callback_token: str
    mpesa_allowed_ips: tuple[str, ...]
    sim_mode: str  # "manual" (a person answers on /simulator/phone) or "auto" (rules by phone)
    sim_callback_delay_s: float
    # The simulated Daraja app's C2B product ("v1"/"v2"): the other version's register/simulate
    # paths answer 401.003.01, as production does. Defaults to DARAJA_C2B_VERSION.
    sim_c2b_version: str
    # A paybill STK payment is also posted as a paybill confirmation (the echo, daraja.md) to the
    # shortcode's registered URLs.
    sim_stk_echo: bool
    reconcile_after_s: int  # ask Daraja about STK payments still pending after this long
    # Stop asking after this long: the payment becomes "unconfirmed" for a manager (#11.7).
    unconfirmed_after_s: int

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_smtp(self) -> bool:
        return bool(self.smtp_host)

    @property
    def simulator_refused(self) -> bool:
        """Opted in on an address others can reach, without the explicit override."""
        return (
            self.simulator_requested
            and not self.daraja_configured
            and not self.simulator_forced
            and not is_local_url(self.base_url)
        )

    @property
    def uses_simulator(self) -> bool:
        return (
            self.simulator_requested and not self.daraja_configured and not self.simulator_refused
        )

    @property
    def mpesa_enabled(self) -> bool:
        """Real Daraja credentials or the simulator; otherwise M-Pesa is simply off."""
        return self.daraja_configured or self.uses_simulator

    @property
    def is_till(self) -> bool:
        """A Buy Goods till (CustomerBuyGoodsOnline) rather than a paybill."""
        return self.daraja_transaction_type == BUY_GOODS

    @property
    def daraja_party_b(self) -> str:
        """Who receives the money, and the number a payer types: the till number for Buy
        Goods, else the paybill's business number itself."""
        return self.daraja_till_number or self.daraja_shortcode


def is_local_url(url: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 only. Private LAN addresses (10/8, 192.168/16, …) do not
    count: other people on that network could reach the simulator and credit invented money."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_config(settings: Settings) -> None:
    """Refuse to start with a configuration that would expose the M-Pesa simulator."""
    if settings.simulator_refused:
        raise ConfigError(
            f"MPESA_SIMULATOR=1 but BASE_URL {settings.base_url} is not a local address: the "
            "simulator would let anyone who reaches it credit invented money. Unset "
            "MPESA_SIMULATOR (or configure DARAJA_CONSUMER_KEY), or set MPESA_SIMULATOR_FORCE=1 "
            "if you really mean it."
        )


def _secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else generated once into data/secret_key."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: if two processes race on first start, both end up reading the winner's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _derived(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


PAYBILL, BUY_GOODS = "CustomerPayBillOnline", "CustomerBuyGoodsOnline"
C2B_VERSIONS = ("v1", "v2")


def _c2b_version(raw: str) -> str:
    """`v1`/`1`/`V1` → "v1"; anything else is kept as typed, for the start-up check to report."""
    value = raw.strip().lower()
    return f"v{value}" if value in ("1", "2") else value


SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    _load_dotenv(PROJECT_ROOT / ".env")
    env = os.environ.get
    data_dir = Path(env("PMS_DATA_DIR", str(PROJECT_ROOT / "data"))).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    base_url = env("BASE_URL", "http://localhost:3000").rstrip("/")
    secret_key = _secret_key(data_dir)
    real_daraja = bool(env("DARAJA_CONSUMER_KEY"))
    opted_in = _flag(env("MPESA_SIMULATOR", ""))
    simulator = opted_in and not real_daraja  # (still refused later on a non-local BASE_URL)
    return Settings(
        data_dir=data_dir,
        database_url=env("DATABASE_URL") or f"sqlite:///{data_dir / 'pms.db'}",
        redis_url=env("REDIS_URL", ""),
        secret_key=secret_key,
        base_url=base_url,
        timezone=env("TIMEZONE", "Africa/Nairobi"),
        currency=env("CURRENCY", "KES"),
        smtp_host=env("SMTP_HOST", ""),
        smtp_port=int(env("SMTP_PORT", "587")),
        smtp_user=env("SMTP_USER", ""),
        smtp_password=env("SMTP_PASSWORD", ""),
        smtp_from=env("SMTP_FROM", "pms <no-reply@localhost>"),
        smtp_starttls=env("SMTP_STARTTLS", "1") not in ("0", "false", "no"),
        outbox_dir=Path(env("OUTBOX_DIR", str(data_dir / "outbox"))).resolve(),
        reset_token_max_age_s=int(env("RESET_TOKEN_MAX_AGE", str(60 * 60))),
        invitation_max_age_s=int(env("INVITATION_MAX_AGE", str(7 * 24 * 3600))),
        session_max_age_s=int(env("SESSION_MAX_AGE", str(14 * 24 * 3600))),
        daraja_configured=real_daraja,
        simulator_requested=opted_in,
        simulator_forced=_flag(env("MPESA_SIMULATOR_FORCE", "")),
        simulator_phone_key=_derived(secret_key, "simulator-phone"),
        daraja_base_url=(
            env("DARAJA_BASE_URL", "https://sandbox.safaricom.co.ke")
            if real_daraja
            else (f"{base_url}/sim" if simulator else "")
        ).rstrip("/"),
        daraja_consumer_key=env("DARAJA_CONSUMER_KEY")
        or (_derived(secret_key, "simulator-consumer-key") if simulator else ""),
        daraja_consumer_secret=env("DARAJA_CONSUMER_SECRET")
        or (_derived(secret_key, "simulator-consumer-secret") if simulator else ""),
        daraja_shortcode=env("DARAJA_SHORTCODE", "174379"),
        daraja_passkey=env("DARAJA_PASSKEY", SANDBOX_PASSKEY),
        # A till number makes the install a till unless DARAJA_TRANSACTION_TYPE says otherwise
        # (a contradiction the start-up check reports).
        daraja_transaction_type=env("DARAJA_TRANSACTION_TYPE", "").strip()
        or (BUY_GOODS if env("DARAJA_TILL_NUMBER", "").strip() else PAYBILL),
        daraja_till_number=env("DARAJA_TILL_NUMBER", "").strip(),
        daraja_c2b_version=_c2b_version(env("DARAJA_C2B_VERSION", "v2")),
        callback_base_url=env("CALLBACK_BASE_URL", base_url).rstrip("/"),
        callback_token=env("MPESA_CALLBACK_TOKEN") or _derived(secret_key, "mpesa-callback"),
        mpesa_allowed_ips=tuple(
            ip.strip() for ip in env("MPESA_ALLOWED_IPS", "").split(",") if ip.strip()
        ),
        sim_mode=env("MPESA_SIM_MODE", "manual"),
        sim_callback_delay_s=float(env("MPESA_SIM_CALLBACK_DELAY", "1")),
        sim_c2b_version=_c2b_version(
            env("MPESA_SIM_C2B_VERSION", "") or env("DARAJA_C2B_VERSION", "v2")
        ),
        sim_stk_echo=env("MPESA_SIM_STK_ECHO", "1").strip().lower()
        not in ("0", "false", "no", "off"),
        reconcile_after_s=int(env("MPESA_RECONCILE_AFTER", "60")),
        unconfirmed_after_s=int(env("MPESA_UNCONFIRMED_AFTER", str(24 * 3600))),
    )
