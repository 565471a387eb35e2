"""Run Alembic programmatically (used by the run command, tests and the CLI)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from pms_app.core.settings import PROJECT_ROOT


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    if url:
        cfg.attributes["url"] = url
    return cfg


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")
