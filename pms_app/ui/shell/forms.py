"""Reading untrusted form payloads: every value becomes a bounded string."""

from __future__ import annotations

from typing import Any

# The hidden input of every form that writes: the page's submission key (shell/page.py).
SUBMISSION_FIELD = "submission"
FORM_ID_FIELD = "form_id"  # which form is being sent: its button shows it is busy


def text(form: Any, key: str, max_len: int = 2000) -> str:
    if not isinstance(form, dict):
        return ""
    value = form.get(key, "")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    return str(value)[:max_len]


def checked(form: Any, key: str) -> bool:
    """A checkbox ticked: a Radix checkbox with an id arrives as True (its ref), without one as
    "on"; unticked it is absent or None."""
    return isinstance(form, dict) and form.get(key) in (True, "on", "true", "1")


# Row ids are PostgreSQL INTEGER columns (32-bit); anything larger overflows the database.
MAX_ID = 2**31 - 1


def int_or_none(value: Any) -> int | None:
    """Ids from the browser: a positive whole number that fits a database id, else None
    (services then say 'not found')."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        value = int(value.strip())
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None
