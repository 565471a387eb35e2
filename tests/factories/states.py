"""Reflex states, called as a (possibly malicious) client would."""

from __future__ import annotations

from typing import Any


def state_for(cls: type, token: str | None = "") -> Any:
    """A page state attached to a fresh root state, logged in with `token` ("" = anonymous;
    None: a state that has no login session, like the simulator's phone)."""
    from reflex.state import State

    import pms_app.pms_app  # noqa: F401  (registers every page state)

    root = State(_reflex_internal_init=True)  # type: ignore[call-arg]
    st = root.get_substate(cls.get_full_name().split(".")[1:])  # type: ignore[attr-defined]
    if token is not None:
        st.session_token = token
    return st


def keyed(state: Any, form: dict[str, Any]) -> dict[str, Any]:
    """`form` as the page's own form sends it: with the page's current submission key (a form
    without it, or with a spent one, is a replay and writes nothing: PageState._replayed)."""
    from pms_app.ui.shell.forms import SUBMISSION_FIELD

    return {**form, SUBMISSION_FIELD: state.submission}
