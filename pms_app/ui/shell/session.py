"""The login session: who is this browser? Every page state derives from `SessionState`.

Reflex runs an event handler on the event loop that serves every client, so the database work of
an event runs in a worker thread (`_run`, `_in_session`): one session, one identity lookup
(`properties.identity`, one statement), then the page's own reads. See shell/page.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar
from urllib.parse import urlsplit

import reflex as rx

from pms_app.accounts import service as accounts
from pms_app.core.db import committed_since_asked, session_scope
from pms_app.core.i18n import N_, gettext_in, language, use_language
from pms_app.core.settings import get_settings
from pms_app.properties.access import MANAGING_ROLES
from pms_app.properties.identity import NOBODY, Identity, session_identity
from pms_app.ui.shell.access import may_see
from pms_app.ui.shell.tabs import register_tab

if TYPE_CHECKING:  # ui reads and writes through the services, never the tables (.importlinter)
    from sqlmodel import Session

    from pms_app.accounts.models import User

T = TypeVar("T")

SESSION_COOKIE = "pms_session"
UNEXPECTED = N_(
    "Something went wrong on our side and nothing was saved. Please try again; if it keeps "
    "happening, tell your landlord or the administrator."
)
LANGUAGE_COOKIE = "pms_lang"


class Navbar(NamedTuple):
    """What the navbar shows about the person: plain values, read inside the session."""

    user_name: str
    user_role: str
    approval: str  # "approved", "pending" (a tenant waiting for his landlord) or "" (nobody)
    pending_approvals: int
    language: str  # the language saved on the account ("" if he never chose one)


def navbar(ident: Identity) -> Navbar:
    user = ident.user
    if user is None:
        return Navbar("", "", "", 0, "")
    approval = "approved" if ident.approved else "pending"
    return Navbar(user.full_name, user.role, approval, ident.pending_approvals, user.language)


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
    # The reader's language (core/i18n.LANGUAGES): this browser's choice, replaced by the one saved
    # on the account once he is known, so his phone and his laptop speak alike.
    lang: str = rx.Cookie("en", name=LANGUAGE_COOKIE, same_site="lax", max_age=365 * 24 * 3600)
    user_name: str = ""
    user_role: str = ""
    forbidden: bool = False  # this role may not see this page: the shell shows "no access"
    failure: str = ""  # an unexpected server error, said plainly (see `unexpected_error`)
    approval: str = ""  # "approved" or "pending" (tenants waiting for their landlord)
    pending_approvals: int = 0

    @rx.var
    def logged_in(self) -> bool:
        return self.user_role != ""

    @rx.var
    def is_manager(self) -> bool:
        return self.user_role in MANAGING_ROLES

    # --- helpers for substates (backend only: leading underscore) ---------------------------

    def _apply_identity(self, nav: Navbar) -> None:
        # Assigned only when changed: an assignment marks a var dirty even with the same value,
        # and a dirty var is sent to the browser and recomputes what depends on it.
        name, role, approval, pending, saved = nav
        if self.user_name != name:
            self.user_name = name
        if self.user_role != role:
            self.user_role = role
        if self.approval != approval:
            self.approval = approval
        if self.pending_approvals != pending:
            self.pending_approvals = pending
        if saved:
            self._set_lang(language(saved))

    def _set_lang(self, code: str) -> None:
        if self.lang != code:
            self.lang = code

    def _speak(self, user: User | None) -> str:
        """The language of this event's text: the account's, else this browser's (set on the
        state at once, so an error rendered in this event uses it)."""
        if user is not None and user.language:
            self._set_lang(language(user.language))
        self._set_lang(language(self.lang))
        return self.lang

    def _in_session(self, fn: Callable[[Session, User | None], T]) -> tuple[Navbar, T]:
        """fn(session, acting user) in one database session, the user looked up once (re-read
        from the database on every event: a revoked login stops at once). Blocking: call it
        from a worker thread (`_run`)."""
        with session_scope() as session:
            ident = session_identity(session, self.session_token)
            with use_language(self._speak(ident.user)):
                result = fn(session, ident.user)
            if committed_since_asked(session):  # a write may have changed name or approval
                ident = session_identity(session, self.session_token)
            return navbar(ident), result

    async def _run(self, fn: Callable[[Session, User | None], T]) -> T:
        """`_in_session` off the event loop; the navbar's identity synced from the same lookup."""
        ident, result = await asyncio.to_thread(self._in_session, fn)
        self._apply_identity(ident)
        return result

    def _reload_identity(self) -> None:
        """The navbar's identity alone (blocking; live updates call it in a worker thread)."""
        ident, _ = self._in_session(lambda _s, _a: None)
        self._apply_identity(ident)

    async def _enter(self, load: Callable[[Session, User], None] | None = None) -> Any:
        """A member page's on_load, in one event: who is this, may he see the page (UX only:
        every service checks again), this tab registered for live updates, and the page's data
        (`load`) read in the same session, off the event loop."""
        return (await self._enter_as(load))[0]

    async def _enter_as(
        self, load: Callable[[Session, User], None] | None
    ) -> tuple[Any, int | None]:
        """`_enter`'s work: (its redirect or None, the user's id or None)."""
        path = self.router.url.path
        token = self.session_token
        if self.failure:
            self.failure = ""

        def work() -> tuple[Navbar, int | None, bool]:
            with session_scope() as session:
                ident = session_identity(session, token)
                user = ident.user
                forbidden = user is not None and not may_see(path, user.role)
                may_load = ident.approved or path == "/waiting"
                if user is not None and not forbidden and load and may_load:
                    with use_language(self._speak(user)):
                        load(session, user)
                return navbar(ident), user.id if user else None, forbidden

        nav, user_id, forbidden = (
            await asyncio.to_thread(work) if token else (navbar(NOBODY), None, False)
        )
        if self.forbidden != forbidden:
            self.forbidden = forbidden
        self._apply_identity(nav)
        if user_id is None:
            return rx.redirect(f"/login?next={path}"), None
        if self.approval != "approved" and path != "/waiting":
            return rx.redirect("/waiting"), user_id
        self._register_tab(user_id)
        return None, user_id

    def _entered_again(self, user_id: int) -> None:
        """What `_enter` leaves besides the data, for a page whose last read still holds (see
        PageState.load): the shell's flags are shared with the tab's other pages."""
        if self.failure:
            self.failure = ""
        if self.forbidden:  # it was not when this page was read, and nothing changed since
            self.forbidden = False
        self._register_tab(user_id)

    def _register_tab(self, user_id: int) -> None:
        if client := self.router.session.client_token:
            register_tab(user_id, client)

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    # --- events ----------------------------------------------------------------------------

    @rx.event
    async def enter(self) -> Any:
        """on_load of member pages without data of their own."""
        return await self._enter()

    @rx.event
    async def redirect_if_logged_in(self) -> Any:
        """on_load for login/signup pages."""
        if self.session_token:
            await self._run(lambda _s, _a: None)
        return rx.redirect("/dashboard") if self.user_role else None

    @rx.event
    async def load_identity(self) -> None:
        """on_load for public pages: show the navbar right, redirect nobody."""
        if self.session_token:
            await self._run(lambda _s, _a: None)
        else:
            self._apply_identity(navbar(NOBODY))

    @rx.event
    def unexpected_error(self) -> None:
        """What the person sees when a handler fails in a way no service foresaw (the app's
        backend_exception_handler sends this event; the error itself is only logged). Reflex's
        own fallback runs a script, which the Content-Security-Policy blocks: it showed nothing."""
        self.failure = gettext_in(self.lang, UNEXPECTED)

    @rx.event
    def dismiss_failure(self) -> None:
        self.failure = ""

    @rx.event
    async def set_language(self, code: str) -> Any:
        """The language switch: this browser at once, and the account if he is logged in. Fixed
        text re-renders by itself; the page is opened again so text its state built (a month, a
        status, a notice) is read in the new language too."""
        self.lang = language(code)
        if self.session_token:
            chosen = self.lang
            await self._run(lambda s, a: accounts.set_language(s, a, chosen) if a else None)
        here = urlsplit(str(self.router.url))
        return rx.redirect(here.path + (f"?{here.query}" if here.query else "") or "/")

    @rx.event
    async def logout(self) -> Any:
        token = self.session_token

        def work() -> None:
            with session_scope() as session:
                accounts.logout(session, token)

        await asyncio.to_thread(work)
        self.session_token = ""
        self._apply_identity(navbar(NOBODY))
        return rx.redirect("/login")
