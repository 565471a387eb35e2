"""An error no service foresaw reaches the person as a plain message in his language, never as a
traceback nor as nothing (Reflex's default alert is a script the CSP blocks)."""

from __future__ import annotations

import logging

import pytest

from pms_app import pms_app as app_module
from pms_app.ui.shell.session import SessionState
from tests.factories.states import state_for


def test_the_app_routes_unexpected_errors_to_the_plain_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert app_module.app.backend_exception_handler is app_module.unexpected_error
    with caplog.at_level(logging.ERROR, logger="pms.errors"):
        event = app_module.unexpected_error(RuntimeError("database went away"))
    assert event is not None and event.handler.fn is SessionState.unexpected_error.fn
    assert "database went away" in caplog.text  # logged whole, for the operator


@pytest.mark.parametrize(
    ("lang", "start"), [("en", "Something went wrong on our side"), ("sw", "Kuna hitilafu")]
)
def test_the_message_speaks_the_readers_language_and_can_be_dismissed(
    lang: str, start: str
) -> None:
    st = state_for(SessionState)
    st.lang = lang
    st.unexpected_error()
    assert st.failure.startswith(start)
    assert "Traceback" not in st.failure and "database" not in st.failure
    st.dismiss_failure()
    assert st.failure == ""
