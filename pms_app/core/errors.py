"""Errors services raise; the UI shows `.message` (never a traceback)."""

from __future__ import annotations


class ServiceError(Exception):
    """A problem the user can act on. `field` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(ServiceError):
    pass


class NotFound(ServiceError):
    """Missing *or* not yours: the two are indistinguishable to the caller so nothing leaks."""

    def __init__(self, what: str = "item") -> None:
        super().__init__(f"That {what} was not found.")


class NotAuthenticated(ServiceError):
    def __init__(self) -> None:
        super().__init__("Please log in.")


TOO_MANY_ATTEMPTS = "Too many attempts. Try again later."


class Throttled(ServiceError):
    """Refused for now. `retry_after_s` is for logs and tests only: people are never told when
    to come back (an attacker would time the next burst by it)."""

    def __init__(self, retry_after_s: int, message: str = TOO_MANY_ATTEMPTS) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)
