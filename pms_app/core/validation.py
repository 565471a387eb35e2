"""Field validators shared by services. Each returns the cleaned value or raises ValidationError."""

from __future__ import annotations

import re
from datetime import date, datetime

from pms_app.core.errors import ValidationError
from pms_app.core.i18n import Term

_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")


def clean_email(value: str, field: str = "email") -> str:
    email = (value or "").strip().lower()
    if not email:
        raise ValidationError("Enter your email address.", field)
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise ValidationError("Enter a valid email address, like name@example.com.", field)
    return email


def clean_name(value: str, field: str = "full_name", what: str = "your name") -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ValidationError("Enter {what}.", field, what=Term(what))
    if len(name) > 120:
        raise ValidationError("Keep it under 120 characters.", field)
    return name


def clean_text(value: str, field: str, what: str, max_len: int, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError("Enter {what}.", field, what=Term(what))
    if len(text) > max_len:
        raise ValidationError(
            "Keep {what} under {max_len} characters.", field, what=Term(what), max_len=max_len
        )
    return text


def clean_phone(value: str, field: str = "phone", required: bool = True) -> str:
    """Kenyan mobile numbers in any common form → 2547XXXXXXXX / 2541XXXXXXXX."""
    raw = re.sub(r"[\s\-()]", "", value or "")
    if not raw:
        if required:
            raise ValidationError("Enter your phone number.", field)
        return ""
    if raw.startswith("+"):
        raw = raw[1:]
    if re.fullmatch(r"0[17]\d{8}", raw):
        raw = "254" + raw[1:]
    elif re.fullmatch(r"[17]\d{8}", raw):
        raw = "254" + raw
    if not re.fullmatch(r"254[17]\d{8}", raw):
        raise ValidationError("Enter a Kenyan mobile number, like 0712 345 678.", field)
    return raw


def clean_amount(
    value: str | int | None, field: str, what: str, required: bool = False
) -> int | None:
    """Whole shillings, 0 … 10,000,000."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError("Enter {what}.", field, what=Term(what))
        return None
    text = str(value).replace(",", "").strip()
    if re.fullmatch(r"\d{10,}", text):  # digits, but more than any rent: a slip of the finger
        raise ValidationError("{what} looks too large.", field, what=Term.first(what))
    if not re.fullmatch(r"\d{1,9}", text):  # 1e20, 12.50, -5, KES 500
        raise ValidationError(
            "Enter {what} as a whole number of shillings, like 15000 (no decimals or signs).",
            field,
            what=Term(what),
        )
    amount = int(text)
    if amount > 10_000_000:
        raise ValidationError("{what} looks too large.", field, what=Term.first(what))
    return amount


def clean_int(value: str | int | None, field: str, what: str, lo: int, hi: int) -> int:
    text = str(value if value is not None else "").strip()
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise ValidationError("Enter {what} as a number.", field, what=Term(what))
    n = int(text)
    if not lo <= n <= hi:
        raise ValidationError(
            "{what} must be between {lo} and {hi}.", field, what=Term.first(what), lo=lo, hi=hi
        )
    return n


def clean_unit_label(value: str, field: str = "label") -> str:
    label = (value or "").strip().upper()
    if not label:
        raise ValidationError("Enter a unit label, like A1.", field)
    if len(label) > 20 or not re.fullmatch(r"[A-Z0-9][A-Z0-9 \-/.]*", label):
        raise ValidationError(
            "Use letters, digits, spaces, - / or . (at most 20 characters).", field
        )
    return label


# Dates people type or a client sends: anything outside this range is a typo or an attack, and
# arithmetic on year 9999 (a week later, a month's end) overflows.
EARLIEST_DATE, LATEST_DATE = date(1970, 1, 1), date(2099, 12, 31)


def check_date_range(value: date, field: str, what: str) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            "Enter {what} between {earliest} and {latest}.",
            field,
            what=Term(what),
            earliest=EARLIEST_DATE.year,
            latest=LATEST_DATE.year,
        )
    return value
