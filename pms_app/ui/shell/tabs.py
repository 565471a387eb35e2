"""Which browser tabs this web worker serves, per user: where live updates go (shell/live.py).
Per process on purpose: the worker that holds a tab's websocket is the one that can push to it."""

from __future__ import annotations

from collections import OrderedDict

MAX_TABS_PER_USER = 20
# user id → client tokens of the tabs this web worker served (newest last).
_tabs: dict[int, OrderedDict[str, None]] = {}


def register_tab(user_id: int, client_token: str) -> None:
    tabs = _tabs.setdefault(user_id, OrderedDict())
    tabs[client_token] = None
    tabs.move_to_end(client_token)
    while len(tabs) > MAX_TABS_PER_USER:
        tabs.popitem(last=False)


def tabs_of(user_id: int) -> list[str]:
    return list(_tabs.get(user_id, ()))


def forget_tab(user_id: int, client_token: str) -> None:
    tabs = _tabs.get(user_id)
    if tabs is not None:
        tabs.pop(client_token, None)
