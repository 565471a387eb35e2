"""How pages write money: the currency comes from settings (`CURRENCY`, default KES), never a
literal in a page. Amounts are integer shillings."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.core import formats
from pms_app.core.i18n import N_, gettext
from pms_app.core.settings import get_settings


def currency() -> str:
    return get_settings().currency


money = formats.money  # `KES 12,500` (server side: notices, rows): core's one formatter


def money_var(amount: Any) -> Any:
    """The same for a state var holding a number, grouped in the browser: `KES 12,500`."""
    return rx.Var.create(f"{currency()} {amount.to(int):,}")


def in_currency(label: Any) -> Any:
    """A label or column header for an amount: `Monthly rent (KES)` (`label` may be `t(…)`)."""
    return label + f" ({currency()})"


# How a payment's method reads on pages and in exports (msgids: `method_label` translates).
METHOD_LABELS = {
    "mpesa_stk": N_("M-Pesa"),
    "mpesa_paybill": N_("Paybill"),
    "cash": N_("Cash"),
    "bank": N_("Bank"),
}


def method_label(method: str) -> str:
    """A method's name in the current language (server side, inside an event)."""
    return gettext(METHOD_LABELS.get(method, method))


# Status codes as people read them (badges). Pages compare the codes; they show these.
STATUS_LABELS = {
    "active": N_("active"),
    "ended": N_("ended"),
    "paid": N_("paid"),
    "pending": N_("pending"),
    "failed": N_("failed"),
    "voided": N_("voided"),
    "cancelled": N_("cancelled"),
    "review": N_("review"),
    # Nobody heard from M-Pesa in time: a manager checks the statement (#11.7).
    "unconfirmed": N_("unconfirmed — check your M-Pesa statement"),
    # An STK payment whose money was recorded from its paybill echo (payments.matching).
    "counted": N_("counted as paybill payment"),
}


def status_label(code: str) -> str:
    """A status code in the current language (server side, inside an event)."""
    return gettext(STATUS_LABELS[code]) if code in STATUS_LABELS else code


def money_axis_ticks() -> str:
    """A chart axis's tick formatter (a JS function): `KES 0`, `KES 950`, `KES 20k`, `KES 1.5M`,
    so the scale reads as money, short enough for a phone."""
    cur = currency().replace("\\", "").replace('"', "")
    return (
        "(v) => { const a = Math.abs(v); const s = a >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : "
        f'a >= 1e3 ? `${{+(v / 1e3).toFixed(1)}}k` : `${{v}}`; return "{cur} " + s; }}'
    )
