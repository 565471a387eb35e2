"""The translation layer: Swahili in its context, English outside, fields filled after translating."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from pms_app.core import formats
from pms_app.core.errors import NotFound, ValidationError
from pms_app.core.i18n import (
    Term,
    current_language,
    gettext,
    language,
    ngettext,
    use_language,
)
from pms_app.core.validation import clean_amount
from tests.asyncio_helpers import run


def test_unknown_or_missing_codes_fall_back_to_english() -> None:
    assert language("sw") == "sw"
    assert language(" SW ") == "sw"
    assert language("fr") == "en"
    assert language(None) == "en"
    assert language("sw" * 500) == "en"


def test_gettext_speaks_the_language_of_its_context_only() -> None:
    assert gettext("That lease was not found.") == "That lease was not found."
    with use_language("sw"):
        assert current_language() == "sw"
        assert gettext("That lease was not found.") == "Mkataba huo haukupatikana."
    assert current_language() == "en"


def test_a_template_is_translated_before_its_fields_are_filled() -> None:
    with use_language("sw"):
        text = gettext("Book at least {minutes} minutes.", minutes=30)
    assert text == "Weka nafasi ya angalau dakika 30."


def test_a_worker_thread_started_in_the_context_speaks_its_language() -> None:
    async def in_thread() -> str:
        with use_language("sw"):
            return await asyncio.to_thread(gettext, "That unit was not found.")

    assert run(in_thread()) == "Nyumba hiyo haikupatikana."


def test_plural_forms_follow_the_count() -> None:
    assert ngettext("{n} guest", "{n} guests", 1) == "1 guest"
    assert ngettext("{n} guest", "{n} guests", 1200) == "1,200 guests"
    with use_language("sw"):
        assert ngettext("{n} guest", "{n} guests", 1) == "mgeni 1"
        assert ngettext("{n} guest", "{n} guests", 3) == "wageni 3"


def test_a_service_error_keeps_english_and_renders_in_the_readers_language() -> None:
    try:
        clean_amount("1e20", "rent", "the rent")
    except ValidationError as exc:
        error = exc
    assert error.message.startswith("Enter the rent as a whole number of shillings")
    swahili = error.in_language("sw")
    assert "kodi" in swahili and "the rent" not in swahili
    assert NotFound("lease").in_language("sw") == "Mkataba huo haukupatikana."
    assert NotFound("lease").message == "That lease was not found."


def test_a_term_starting_a_sentence_is_capitalised_after_translation() -> None:
    try:
        clean_amount("12345678901", "rent", "the rent")
    except ValidationError as exc:
        error = exc
    assert error.message == "The rent looks too large."
    assert error.in_language("sw").startswith("Kodi ")
    assert Term.first("the rent").shown() == "The rent"


def test_dates_use_the_month_and_day_names_of_the_language() -> None:
    moment = datetime(2026, 12, 3, 22, 10, tzinfo=UTC)
    assert formats.day(date(2026, 12, 3)) == "3 Dec 2026"
    assert formats.moment(moment, "Africa/Nairobi") == "4 Dec 2026, 01:10"
    with use_language("sw"):
        assert formats.day(date(2026, 12, 3)) == "3 Des 2026"
        assert formats.weekday_day(date(2026, 12, 3)) == "Alhamisi 3 Des 2026"
        assert formats.month(date(2026, 8, 1)) == "Agosti 2026"
    assert formats.month(date(2026, 8, 1)) == "August 2026"
