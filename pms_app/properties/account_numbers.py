"""Paybill account numbers: a per-property prefix unique in the install, then the unit.

A payer types `SUN-A1` on a phone keypad. When no active lease has that number, the prefix alone
says which property the money is for, so the prefix is an authorisation key: it is unique in the
install (a database constraint), never shared by two landlords whatever their properties are
called. The first free candidate is taken: the name's first letters (readable), then those letters
with a digit, then random letters.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator

from sqlmodel import Session, select

from pms_app.properties.models import Property

PREFIX_MAX = 5
# No I/O/0/1: payers copy these from a screen onto a keypad.
_RANDOM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def normalise_ref(ref: str) -> str:
    """A typed account number as stored: upper case, no white space."""
    return re.sub(r"\s", "", (ref or "").upper())[:40]


def compact_ref(ref: str) -> str:
    """An account number as compared: its letters and digits only, upper case. Payers type
    `SUN A1`, `suna1` or ` Sun-A1 ` for `SUN-A1` on a phone keypad."""
    return re.sub(r"[^A-Z0-9]", "", (ref or "").upper())[:40]


def prefix_of(ref: str) -> str:
    """The property prefix of a (normalised) account number: the part before the first '-'."""
    head, sep, _rest = normalise_ref(ref).partition("-")
    return head if sep and 1 <= len(head) <= PREFIX_MAX else ""


def prefix_candidates(name: str) -> Iterator[str]:
    letters = re.sub(r"[^A-Z]", "", (name or "").upper())
    base = letters[:3] if len(letters) >= 2 else ""
    if base:
        yield base
        for digit in "23456789":
            yield f"{base}{digit}"
    while True:
        yield "".join(secrets.choice(_RANDOM_ALPHABET) for _ in range(4))


def free_prefix(session: Session, name: str, skip: set[str] | None = None) -> str:
    """The first candidate no property holds yet (the unique index settles a concurrent race)."""
    taken = set(session.exec(select(Property.account_prefix)).all()) | (skip or set())
    for candidate in prefix_candidates(name):
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable: random candidates never run out")


def property_for_ref(session: Session, ref: str) -> int | None:
    """The property whose prefix starts this account number as typed, if exactly one does:
    `SUN-A9` and `sun a9` name SUN's property; `suna9` (no separator) names it only if no other
    property's prefix also starts it (the prefix routes money to managers: never guess between
    two)."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", (ref or "").strip()) if p]
    if len(parts) >= 2:
        head = parts[0].upper()
        if not 1 <= len(head) <= PREFIX_MAX:
            return None
        return session.exec(select(Property.id).where(Property.account_prefix == head)).first()
    compact = compact_ref(ref)
    if not compact:
        return None
    rows = session.exec(select(Property.id, Property.account_prefix)).all()
    found = [pid for pid, prefix in rows if prefix and compact.startswith(prefix)]
    return found[0] if len(found) == 1 else None


def lease_ref(prefix: str, unit_label: str, unit_id: int | None, taken: set[str]) -> str:
    """PREFIX-LABEL (≤ 12 characters), unique among active leases. Two labels that differ only in
    punctuation (A-1, A1) fall back to the unit's id, which never reads like another unit."""
    label = re.sub(r"[^A-Z0-9]", "", unit_label.upper())[:6] or str(unit_id)
    candidate = f"{prefix}-{label}"[:12]
    if candidate not in taken:
        return candidate
    return f"{prefix}-U{unit_id}"[:12]
