"""The login session: who is this browser? Every page state derives from `SessionState`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from pms_app.accounts import service as accounts
from pms_app.accounts.models import Role, User
from pms_app.core.db import session_scope
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.core.settings import get_settings
from pms_app.properties.access import MANAGING_ROLES, is_approved
from pms_app.properties.memberships import pending_count

T = TypeVar("T")

SESSION_COOKIE = "pms_session"


class SessionState(rx.State):
    # Opaque random id; the server stores only its hash. Never trusted beyond a lookup.
    session_token: str = rx.Cookie(
        "",
        name=SESSION_COOKIE,
        same_site="strict",
        max_age=get_settings().session_max_age_s,
        # Set by the browser-side Reflex runtime, so it cannot be HttpOnly (docs/security.md);
        # over HTTPS it never travels in clear text.
        secure=get_settings().base_url.startswith("https://"),
    )
    user_name: str = ""
    user_role: str = ""
    approval: str = ""  # "approved" or "pending" (tenants waiting for their landlord)
    pending_approvals: int = 0

    @rx.var
    def logged_in(self) -> bool:
        return self.user_role != ""

    @rx.var
    def is_manager(self) -> bool:
        return self.user_role in (Role.ADMIN, Role.LANDLORD, Role.MANAGER)

    # --- helpers for substates (backend only: leading underscore) ---------------------------

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    def _actor(self, session: Session) -> User | None:
        """The acting user, re-read from the database on every event (revocation is immediate)."""
        return accounts.user_for_token(session, self.session_token)

    def _sync_identity(self, session: Session, user: User | None) -> None:
        if user is None:
            self.user_name, self.user_role, self.approval, self.pending_approvals = (
                "",
                "",
                "",
                0,
            )
            return
        self.user_name = user.full_name
        self.user_role = user.role
        approved = is_approved(session, user)
        self.approval = "approved" if approved else "pending"
        self.pending_approvals = (
            pending_count(session, user) if approved and user.role in MANAGING_ROLES else 0
        )

    def _with_actor(self, fn: Callable[[Session, User | None], T]) -> T:
        with session_scope() as session:
            actor = self._actor(session)
            result = fn(session, actor)
            self._sync_identity(session, self._actor(session))
            return result

    # --- events ----------------------------------------------------------------------------

    @rx.event
    def require_login(self) -> Any:
        """on_load guard for app pages (UX only: every service checks again)."""
        with session_scope() as session:
            user = self._actor(session)
            self._sync_identity(session, user)
        if user is None:
            return rx.redirect(f"/login?next={self.router.url.path}")
        if self.approval != "approved" and self.router.url.path != "/waiting":
            return rx.redirect("/waiting")
        return None

    @rx.event
    def redirect_if_logged_in(self) -> Any:
        """on_load for login/signup pages."""
        with session_scope() as session:
            user = self._actor(session)
            self._sync_identity(session, user)
        if user is not None:
            return rx.redirect("/dashboard")
        return None

    @rx.event
    def load_identity(self) -> None:
        """on_load for public pages: show the navbar right, redirect nobody."""
        with session_scope() as session:
            self._sync_identity(session, self._actor(session))

    @rx.event
    def logout(self) -> Any:
        with session_scope() as session:
            accounts.logout(session, self.session_token)
        self.session_token = ""
        self._sync_identity_empty()
        return rx.redirect("/login")

    def _sync_identity_empty(self) -> None:
        self.user_name, self.user_role, self.approval, self.pending_approvals = (
            "",
            "",
            "",
            0,
        )


def error_text(exc: ServiceError) -> str:
    return exc.message


class FormActions(rx.State, mixin=True):
    """Mixin for page states whose forms call services: inline field errors, a form-level
    error, a success notice, then the page's `_reload()`."""

    errors: dict[str, str] = {}
    error: str = ""
    notice: str = ""

    def _reload(self) -> None:
        """Re-read the page's data (pages override)."""

    def _act(self, fn: Callable[[Session, User | None], object], notice: str) -> bool:
        self.errors, self.error, self.notice = {}, "", ""
        try:
            self._with_actor(fn)  # type: ignore[attr-defined]
        except ValidationError as exc:
            self.errors = {exc.field or "form": exc.message}
            self.error = exc.message
            return False
        except ServiceError as exc:
            self.error = exc.message
            return False
        self.notice = notice
        self._reload()
        return True
