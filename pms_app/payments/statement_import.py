"""Statement import (#11.8): the paybill confirmations that never arrived, from the M-PESA org
portal's statement export.

Safaricom does not retry a paybill confirmation lost while the app was down; the statement has
every line. `preview` reads the file and sorts each paid-in line, writing nothing:
- matched: its receipt is already a payment here (an STK payment, a paybill confirmation);
- missing: no payment has it and its account number names an active lease: it will be credited;
- unknown: no payment has it and no lease matches: it will wait in the unallocated queue with
  its suggested lease, like unmatched paybill money;
- ignored, with the reason: withdrawals and charges, lines not completed, lines of another
  short code, lines of properties the importer does not manage, repeats within the file.
`apply` sorts the file again (the database may have moved since the preview) and records each
missing or unknown line through `paybill.process_c2b_confirmation`, the path of a live
confirmation: deduplicated on the receipt across STK and paybill, credited once. Importing the
same file twice changes nothing. One audit event per import names the file and its counts.

Whose lines: the install has one paybill (or till); a line's property is the one its account
number's prefix names (the lease's, else `property_for_ref`) — how live paybill money finds its
managers. A landlord or manager imports only lines of properties he manages; a line whose
account number names no property goes to the queue only when an admin imports it (the queue
shows such money to admins only)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from pms_app.accounts.models import Role, User
from pms_app.core import audit
from pms_app.core.errors import NotFound, ServiceError
from pms_app.core.i18n import N_
from pms_app.core.settings import get_settings
from pms_app.integrations import storage
from pms_app.integrations.daraja_wire import C2BPayment, nairobi_timestamp
from pms_app.leases.service import active_lease_for_ref
from pms_app.payments.models import Payment, PaymentStatus
from pms_app.payments.paybill import process_c2b_confirmation
from pms_app.payments.statement_file import (
    NAIROBI,
    UNREADABLE,
    StatementLine,
    read_statement,
)
from pms_app.properties.access import managed_property_ids, require_approved
from pms_app.properties.account_numbers import property_for_ref

WITHDRAWAL = N_("withdrawal or charge")
NOT_COMPLETED = N_("not completed")
OTHER_SHORTCODE = N_("another short code")
OTHER_ACCOUNT = N_("not a property you manage")
REPEATED = N_("repeated in the file")
FILE_CHANGED = N_("The file is not the one previewed: upload it again.")
FILE_GONE = N_("The previewed file is gone: upload it again.")
_CHUNK = 500  # receipts looked up per query


@dataclass(frozen=True)
class PreviewLine:
    row: int
    receipt: str
    completed_at: datetime | None
    amount: int
    account: str
    payer: str
    lease_id: int | None = None
    lease_ref: str = ""  # the lease the money goes (or went) to
    property_id: int | None = None
    reason: str = ""  # ignored lines: why (a msgid); matched lines: the payment's status
    line: StatementLine | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Preview:
    token: str  # the file's SHA-256: Confirm applies exactly the file previewed
    filename: str
    shortcode: str
    period: tuple[datetime, datetime] | None  # first and last completion time (UTC)
    matched: tuple[PreviewLine, ...]
    missing: tuple[PreviewLine, ...]
    unknown: tuple[PreviewLine, ...]
    ignored: tuple[PreviewLine, ...]

    @property
    def to_write(self) -> int:
        return len(self.missing) + len(self.unknown)


@dataclass(frozen=True)
class ImportResult:
    token: str
    credited: int  # missing lines now credited to their lease
    queued: int  # unknown lines now in the unallocated queue
    already: int  # matched, or recorded meanwhile by a live confirmation
    ignored: int


def file_token(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _importer(session: Session, actor: User | None) -> User:
    user = require_approved(session, actor)
    if user.role not in (Role.ADMIN, Role.LANDLORD, Role.MANAGER):
        raise NotFound("page")
    return user


def _our_shortcodes() -> set[str]:
    s = get_settings()
    return {c for c in (s.daraja_shortcode, s.daraja_till_number) if c}


def _existing(session: Session, receipts: list[str]) -> dict[str, Payment]:
    """The payments already holding these receipts (as M-Pesa receipt or paybill TransID)."""
    found: dict[str, Payment] = {}
    for i in range(0, len(receipts), _CHUNK):
        chunk = receipts[i : i + _CHUNK]
        rows = session.exec(
            select(Payment).where(
                or_(col(Payment.mpesa_receipt).in_(chunk), col(Payment.trans_id).in_(chunk))
            )
        ).all()
        for p in rows:
            for key in (p.mpesa_receipt, p.trans_id):
                if key:
                    found[key] = p
    return found


def _sort(session: Session, user: User, data: bytes, filename: str) -> Preview:
    statement = read_statement(data, filename)
    ours = _our_shortcodes()
    whole_file_other = bool(statement.shortcode) and statement.shortcode not in ours
    managed = set(managed_property_ids(session, user))
    is_admin = user.role == Role.ADMIN
    groups: dict[str, list[PreviewLine]] = {"matched": [], "missing": [], "unknown": []}
    ignored: list[PreviewLine] = []
    seen: set[str] = set()
    candidates: list[StatementLine] = []

    def base(ln: StatementLine, **more: Any) -> PreviewLine:
        return PreviewLine(
            row=ln.row,
            receipt=ln.receipt,
            completed_at=ln.completed_at,
            amount=ln.paid_in or ln.withdrawn or 0,
            account=ln.account,
            payer=ln.payer,
            line=ln,
            **more,
        )

    for ln in statement.lines:
        if ln.paid_in is None or ln.withdrawn is None or not ln.receipt:
            reason = UNREADABLE
        elif ln.paid_in == 0:
            reason = WITHDRAWAL
        elif ln.status and ln.status.lower() != "completed":
            reason = NOT_COMPLETED
        elif whole_file_other or (ln.shortcode and ln.shortcode not in ours):
            reason = OTHER_SHORTCODE
        elif ln.receipt in seen:
            reason = REPEATED
        else:
            seen.add(ln.receipt)
            candidates.append(ln)
            continue
        ignored.append(base(ln, reason=reason))
    existing = _existing(session, [ln.receipt for ln in candidates])
    leases: dict[str, tuple[int | None, str, int | None]] = {}  # account → lease id, ref, property
    for ln in candidates:
        held = existing.get(ln.receipt)
        if held is not None:
            if is_admin or held.property_id in managed:
                groups["matched"].append(
                    base(
                        ln, lease_id=held.lease_id, property_id=held.property_id, reason=held.status
                    )
                )
            else:
                ignored.append(base(ln, reason=OTHER_ACCOUNT))
            continue
        if ln.account not in leases:
            lease = active_lease_for_ref(session, ln.account)
            leases[ln.account] = (
                (lease.id, lease.account_ref, lease.property_id)
                if lease
                else (None, "", property_for_ref(session, ln.account))
            )
        lease_id, ref, prop = leases[ln.account]
        if not is_admin and prop not in managed:
            ignored.append(base(ln, reason=OTHER_ACCOUNT))
            continue
        group = "missing" if lease_id else "unknown"
        groups[group].append(base(ln, lease_id=lease_id, lease_ref=ref, property_id=prop))
    times = [ln.completed_at for ln in statement.lines if ln.completed_at and ln.paid_in]
    return Preview(
        token=file_token(data),
        filename=filename,
        shortcode=statement.shortcode,
        period=(min(times), max(times)) if times else None,
        matched=tuple(groups["matched"]),
        missing=tuple(groups["missing"]),
        unknown=tuple(groups["unknown"]),
        ignored=tuple(ignored),
    )


def preview(session: Session, actor: User | None, data: bytes, filename: str) -> Preview:
    """What importing this statement would do, writing nothing."""
    user = _importer(session, actor)
    try:
        return _sort(session, user, data, filename)
    finally:
        session.rollback()  # only reads: end the transaction (SQLite readers block no one)


def _confirmation(ln: StatementLine, shortcode: str) -> C2BPayment:
    first, _sep, last = ln.payer.partition(" ")
    return C2BPayment(
        trans_id=ln.receipt,
        trans_time=nairobi_timestamp(ln.completed_at) if ln.completed_at else "",
        amount=ln.paid_in or 0,
        bill_ref=ln.account,
        msisdn=ln.msisdn,
        first_name=first,
        last_name=last,
        shortcode=ln.shortcode or shortcode,
    )


def apply(
    session: Session,
    actor: User | None,
    data: bytes,
    filename: str,
    token: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Record the statement's missing and unknown lines as the paybill confirmations they are.
    `token`: the previewed file's (Confirm must apply what the manager saw). `progress(done,
    total)` is called as lines are recorded. Each line commits on its own, as a live
    confirmation does: an import interrupted half-way is finished by importing again."""
    user = _importer(session, actor)
    if token is not None and token != file_token(data):
        raise ServiceError(FILE_CHANGED)
    sorted_ = _sort(session, user, data, filename)
    shortcode = get_settings().daraja_shortcode
    work = [*sorted_.missing, *sorted_.unknown]
    credited = queued = raced = 0
    for done, item in enumerate(work, start=1):
        assert item.line is not None
        day = item.line.completed_at.astimezone(NAIROBI).date() if item.line.completed_at else None
        payment = process_c2b_confirmation(session, _confirmation(item.line, shortcode), day)
        if payment.trans_id != item.receipt and payment.mpesa_receipt != item.receipt:
            raced += 1  # not expected: the holder of this receipt is someone else's row
        elif payment.status == PaymentStatus.UNALLOCATED:
            queued += 1
        elif payment.method == "mpesa_paybill" and payment.lease_id == item.lease_id:
            credited += 1
        else:
            raced += 1  # an STK payment or live confirmation took it meanwhile: once only
        if progress and (done % 50 == 0 or done == len(work)):
            progress(done, len(work))
    result = ImportResult(
        token=sorted_.token,
        credited=credited,
        queued=queued,
        already=len(sorted_.matched) + raced,
        ignored=len(sorted_.ignored),
    )
    props = {i.property_id for i in work} | {i.property_id for i in sorted_.matched}
    audit.record(
        session,
        user.id,
        object_type="mpesa_statement",
        object_id=int(sorted_.token[:7], 16),  # the file's: its imports read as one history
        action="import",
        property_id=next(iter(props)) if len(props) == 1 else None,
        after={
            "file": filename[:120],
            "sha256": sorted_.token,
            "credited": credited,
            "queued": queued,
            "already": result.already,
            "ignored": result.ignored,
        },
    )
    session.commit()
    return result


# The uploaded file between preview and Confirm: private storage (never the public upload
# folder), a generated name the page keeps on the server side only.
def keep(data: bytes) -> str:
    return storage.save(data, "xlsx" if data.startswith(b"PK\x03\x04") else "csv")


def kept(stored_name: str) -> bytes:
    try:
        return storage.read(stored_name)
    except FileNotFoundError:
        raise ServiceError(FILE_GONE) from None


def discard(stored_name: str) -> None:
    storage.delete(stored_name)
