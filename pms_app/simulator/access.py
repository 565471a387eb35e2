"""Who may use the simulator's phone page: an admin, or whoever has the install's phone key.

The key is derived from SECRET_KEY (`settings.simulator_phone_key`); `python -m pms_app.cli run`
prints the page's address with it. A tenant who could open the page could "pay" his own rent
with invented money, so the Rent page links to it without the key.
"""

from __future__ import annotations

import hmac

from pms_app.accounts import service as accounts
from pms_app.accounts.models import Role
from pms_app.core.db import session_scope
from pms_app.core.i18n import N_
from pms_app.core.settings import Settings, get_settings

LOCKED_MESSAGE = N_("This page needs the simulator key or an admin login.")


def phone_page_url(settings: Settings | None = None) -> str:
    s = settings or get_settings()
    return f"{s.base_url}/simulator/phone?key={s.simulator_phone_key}"


def phone_key_ok(candidate: object, settings: Settings | None = None) -> bool:
    s = settings or get_settings()
    if not isinstance(candidate, str) or not candidate or len(candidate) > 200:
        return False
    return hmac.compare_digest(candidate.encode(), s.simulator_phone_key.encode())


def is_admin(session_token: str) -> bool:
    """An active admin's session (re-read from the database: a logout counts at once)."""
    if not session_token:
        return False
    with session_scope() as session:
        user = accounts.user_for_token(session, session_token)
        return user is not None and user.role == Role.ADMIN


def may_use_phone(unlocked: bool, session_token: str) -> bool:
    """The simulator is in use and this browser gave the key earlier or is an admin's."""
    return get_settings().uses_simulator and (unlocked or is_admin(session_token))
