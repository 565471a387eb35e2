"""Files holding secrets or live tokens (database, outbox with reset links, secret key, session
state) are readable only by the app's user: what another account on the server could read
before, it cannot now."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pms_app.core.file_modes import lock_down, tighten
from pms_app.core.settings import PROJECT_ROOT, get_settings


@pytest.fixture
def restore_umask() -> Iterator[None]:
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_tighten_closes_what_others_could_read(tmp_path: Path, restore_umask: None) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o755)
    (tmp_path / "pms.db").write_text("db")
    (outbox / "1-reset.eml").write_text("reset link")
    for path in (tmp_path / "pms.db", outbox / "1-reset.eml"):
        path.chmod(0o644)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    (tmp_path / "link").symlink_to(outside)

    assert tighten(tmp_path) >= 3
    assert _mode(tmp_path / "pms.db") == 0o600
    assert _mode(outbox / "1-reset.eml") == 0o600
    assert _mode(outbox) == 0o700
    assert _mode(outside) == 0o644  # links are not followed out of the data dir
    outside.unlink()


def test_lock_down_sets_a_private_umask_for_new_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_umask: None
) -> None:
    monkeypatch.setenv("PMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OUTBOX_DIR", str(tmp_path / "data" / "outbox"))
    get_settings.cache_clear()
    lock_down(get_settings())
    fresh = tmp_path / "data" / "new.eml"
    fresh.write_text("x")
    assert _mode(fresh) == 0o600
    assert _mode(tmp_path / "data") == 0o700


def test_the_cli_leaves_the_database_and_secret_key_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(PMS_DATA_DIR=str(tmp_path / "data"), OUTBOX_DIR=str(tmp_path / "data" / "outbox"))
    done = subprocess.run(
        [sys.executable, "-m", "pms_app.cli", "migrate"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = tmp_path / "data"
    for path in [data, *data.rglob("*")]:
        assert not _mode(path) & 0o077, f"{path} is {oct(_mode(path))}"
    assert (data / "pms.db").exists() and (data / "secret_key").exists()
