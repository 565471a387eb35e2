"""/payments/import's state: upload an M-PESA statement, see what importing it would do, then
Confirm (#11.8). The file waits in private storage between the two (its name is a backend
var, never sent to the browser); Confirm runs in the background with progress."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import reflex as rx

from pms_app.core import formats
from pms_app.core.db import session_scope
from pms_app.core.errors import ServiceError
from pms_app.core.i18n import use_language
from pms_app.payments import statement_import as si
from pms_app.payments.statement_file import MAX_BYTES
from pms_app.properties.identity import session_identity
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

SHOWN = 200  # lines listed per group; the counts say how many there are


class StatementImportState(PageState, SessionState):
    _inline_fields: ClassVar[frozenset[str]] = frozenset({"file"})
    filename: str = ""
    period: str = ""
    token: str = ""
    counts: dict[str, int] = {}
    matched: list[dict[str, str]] = []
    missing: list[dict[str, str]] = []
    unknown: list[dict[str, str]] = []
    ignored: list[dict[str, str]] = []
    importing: bool = False
    progress: int = 0
    progress_total: int = 0
    _stored: str = ""  # the previewed file in private storage

    def _clear(self) -> None:
        self._forget()

    def _forget(self) -> None:
        if self._stored:
            si.discard(self._stored)
        self._stored, self.token, self.filename, self.period = "", "", "", ""
        self.counts, self.matched, self.missing, self.unknown, self.ignored = {}, [], [], [], []

    def _rows(self, lines: tuple[si.PreviewLine, ...], why: bool = False) -> list[dict[str, str]]:
        return [
            {
                "row": str(ln.row),
                "receipt": ln.receipt,
                "time": formats.moment(ln.completed_at) if ln.completed_at else "",
                "amount": f"{ln.amount:,}",
                "account": ln.account,
                "lease": ln.lease_ref,
                "payer": ln.payer,
                "why": self._tr(ln.reason) if why and ln.reason else "",
            }
            for ln in lines[:SHOWN]
        ]

    def _show(self, p: si.Preview) -> None:
        self.token, self.filename = p.token, p.filename
        self.period = (
            f"{formats.moment(p.period[0])} – {formats.moment(p.period[1])}" if p.period else ""
        )
        self.counts = {
            "matched": len(p.matched),
            "missing": len(p.missing),
            "unknown": len(p.unknown),
            "ignored": len(p.ignored),
            "to_write": p.to_write,
        }
        self.matched, self.missing = self._rows(p.matched), self._rows(p.missing)
        self.unknown, self.ignored = self._rows(p.unknown), self._rows(p.ignored, why=True)

    @rx.event
    def files_rejected(self, rejected: list[Any]) -> None:
        """The browser refused the file (type or size): say so beside the upload."""
        codes = {
            e.get("code")
            for errors in (rejected if isinstance(rejected, list) else [])
            for e in (errors if isinstance(errors, list) else [])
            if isinstance(e, dict)
        }
        self.notice = ""
        if "file-too-large" in codes:
            self.errors = {"file": self._tr("The file is larger than 10 MB.")}
        else:
            self.errors = {"file": self._tr("Upload the statement as a CSV or XLSX file.")}

    @rx.event
    async def upload_statement(self, files: list[rx.UploadFile]) -> Any:
        if self.importing:
            return None
        self.errors, self.error, self.notice = {}, "", ""
        upload = files[0] if isinstance(files, list) and files else None
        if not hasattr(upload, "read"):  # nothing chosen, or a forged event
            self.errors = {"file": self._tr("Choose a file first.")}
            return None
        data = await upload.read(MAX_BYTES + 1)  # the browser's limit is only a hint
        name = str(upload.name or upload.filename or "statement.csv")[:120]
        self._forget()
        found: si.Preview | None = await self._attempt(lambda s, a: si.preview(s, a, data, name))
        if found is not None:
            self._stored = await asyncio.to_thread(si.keep, data)
            self._show(found)
        return rx.clear_selected_files("statement-file")

    @rx.event
    def cancel(self) -> None:
        if not self.importing:
            self._forget()

    @rx.event(background=True)
    async def confirm(self, form: dict[str, Any]) -> None:
        """Apply the previewed file, once: a second click, a replayed or stale submission finds
        the page busy or its key spent; applying twice would change nothing anyway."""
        async with self:
            if self.importing or self._replayed(form) or not self._stored:
                return
            self._written()
            self.importing, self.progress, self.progress_total = (
                True,
                0,
                self.counts.get("to_write", 0),
            )
            self.errors, self.error, self.notice = {}, "", ""
            session_token, stored, name, token = (
                self.session_token,
                self._stored,
                self.filename,
                self.token,
            )
        box = {"done": 0}

        def work() -> si.ImportResult:
            with session_scope() as session:
                actor = session_identity(session, session_token).user
                data = si.kept(stored)
                return si.apply(
                    session, actor, data, name, token, progress=lambda d, _t: box.update(done=d)
                )

        task = asyncio.ensure_future(asyncio.to_thread(work))
        while not task.done():
            await asyncio.wait({task}, timeout=0.4)
            async with self:
                self.progress = box["done"]
        async with self:
            self.importing = False
            try:
                result = task.result()
            except ServiceError as exc:
                self._fail(exc)
                return
            self._forget()
            with use_language(self.lang):
                self.notice = self._tr(
                    "Statement imported: {credited} credited, {queued} waiting for a "
                    "manager, {already} already recorded, {ignored} ignored.",
                    credited=result.credited,
                    queued=result.queued,
                    already=result.already,
                    ignored=result.ignored,
                )
