"""Errors services raise; the UI shows the message in the reader's language (never a traceback)."""

from __future__ import annotations

from typing import Any

from pms_app.core.i18n import N_, fill, gettext_in


class ServiceError(Exception):
    """A problem the user can act on. `field` names the form field at fault, if any.

    `template` is an English msgid with named fields filled from `params`
    (`ServiceError("Rent must be at least {least}.", "rent", least=money(500))`): `.message` is
    the English text (logs, tests), `in_language(code)` what a page shows its reader."""

    def __init__(self, template: str, field: str | None = None, **params: Any) -> None:
        self.template = template
        self.params = params
        self.message = fill(template, params)
        super().__init__(self.message)
        self.field = field

    def in_language(self, code: str) -> str:
        return gettext_in(code, self.template, **self.params)


class ValidationError(ServiceError):
    pass


class NotFound(ServiceError):
    """Missing *or* not yours: the two are indistinguishable to the caller so nothing leaks."""

    def __init__(self, what: str = "item") -> None:
        # A whole sentence per noun: a translation cannot be built from an English noun.
        super().__init__(_NOT_FOUND.get(what, _NOT_FOUND["item"]))


_NOT_FOUND = {
    "account": N_("That account was not found."),
    "booking": N_("That booking was not found."),
    "document": N_("That document was not found."),
    "facility": N_("That facility was not found."),
    "invitation": N_("That invitation was not found."),
    "item": N_("That item was not found."),
    "lease": N_("That lease was not found."),
    "offer": N_("That offer was not found."),
    "page": N_("That page was not found."),
    "payment": N_("That payment was not found."),
    "property": N_("That property was not found."),
    "receipt": N_("That receipt was not found."),
    "signup": N_("That signup was not found."),
    "unit": N_("That unit was not found."),
    "user": N_("That user was not found."),
    "waiting-list entry": N_("That waiting-list entry was not found."),
}


class NotAuthenticated(ServiceError):
    def __init__(self) -> None:
        super().__init__("Please log in.")


TOO_MANY_ATTEMPTS = N_("Too many attempts. Try again later.")


class Throttled(ServiceError):
    """Refused for now. `retry_after_s` is for logs and tests only: people are never told when
    to come back (an attacker would time the next burst by it)."""

    def __init__(self, retry_after_s: int, message: str = TOO_MANY_ATTEMPTS, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after_s = max(1, retry_after_s)
