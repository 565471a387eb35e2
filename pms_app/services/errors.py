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


class Throttled(ServiceError):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"Too many attempts. Try again in {max(1, retry_after_s)} seconds.")
        self.retry_after_s = retry_after_s
