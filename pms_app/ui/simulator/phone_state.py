"""/simulator/phone's state: a pretend M-Pesa phone for the simulator.

The person types a phone number, sees the STK prompts sent to it (refreshed every second by a
background event while the page is open), answers the oldest one (PIN + Send, Cancel, or let it
time out), and can pay a bill by C2B. Exists only when settings.uses_simulator; register it with
`register_phone_page(app)`. Only an admin, or a browser that opened it with the install's phone
key (`?key=…`, remembered in a backend-only var), may use it: every handler checks, since any
client can call any handler. The state holds no secrets (no callback URLs, no tokens, no key).
Not a member page: it keeps its own on_load (the key check); its database work runs in worker
threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import reflex as rx

from pms_app.core.db import session_scope
from pms_app.core.errors import ValidationError
from pms_app.core.i18n import gettext_in
from pms_app.core.validation import clean_phone
from pms_app.integrations.daraja_wire import result_message
from pms_app.simulator import c2b as sim_c2b
from pms_app.simulator import stk
from pms_app.simulator.access import may_use_phone, phone_key_ok
from pms_app.simulator.wire import TXN_TYPES, SimulatorError, WireError
from pms_app.ui.shell.formatting import currency, money
from pms_app.ui.shell.session import SessionState

ROUTE = "/simulator/phone"
POLL_INTERVAL_S = 1.0
MAX_POLL_S = 30 * 60  # a forgotten tab stops polling after half an hour

EMPTY: dict[str, list[dict[str, str]]] = {"prompts": [], "history": [], "c2b": []}


def _snapshot_if_allowed(
    phone: str, unlocked: bool, session_token: str
) -> dict[str, list[dict[str, str]]] | None:
    """The poller's read (in a worker thread): None once the browser may no longer use it."""
    if not may_use_phone(unlocked, session_token):
        return None
    return _snapshot(phone) if phone else EMPTY


def _snapshot(phone: str) -> dict[str, list[dict[str, str]]]:
    """Plain data for the page (runs in a worker thread)."""
    with session_scope() as session:
        prompts = [
            {
                "id": r.checkout_request_id,
                "amount": f"{r.amount:,}",
                "account": r.account_ref,
                "business": r.shortcode,
                "description": r.description,
            }
            for r in stk.pending_prompts(session, phone)
        ]
        history = [
            {
                "id": r.checkout_request_id,
                "amount": f"{r.amount:,}",
                "account": r.account_ref,
                "business": r.shortcode,
                "code": r.result_code or "",
                "result": result_message(r.result_code),
            }
            for r in stk.recent_answers(session, phone)
        ]
        paid = [
            {
                "id": t.trans_id,
                "amount": f"{t.amount:,}",
                "account": t.bill_ref,
                "business": t.shortcode,
                "status": t.status,
            }
            for t in sim_c2b.c2b_transactions(session, phone)
        ]
    return {"prompts": prompts, "history": history, "c2b": paid}


def _tab_connected(client_token: str) -> bool:
    """Best effort: is this browser tab's websocket still connected to this worker?"""
    try:
        from reflex.utils.prerequisites import get_and_validate_app

        namespace = get_and_validate_app().app.event_namespace
    except Exception:
        return True
    return namespace is None or not client_token or client_token in namespace.token_to_sid


def _form(form: object) -> dict[str, Any]:
    """A handler's form argument as sent by any client: anything but a dict counts as empty."""
    return form if isinstance(form, dict) else {}


PAYBILL_COMMAND = TXN_TYPES[0]  # a C2B paybill payment's CommandID


def _outcome_text(lang: str, code: str, amount: int, business: str, receipt: str | None) -> str:
    if code == "0":
        return gettext_in(
            lang,
            "You paid {amount} to {business}. M-Pesa receipt {receipt}.",
            amount=money(amount),
            business=business,
            receipt=receipt,
        )
    return result_message(code)  # M-Pesa's own words for a failure (integrations/daraja_wire)


class PhoneState(SessionState):
    locked: bool = True  # UI only: the handlers check access themselves
    phone: str = ""  # 2547XXXXXXXX being watched
    phone_error: str = ""
    outcome: str = ""
    prompts: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    c2b: list[dict[str, str]] = []
    current_id: str = ""  # the prompt on screen (the oldest pending one)
    current_amount: str = ""
    current_account: str = ""
    current_business: str = ""
    polling: bool = False
    c2b_notice: str = ""
    c2b_error: str = ""
    _poll_gen: int = 0
    _unlocked: bool = False  # this browser gave the phone key (never sent to it)

    async def _allowed(self) -> bool:
        """Checked first by every handler; a refused caller's page is emptied."""
        if await asyncio.to_thread(may_use_phone, self._unlocked, self.session_token):
            self.locked = False
            return True
        self.locked, self.phone, self.outcome = True, "", ""
        self.phone_error, self.c2b_notice, self.c2b_error = "", "", ""
        self._poll_gen += 1  # stops a poller
        self._apply(EMPTY)
        return False

    def _apply(self, snap: dict[str, list[dict[str, str]]]) -> None:
        self.prompts, self.history, self.c2b = snap["prompts"], snap["history"], snap["c2b"]
        first = self.prompts[0] if self.prompts else {}
        self.current_id = first.get("id", "")
        self.current_amount = first.get("amount", "")
        self.current_account = first.get("account", "")
        self.current_business = first.get("business", "")

    @rx.event
    async def load(self) -> Any:
        if phone_key_ok(self.router.url.query_parameters.get("key", "")):
            self._unlocked = True
        if not await self._allowed():
            return None
        raw = str(self.router.url.query_parameters.get("phone", ""))[:20]
        if raw:
            return await self._watch(raw)
        if self.phone:
            return PhoneState.poll
        return None

    @rx.event
    async def watch(self, form: dict[str, Any]) -> Any:
        return await self._watch(str(_form(form).get("phone", ""))[:20])

    async def _watch(self, raw: str) -> Any:
        if not await self._allowed():
            return None
        self.phone_error, self.outcome, self.c2b_notice, self.c2b_error = "", "", "", ""
        try:
            self.phone = clean_phone(raw)
        except ValidationError as exc:
            self.phone_error = exc.in_language(self.lang)
            return None
        self._apply(await asyncio.to_thread(_snapshot, self.phone))
        return PhoneState.poll

    @rx.event
    def forget(self) -> None:
        self.phone, self.outcome = "", ""
        self._poll_gen += 1  # stops the poller
        self._apply(EMPTY)

    @rx.event(background=True)
    async def poll(self) -> None:
        async with self:
            self._poll_gen += 1
            gen = self._poll_gen
            unlocked, token = self._unlocked, self.session_token
        if await asyncio.to_thread(_snapshot_if_allowed, "", unlocked, token) is None:
            return
        async with self:
            self.polling = gen == self._poll_gen
        started = time.monotonic()
        while time.monotonic() - started < MAX_POLL_S:
            await asyncio.sleep(POLL_INTERVAL_S)
            async with self:
                still_here = (
                    gen == self._poll_gen
                    and bool(self.phone)
                    and self.router.url.path.rstrip("/").endswith(ROUTE)
                    and _tab_connected(self.router.session.client_token)
                )
                phone, unlocked, token = self.phone, self._unlocked, self.session_token
            if not still_here:
                break
            try:
                snap = await asyncio.to_thread(_snapshot_if_allowed, phone, unlocked, token)
            except Exception:
                continue  # a DB hiccup: try again next second
            if snap is None:
                break  # no longer allowed (an admin logged out)
            async with self:
                if gen != self._poll_gen:
                    break
                self._apply(snap)
        async with self:
            if gen == self._poll_gen:
                self.polling = False

    async def _answer(self, action: str, pin: str | None = None) -> None:
        if not await self._allowed():
            return
        if not self.current_id:
            self.outcome = gettext_in(self.lang, "There is no prompt to answer.")
            return
        checkout, lang = self.current_id, self.lang

        def answer() -> str:
            try:
                with session_scope() as session:
                    req = stk.answer(session, checkout, action, pin)
                    return _outcome_text(
                        lang, req.result_code or "", req.amount, req.shortcode, req.receipt
                    )
            except SimulatorError as exc:
                return exc.message

        self.outcome = await asyncio.to_thread(answer)
        self._apply(await asyncio.to_thread(_snapshot, self.phone))

    @rx.event
    async def send_pin(self, form: dict[str, Any]) -> None:
        await self._answer(stk.ACCEPT, str(_form(form).get("pin", ""))[:12])

    @rx.event
    async def cancel(self) -> None:
        await self._answer(stk.CANCEL)

    @rx.event
    async def let_time_out(self) -> None:
        await self._answer(stk.TIMEOUT)

    @rx.event
    async def pay_bill(self, form: dict[str, Any]) -> None:
        self.c2b_notice, self.c2b_error = "", ""
        if not await self._allowed():
            return
        if not self.phone:
            self.c2b_error = gettext_in(self.lang, "Enter your phone number first.")
            return
        form = _form(form)
        paybill = str(form.get("paybill", "")).strip()[:10]
        account = str(form.get("account", "")).strip()[:20]
        amount = str(form.get("amount", "")).replace(",", "").strip()[:9]
        body = {
            "ShortCode": paybill,
            "CommandID": PAYBILL_COMMAND,
            "Amount": amount,
            "Msisdn": self.phone,
            "BillRefNumber": account,
        }

        def simulate() -> str:
            try:
                with session_scope() as session:
                    sim_c2b.simulate_c2b(session, body)
            except WireError as exc:
                return exc.message.rpartition(" - ")[2]  # "Bad Request - Invalid Amount"
            return ""

        if error := await asyncio.to_thread(simulate):
            self.c2b_error = error
            return
        self.c2b_notice = gettext_in(
            self.lang,
            "Sent {currency} {amount} to paybill {paybill}, account {account}.",
            currency=currency(),
            amount=amount,
            paybill=paybill,
            account=account,
        )
        self._apply(await asyncio.to_thread(_snapshot, self.phone))
