"""The translation layer: English msgids, Swahili catalogs (gettext .po files read with Babel).

Every user-facing string is an English template with named fields, `"Rent of {amount} paid"`,
translated here and only then filled in, so word order may change per language. Three ways in:

- `gettext(msgid, **params)` / `ngettext(one, many, n, **params)`: in the language of the current
  context (`use_language`): the ui shell sets it per event from the person's choice, emails set
  the recipient's. Outside any context: English.
- `N_(msgid)` marks a template for the catalog where it is translated later (a notice, a status
  label in a table): it returns the msgid unchanged.
- `ServiceError(template, field, **params)` (core/errors) keeps its template; the page state
  renders it in the reader's language.

Catalogs live in `pms_app/locale/<lang>/LC_MESSAGES/*.po`: one file per area (so two people add
strings without touching the same file), merged at first use. `tests/unit/core/test_catalog.py`
extracts every msgid from the code (`pms_app.core.i18n_extract`) and fails on one without a
Swahili translation, on a template whose fields differ from its translation's, and on a
user-facing literal in `ui/` that bypasses the layer.
"""

from __future__ import annotations

import contextvars
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES: dict[str, str] = {"en": "English", "sw": "Kiswahili"}  # code → its own name
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("pms_language", default="en")


def language(code: object) -> str:
    """A supported language code for whatever arrived (a cookie, a form, a column): else English."""
    value = str(code or "").strip().lower()[:8]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get()


@contextmanager
def use_language(code: object) -> Iterator[str]:
    """Within the block, gettext and the date formatter speak `code`. asyncio.to_thread copies
    the context, so a worker thread started inside the block speaks it too."""
    token = _current.set(language(code))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def N_(msgid: str) -> str:
    """Mark a template for the catalog; translated where it is shown."""
    return msgid


@cache
def catalog(code: str) -> Mapping[str, str | tuple[str, ...]]:
    """msgid → translation (a tuple of plural forms for a plural msgid), from every .po file of
    the language. Fuzzy and empty entries are left out: English shows instead."""
    from babel.messages.pofile import read_po  # only when a catalog is first needed

    entries: dict[str, str | tuple[str, ...]] = {}
    folder = LOCALE_DIR / code / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with path.open("rb") as handle:
            for message in read_po(handle, locale=code):
                if not message.id or message.fuzzy:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                if isinstance(message.string, tuple):
                    if all(message.string):
                        entries[key] = tuple(message.string)
                elif message.string:
                    entries[key] = message.string
    return entries


def translation(code: str, msgid: str, form: int = 0) -> str | None:
    """The translation of `msgid` in `code` (`form`: which plural form of a plural msgid), None
    where the catalog has none (English is its own translation)."""
    if code == DEFAULT_LANGUAGE:
        return msgid
    found = catalog(code).get(msgid)
    if isinstance(found, tuple):
        return found[min(form, len(found) - 1)]
    return found


class Term(str):
    """A msgid given as a field's value ("Enter {what}." with what=Term("the rent")): translated
    with the sentence around it. `capital`: its first letter upper-cased (a sentence's start)."""

    capital: bool = False

    @classmethod
    def first(cls, value: str) -> Term:
        term = cls(value)
        term.capital = True
        return term

    def shown(self) -> str:
        text = translation(current_language(), str(self)) or str(self)
        return text[:1].upper() + text[1:] if self.capital else text


def fill(template: str, params: Mapping[str, Any]) -> str:
    """`template` with its `{name}` fields filled (a `Term` in the current language); a template
    without fields is left alone (a message may contain braces of its own)."""
    if not params:
        return template
    return template.format_map(
        {k: v.shown() if isinstance(v, Term) else v for k, v in params.items()}
    )


def gettext(msgid: str, /, **params: Any) -> str:
    """`msgid` in the current language, its fields filled from `params`."""
    return fill(translation(current_language(), msgid) or msgid, params)


def gettext_in(code: str, msgid: str, /, **params: Any) -> str:
    with use_language(code):
        return gettext(msgid, **params)


def plural_index(code: str, n: int) -> int:
    # English and Swahili both have two forms: one, and everything else (nplurals=2; n != 1).
    return 0 if n == 1 else 1


def ngettext(singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The form for `n` (`{n}` is filled with it, grouped: 1,200)."""
    code = current_language()
    index = plural_index(code, n)
    forms = catalog(code).get(singular) if code != DEFAULT_LANGUAGE else None
    if isinstance(forms, tuple):
        chosen = forms[min(index, len(forms) - 1)]
    else:
        chosen = singular if index == 0 else plural
    return fill(chosen, {"n": f"{n:,}", **params})


def fields(template: str) -> set[str]:
    """The `{name}` fields of a template (what its translations must keep)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
