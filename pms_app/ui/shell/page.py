"""The page-state mixin: one on_load event, one error path, every database read and write off
the event loop.

    class LeasesState(PageState, SessionState):
        # the inputs that show their own error (ClassVar: else Reflex makes it a state var)
        _inline_fields: ClassVar[frozenset[str]] = frozenset({"rent", "due_day"})
        rows: list[dict[str, Any]] = []

        def _on_enter(self) -> None:            # optional: query parameters, before the read
            self.property_id = int_or_none(self.router.url.query_parameters.get("property"))

        def _load(self, session, actor) -> None:  # the page's data, through the services
            self.rows = [...]

        def _clear(self) -> None:                # what to forget when the read is refused
            self.rows = []

        @rx.event
        async def end(self, lease_id: int) -> None:
            await self._act(lambda s, a: leases.end_lease(s, a, lease_id), "Lease ended.")

Register the page with `on_load=LeasesState.load`: the guard (logged in, approved), this tab's
live-update registration and `_load` run as one event, in one session, in a worker thread.
`_act` runs a service, shows its error or the notice, then re-reads the page in the same
session. A `ServiceError` raised by `_load` or by the service goes through `_fail`, the one place
a page turns it into text: beside its field when the page lists that field in `_inline_fields`
(an input with its error under it, `field(…, S.errors)`), else in the banner (`error`).

A page whose `_load` depends on nothing but the database, the reader, his language, the address,
the date and the inputs it returns from `_load_key()` is not read again when visited while nothing
was committed (core/db_version.py): the tab still holds what a read would give (SQLite only).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import reflex as rx

from pms_app.core import clock
from pms_app.core.db_version import data_version
from pms_app.core.errors import ServiceError, ValidationError
from pms_app.core.i18n import gettext_in
from pms_app.ui.shell.forms import FORM_ID_FIELD, SUBMISSION_FIELD, text

if TYPE_CHECKING:  # ui reads and writes through the services, never the tables (.importlinter)
    from sqlmodel import Session

    from pms_app.accounts.models import User

T = TypeVar("T")
# How long a tab that sees no commit trusts the identity it read (a revoked or ended login is a
# commit, seen at once; this bounds only a session's expiry passing while nothing is written).
IDENTITY_TRUSTED = timedelta(seconds=30)


class PageState(rx.State, mixin=True):
    errors: dict[str, str] = {}  # field → message (a ValidationError's field; "form" if none)
    error: str = ""  # the banner: an error of no field, or of a field not shown inline
    notice: str = ""
    # The page's submission key: every form that writes carries it (a hidden input, see
    # components/forms.write_form) and a write that succeeds replaces it, so the same submission
    # sent twice (a double click, a slow network's retry, a replayed event) writes once.
    submission: str = ""
    busy: str = ""  # the id of the form being sent: its button spins and takes no clicks
    # The `_stamp` of the last read by `load` that this tab still shows, its reader and until
    # when his identity is trusted without a query (backend only: never sent).
    _seen: tuple[Any, ...] = ()
    _seen_user: int = 0
    _seen_until: datetime = datetime.min.replace(tzinfo=UTC)

    # The fields whose error the page shows beside their input, and only there. An error of any
    # other field (a table row's input, a select, an upload) goes to the banner as well, so no
    # message is lost (tests/unit/ui/test_field_errors.py holds the list to the page's view).
    _inline_fields: ClassVar[frozenset[str]] = frozenset()

    # --- what a page provides -------------------------------------------------------------

    def _on_enter(self) -> None:
        """Before the page's data is read on load: query parameters, defaults (pages override)."""

    def _load(self, session: Session, actor: User) -> None:
        """Read the page's data through the services (pages override). Runs in a worker thread."""

    def _clear(self) -> None:
        """Forget the page's data: the read was refused (pages override)."""

    def _load_key(self) -> tuple[Any, ...] | None:
        """Every input of `_load` besides the database, the reader, his language, the address
        and the date: a page whose `_load` reads nothing else (no clock time, no file) returns
        them, and is not read again while they and the database stay the same (`load`).
        None (the default): read on every visit."""
        return None

    # --- the machinery ----------------------------------------------------------------------

    @rx.event
    async def load(self) -> Any:
        # Cleared only if set: assigning marks a var dirty (sent again) even with the same value.
        if self.errors:
            self.errors = {}
        if self.error:
            self.error = ""
        if self.notice:
            self.notice = ""
        if not self.submission:
            self.submission = secrets.token_urlsafe(12)
        self._on_enter()
        stamp = self._stamp()
        if stamp is not None and stamp == self._seen and clock.now() < self._seen_until:
            # Nothing committed since this tab read this page with the same inputs, as the same
            # person, this day: what it holds is what a read would give. No thread, no query.
            self._entered_again(self._seen_user)  # type: ignore[attr-defined]
            return None
        self._seen = ()
        result, user_id = await self._enter_as(self._load_or_fail)  # type: ignore[attr-defined]
        read = stamp is not None and result is None and user_id is not None
        if read and not (self.forbidden or self.errors):  # type: ignore[attr-defined]
            self._seen, self._seen_user = stamp, user_id
            self._seen_until = clock.now() + IDENTITY_TRUSTED
        return result

    def _stamp(self) -> tuple[Any, ...] | None:
        """What the page's data depends on, the database's commit counter first; None: unknown
        (not SQLite, or the page reads more than `_load_key` says)."""
        key = self._load_key()
        version = data_version() if key is not None else None
        if version is None:
            return None
        return (
            version,
            self.session_token,  # type: ignore[attr-defined]
            str(self.router.url),
            self.lang,  # type: ignore[attr-defined]
            clock.today_local(),
            key,
        )

    @rx.event
    def mark_busy(self, form: dict[str, Any]) -> None:
        """First event of a writing form's chain (cheap: on the loop)."""
        self.busy = text(form, FORM_ID_FIELD, 80)

    @rx.event
    def clear_busy(self) -> None:
        """Last event of the chain, whatever the handler did."""
        self.busy = ""

    def _replayed(self, form: Any) -> bool:
        """This form's submission was already written (or never issued by this page)."""
        return text(form, SUBMISSION_FIELD, 64) != self.submission

    def _written(self) -> None:
        self.submission = secrets.token_urlsafe(12)

    def _tr(self, msgid: str, **params: Any) -> str:
        """A msgid in the reader's language, for text a state builds (core/i18n)."""
        return gettext_in(self.lang, msgid, **params)  # type: ignore[attr-defined]

    def _fail(self, exc: ServiceError) -> None:
        """The one error path of every page state, in the reader's language."""
        field = exc.field if isinstance(exc, ValidationError) else None
        message = exc.in_language(self.lang)  # type: ignore[attr-defined]
        self.errors = {field or "form": message}
        self.error = "" if field in self._inline_fields else message

    def _load_or_fail(self, session: Session, actor: User | None) -> None:
        if self.forbidden:  # type: ignore[attr-defined]  # not his page: never read its data
            return
        try:
            self._load(session, actor)  # type: ignore[arg-type]
        except ServiceError as exc:
            session.rollback()
            self._clear()
            self._fail(exc)

    def _reload(self) -> None:
        """Re-read the page and the navbar (blocking: live updates and `_refresh` run it in a
        worker thread)."""
        self._seen = ()  # read by another path than `load`: the next visit reads again
        ident, _ = self._in_session(self._load_or_fail)  # type: ignore[attr-defined]
        self._apply_identity(ident)  # type: ignore[attr-defined]

    async def _run(self, fn: Callable[[Session, User | None], T]) -> T:
        self._seen = ()  # an action (a write, a filter, a download): the next visit reads again
        return await super()._run(fn)  # type: ignore[misc]

    async def _refresh(self) -> None:
        await asyncio.to_thread(self._reload)

    async def _act(
        self,
        fn: Callable[[Session, User | None], object],
        notice: str = "",
        form: Any = None,
        **notice_params: Any,
    ) -> bool:
        """Run a service as the acting user; on success show `notice` (a msgid, its fields from
        `notice_params`, in the reader's language) and re-read the page. With the submitted
        `form`: a submission already written is ignored, the page left as the first one made it."""
        if form is not None and self._replayed(form):
            return False
        self.errors, self.error, self.notice = {}, "", ""

        def work(session: Session, actor: User | None) -> bool:
            try:
                fn(session, actor)
            except ServiceError as exc:
                session.rollback()
                self._fail(exc)
                return False
            session.expire_all()  # the page is read afresh, as a new load would
            self._load_or_fail(session, actor)
            return True

        ok: bool = await self._run(work)  # type: ignore[attr-defined]
        if ok:
            self.notice = self._tr(notice, **notice_params) if notice else ""
            if form is not None:
                self._written()
        return ok

    async def _attempt(self, fn: Callable[[Session, User | None], Any], form: Any = None) -> Any:
        """Run a service for its result (a download, a redirect target); its error is shown
        through `_fail` and None returned (also for a `form` submission already written)."""
        if form is not None and self._replayed(form):
            return None
        self.errors, self.error = {}, ""

        def work(session: Session, actor: User | None) -> Any:
            try:
                return fn(session, actor)
            except ServiceError as exc:
                session.rollback()
                self._fail(exc)
                return None

        result = await self._run(work)  # type: ignore[attr-defined]
        if form is not None and result is not None:
            self._written()
        return result
