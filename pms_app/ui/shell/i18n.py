"""The translation layer in pages: `t("Add unit")` is the text in the reader's language.

Pages are compiled once, so a page's fixed text carries both languages and the browser picks by
`SessionState.lang` (`rx.cond`): switching language re-renders at once, without a round trip.
Text a state computes (notices, rows, errors) is translated on the server in the same language
(`core.i18n.gettext` inside the event's `use_language`, `PageState._tr`).

    rx.heading(t("Payments"))
    rx.text(t("Page {page} of {pages}", page=S.page, pages=S.pages))   # fields may be state vars
    rx.text(tn("{n} unit", "{n} units", S.count))                       # a count's own form
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import Var

from pms_app.core.i18n import LANGUAGES, fill, translation
from pms_app.ui.shell.session import SessionState

__all__ = ["LANGUAGES", "t", "tn"]


def _other_languages() -> list[str]:
    return [code for code in LANGUAGES if code != "en"]


def _shown(msgid: str, english: str, form: int, params: dict[str, Any]) -> Any:
    shown: Any = fill(english, params)
    for code in _other_languages():
        translated = translation(code, msgid, form)
        if translated is not None and translated != english:
            shown = rx.cond(SessionState.lang == code, fill(translated, params), shown)
    return shown


def t(msgid: str, **params: Any) -> Any:
    """`msgid` (an English template, `{name}` fields from `params`: text or state vars) as a
    value that shows in the reader's language. A label a component receives as a str is
    translated by the page that passes it: `field(t("Monthly rent"), "rent", S.errors)`."""
    return _shown(msgid, msgid, 0, params)


def tn(singular: str, plural: str, n: Var | int, **params: Any) -> Any:
    """The form for a count held in a state var (`{n}` is the count). English and Swahili both
    have one form for 1 and another for every other number."""
    if isinstance(n, int):
        form = 0 if n == 1 else 1
        return _shown(singular, (singular, plural)[form], form, {"n": f"{n:,}", **params})
    return rx.cond(
        n == 1,
        _shown(singular, singular, 0, {"n": n, **params}),
        _shown(singular, plural, 1, {"n": n, **params}),
    )
