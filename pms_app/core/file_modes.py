"""Files that hold secrets or live tokens are the app user's alone.

The database, the outbox (password-reset links), the secret key, private documents and Reflex's
`.states/*.pkl` (live session tokens) would otherwise be created world-readable under the usual
umask 022. The CLI calls `lock_down` before it serves, migrates or seeds anything: the umask
(inherited by Reflex's worker processes) covers new files, the walk tightens what an earlier
version or a hand-made copy left readable.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pms_app.core.settings import PROJECT_ROOT, Settings

PRIVATE_UMASK = 0o077


def private_paths(settings: Settings) -> list[Path]:
    return [settings.data_dir, settings.outbox_dir, PROJECT_ROOT / ".states"]


def tighten(root: Path) -> int:
    """chmod go-rwx everything below `root` (links are not followed). Returns how many changed."""
    changed = 0
    if not root.exists() or root.is_symlink():
        return 0
    for path in [root, *root.rglob("*")]:
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue  # removed meanwhile
        if stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
            continue
        path.chmod(stat.S_IMODE(st.st_mode) & 0o700)
        changed += 1
    return changed


def lock_down(settings: Settings) -> None:
    os.umask(PRIVATE_UMASK)
    for root in private_paths(settings):
        tighten(root)
