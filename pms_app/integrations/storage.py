"""Private file storage: outside any public folder, generated names, no user-chosen paths."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from pms_app.core.settings import get_settings

_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}\.(pdf|jpg|png|csv|xlsx)$")  # csv, xlsx: statements


def private_dir() -> Path:
    path = get_settings().data_dir / "private"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def save(data: bytes, extension: str) -> str:
    name = f"{secrets.token_urlsafe(24)}.{extension}"
    tmp = private_dir() / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, private_dir() / name)
    return name


def read(stored_name: str) -> bytes:
    if not _NAME.match(stored_name):  # never a path from outside
        raise FileNotFoundError(stored_name)
    return (private_dir() / stored_name).read_bytes()


def delete(stored_name: str) -> None:
    if _NAME.match(stored_name):
        (private_dir() / stored_name).unlink(missing_ok=True)
