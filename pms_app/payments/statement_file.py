"""Reading an M-PESA org portal statement export (CSV or XLSX) into plain lines (#11.8).

The portal writes a few preamble lines (organisation, short code, time period) before the
column header row; amounts read "1,500.00"; times "04-12-2026 14:03:22" (day first, Nairobi
time) or ISO; the other party is "2547 ***** 126 - JOHN DOE". Columns are found by their
header's words, so a reordered or extended export still reads. Nothing here touches the
database."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from pms_app.core.errors import ValidationError
from pms_app.core.i18n import N_

MAX_BYTES = 10 * 1024 * 1024  # a month of a busy paybill is a few MB
NAIROBI = ZoneInfo("Africa/Nairobi")  # the portal's times are Kenyan local times

# Header words (lower case, letters, digits and '/' only) → our field.
_COLUMNS = {
    "receipt": ("receipt no", "receipt number", "receipt", "transaction id"),
    "time": ("completion time", "completed time", "transaction time", "date"),
    "details": ("details", "description"),
    "status": ("transaction status", "status"),
    "paid_in": ("paid in", "paid in kes", "credit"),
    "withdrawn": ("withdrawn", "withdrawn kes", "debit"),
    "other": ("other party info", "other party", "opposite party"),
    "account": ("a/c no", "account no", "account number", "bill reference", "reference"),
    "shortcode": ("short code", "shortcode", "business short code"),
}
_SHORTCODE_KEYS = ("short code", "shortcode", "organisation short code", "organization short code")
_TIME_FORMATS = (
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
)
UNREADABLE = N_("unreadable line")


@dataclass(frozen=True)
class StatementLine:
    row: int  # the line's row in the file (1-based), for the manager to find it
    receipt: str
    completed_at: datetime | None  # UTC
    details: str
    status: str
    paid_in: int | None  # whole shillings; None: unreadable
    withdrawn: int | None
    msisdn: str
    payer: str
    account: str
    shortcode: str  # the line's own short code column, if the export has one


@dataclass(frozen=True)
class StatementFile:
    shortcode: str  # from the preamble ("Short Code: 600123"); "" if not given
    lines: tuple[StatementLine, ...]


def _words(cell: object) -> str:
    text = re.sub(r"[^a-z0-9/ ]", " ", str(cell or "").lower())
    return re.sub(r"\s+", " ", text).strip()


def amount(cell: object) -> int | None:
    """ "1,500.00", "KES 1,500", "-200.00", "" → whole shillings (0 for empty); None when not a
    number or with cents (paybill money is whole shillings)."""
    if isinstance(cell, int | float):
        cell = str(cell)
    raw = str(cell or "").strip()
    if raw in ("", "-"):
        return 0
    if not re.search(r"\d", raw):
        return None
    text = re.sub(r"[^0-9.\-]", "", raw)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    return abs(int(value))


def completion_time(cell: object) -> datetime | None:
    """A portal time (Nairobi) as UTC; None if unreadable."""
    if isinstance(cell, datetime):
        local = cell
    else:
        text = str(cell or "").strip()
        local = None
        for fmt in _TIME_FORMATS:
            try:
                local = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if local is None:
            try:
                local = datetime.fromisoformat(text)
            except ValueError:
                return None
    if local.tzinfo is None:
        local = local.replace(tzinfo=NAIROBI)
    return local.astimezone(UTC)


def _other_party(cell: object) -> tuple[str, str]:
    """ "2547 ***** 126 - JOHN DOE" → ("2547 ***** 126", "JOHN DOE")."""
    text = str(cell or "").strip()
    phone, sep, name = text.partition(" - ")
    if not sep:
        return ("", text) if not re.search(r"\d", text) else (text, "")
    return phone.strip(), name.strip()


def _rows(data: bytes, filename: str) -> Iterator[list[object]]:
    name = (filename or "").lower()
    if data.startswith(b"PK\x03\x04"):
        if not name.endswith(".xlsx"):
            raise ValidationError("Upload the statement as a CSV or XLSX file.", "file")
        yield from _xlsx_rows(data)
        return
    if b"\x00" in data[:4096] or not name.endswith((".csv", ".txt")):
        raise ValidationError("Upload the statement as a CSV or XLSX file.", "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


def _xlsx_rows(data: bytes) -> Iterator[list[object]]:
    from openpyxl import load_workbook  # only for XLSX uploads

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged or disguised file: say so, never a 500
        raise ValidationError("This XLSX file cannot be read.", "file") from exc
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else v for v in row]
    finally:
        book.close()


def _preamble_shortcode(row: list[object]) -> str:
    cells = [str(c or "").strip() for c in row]
    for i, cell in enumerate(cells):
        key, _sep, rest = cell.partition(":")
        if _words(key) in _SHORTCODE_KEYS:
            value = rest.strip() or (cells[i + 1] if i + 1 < len(cells) else "")
            return re.sub(r"\D", "", value)
    return ""


def _header(row: list[object]) -> dict[str, int] | None:
    names = [_words(c) for c in row]
    found: dict[str, int] = {}
    for field, aliases in _COLUMNS.items():
        for i, name in enumerate(names):
            if name in aliases and i not in found.values():
                found[field] = i
                break
    return found if {"receipt", "paid_in"} <= found.keys() else None


def read_statement(data: bytes, filename: str) -> StatementFile:
    """The statement's lines; ValidationError (field "file") for what is not a statement."""
    if not data:
        raise ValidationError("The file is empty.", "file")
    if len(data) > MAX_BYTES:
        raise ValidationError("The file is larger than 10 MB.", "file")
    shortcode, columns, lines = "", None, []
    for number, row in enumerate(_rows(data, filename), start=1):
        if columns is None:
            columns = _header(row)
            shortcode = shortcode or _preamble_shortcode(row)
            continue
        if not any(str(c).strip() for c in row):
            continue
        lines.append(_line(number, row, columns))
    if columns is None:
        raise ValidationError(
            "No column header (Receipt No., Paid In…) was found: is this an M-PESA statement?",
            "file",
        )
    return StatementFile(shortcode=shortcode, lines=tuple(lines))


def _line(number: int, row: list[object], columns: dict[str, int]) -> StatementLine:
    def cell(field: str) -> object:
        i = columns.get(field)
        return row[i] if i is not None and i < len(row) else ""

    msisdn, payer = _other_party(cell("other"))
    return StatementLine(
        row=number,
        receipt=re.sub(r"\s", "", str(cell("receipt"))).upper()[:30],
        completed_at=completion_time(cell("time")),
        details=str(cell("details")).strip()[:200],
        status=str(cell("status")).strip(),
        paid_in=amount(cell("paid_in")),
        withdrawn=amount(cell("withdrawn")),
        msisdn=msisdn[:20],
        payer=payer[:120],
        account=str(cell("account")).strip()[:40],
        shortcode=re.sub(r"\D", "", str(cell("shortcode"))),
    )
