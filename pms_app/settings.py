"""One typed settings object, read from the environment (and an optional `.env` file)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def uses_smtp(self) -> bool:
        return bool(self.smtp_host)


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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    _load_dotenv(PROJECT_ROOT / ".env")
    env = os.environ.get
    data_dir = Path(env("PMS_DATA_DIR", str(PROJECT_ROOT / "data"))).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        data_dir=data_dir,
        database_url=env("DATABASE_URL") or f"sqlite:///{data_dir / 'pms.db'}",
        redis_url=env("REDIS_URL", ""),
        secret_key=_secret_key(data_dir),
        base_url=env("BASE_URL", "http://localhost:3000").rstrip("/"),
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
    )
