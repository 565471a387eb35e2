"""A person's language is saved on his account; anything unknown is saved as English."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from pms_app.accounts import service as accounts
from pms_app.accounts.models import User
from pms_app.core.errors import NotAuthenticated
from tests import factories as f


def test_the_chosen_language_is_saved_and_unknown_codes_become_english(session: Session) -> None:
    owner = f.landlord(session)
    assert owner.language == ""
    accounts.set_language(session, owner, "sw")
    assert session.get(User, owner.id).language == "sw"
    accounts.set_language(session, owner, "<script>")
    assert session.get(User, owner.id).language == "en"


def test_nobody_logged_in_saves_nothing(session: Session) -> None:
    with pytest.raises(NotAuthenticated):
        accounts.set_language(session, None, "sw")


def test_a_tenant_waiting_for_approval_may_choose_his_language(session: Session) -> None:
    waiting = f.tenant(session, f.property_(session, f.landlord(session)), approved=False)
    accounts.set_language(session, waiting, "sw")
    assert session.get(User, waiting.id).language == "sw"
