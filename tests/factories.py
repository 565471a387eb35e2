"""Test data builders: the one place tests make users, properties and memberships."""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from pms_app.accounts import admin
from pms_app.accounts import service as accounts
from pms_app.accounts.models import Role, User
from pms_app.accounts.service import SignupForm
from pms_app.bookings.models import Booking, Facility, WaitlistEntry
from pms_app.bookings.service import FacilityForm
from pms_app.core import clock
from pms_app.core.errors import ServiceError
from pms_app.emails.models import EmailMessage
from pms_app.integrations.daraja import nairobi_timestamp
from pms_app.leases.models import Lease
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.properties import invitations, memberships
from pms_app.properties import service as properties
from pms_app.properties.models import Membership, MembershipStatus, Property, Unit

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


# --- the tests' calendar: every date comes from the app's clock (pms_app.core.clock) ---------------


def today() -> date:
    """Today per the app's clock, in the install's timezone (what the services call today)."""
    return clock.today_local()


def month_start(day: date | None = None) -> date:
    """The first day of `day`'s month (default: the clock's current month)."""
    return (day or today()).replace(day=1)


def last_year() -> int:
    """Last year per the clock: a whole calendar year that is always in the past, so tests can
    spell out month and day ("01-05") whatever today is. Fixed for the process even if the
    real year turns during a run, so dates computed before and after midnight agree."""
    return _last_year(clock.offset_days())


@lru_cache(maxsize=8)
def _last_year(_offset_days: int) -> int:
    return today().year - 1


def day(month_day: str) -> date:
    """`"03-15"` → 15 March of last_year()."""
    return date.fromisoformat(f"{last_year()}-{month_day}")


def iso(month_day: str) -> str:
    """`"03-15"` → "YYYY-03-15" of last_year(), as forms and ledger dates spell it."""
    return day(month_day).isoformat()


def _email(prefix: str) -> str:
    return f"{prefix}{next(_seq)}@example.test"


def _phone() -> str:
    return f"07{next(_seq) % 100_000_000:08d}"


def landlord(session: Session, email: str | None = None, name: str = "Lucy Landlord") -> User:
    user, _token = accounts.signup_landlord(
        session, SignupForm(name, email or _email("landlord"), _phone(), PASSWORD)
    )
    return user


def admin_user(session: Session) -> User:
    return admin.create_admin(session, _email("admin"), "Ada Admin", PASSWORD)


def property_(
    session: Session,
    owner: User,
    units: int = 3,
    name: str = "Sunrise Apartments",
    rent: int | None = 20000,
) -> Property:
    return properties.create_property(session, owner, name, "Ngong Road, Nairobi", units, rent, "A")


def units_of(session: Session, prop: Property) -> list[Unit]:
    return list(
        session.exec(select(Unit).where(Unit.property_id == prop.id).order_by(Unit.id)).all()
    )


def tenant(
    session: Session,
    prop: Property,
    unit: Unit | None = None,
    approved: bool = True,
    email: str | None = None,
) -> User:
    """A tenant of `prop`; approved onto `unit` (default: the first vacant) unless approved=False."""
    user, _ = memberships.signup_tenant(
        session,
        SignupForm("Tom Tenant", email or _email("tenant"), _phone(), PASSWORD),
        prop.id,
        unit.id if unit else None,
    )
    if approved:
        owner = session.get(User, prop.owner_id)
        m = membership_of(session, user)
        target = unit or _first_vacant(session, prop)
        memberships.approve_tenant(session, owner, m.id, target.id)
    return user


def _first_vacant(session: Session, prop: Property) -> Unit:
    taken = set(
        session.exec(
            select(Membership.unit_id).where(
                Membership.property_id == prop.id, Membership.unit_id.is_not(None)
            )  # type: ignore[union-attr]
        ).all()
    )
    return next(u for u in units_of(session, prop) if u.id not in taken)


def membership_of(session: Session, user: User) -> Membership:
    return session.exec(select(Membership).where(Membership.user_id == user.id)).one()


def member(session: Session, prop: Property, role: Role, inviter: User | None = None) -> User:
    """A manager or staff member of `prop`, joined through a real invitation."""
    inviter = inviter or session.get(User, prop.owner_id)
    email = _email(role.value)
    invitations.invite(session, inviter, prop.id, email, role.value)
    token = token_from_email(session, email, "invitation")
    user, _ = invitations.accept_with_new_account(
        session, token, f"Sam {role.value.title()}", _phone(), PASSWORD
    )
    return user


def login_token(session: Session, user: User, password: str = PASSWORD) -> str:
    return accounts.login(session, user.email, password, ip="10.0.0.1")


def last_email(session: Session, to: str, kind: str) -> EmailMessage:
    msg = session.exec(
        select(EmailMessage)
        .where(EmailMessage.to_email == to, EmailMessage.kind == kind)
        .order_by(EmailMessage.id.desc())  # type: ignore[union-attr]
    ).first()
    assert msg is not None, f"no {kind} email to {to}"
    return msg


def token_from_email(session: Session, to: str, kind: str) -> str:
    """The token in the link of the last `kind` email to `to` (what the person would click)."""
    match = re.search(r"token=([A-Za-z0-9_\-]+)", last_email(session, to, kind).body)
    assert match, "no link in the email"
    return match.group(1)


def invitation(
    session: Session,
    prop: Property,
    role: Role,
    inviter: User | None = None,
    email: str | None = None,
) -> tuple[str, str]:
    """Invite `email` (default: a fresh address) to `prop`; returns (email, token from the link)."""
    inviter = inviter or session.get(User, prop.owner_id)
    address = email or _email(f"invited-{role.value}")
    invitations.invite(session, inviter, prop.id, address, role.value)
    return address, token_from_email(session, address, "invitation")


def deactivated(session: Session, user: User, by: User | None = None) -> User:
    """`user`, switched off by an admin (a fresh one unless `by` is given)."""
    admin.set_user_active(session, by or admin_user(session), user.id, False)
    session.refresh(user)
    return user


@dataclass
class World:
    """Everyone the authorisation tests need, around two landlords' properties.

    `prop` (Sunrise Apartments, units A1-A4) belongs to `owner`: `tenant` lives in A1, `pending`
    asked for A2 and waits, `manager` and `staff` joined by invitation, `deactivated` was a manager
    until the admin switched the account off. A3 and A4 are vacant. `other_prop` (Zebra Towers)
    belongs to `other_landlord`, with `other_tenant` approved and `other_pending` waiting.
    """

    admin: User
    owner: User
    other_landlord: User
    prop: Property
    other_prop: Property
    tenant: User
    pending: User
    other_tenant: User
    other_pending: User
    manager: User
    staff: User
    deactivated: User

    def actor(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)

    def unit(self, session: Session, label: str, prop: Property | None = None) -> Unit:
        return next(u for u in units_of(session, prop or self.prop) if u.label == label)


_PROPERTY_FIELDS = ("prop", "other_prop")
_WORLDS: dict[str, tuple[dict[str, list[tuple[object, ...]]], dict[str, int]]] = {}


def world(session: Session) -> World:
    """The World, built through the services once per database kind, then copied row for row.

    The authorisation matrix needs hundreds of identical worlds; building each one would hash a
    dozen passwords and make ~100 round trips. The copy holds exactly the rows the services wrote.
    """
    dialect = session.get_bind().dialect.name
    if dialect not in _WORLDS:
        built = _build_world(session)
        ids = {name: getattr(built, name).id for name in World.__dataclass_fields__}
        _WORLDS[dialect] = (db_snapshot(session), ids)
        return built
    rows, ids = _WORLDS[dialect]
    _restore(session, rows)
    return World(
        **{
            name: session.get(Property if name in _PROPERTY_FIELDS else User, pk)
            for name, pk in ids.items()
        }
    )


def _build_world(session: Session) -> World:
    boss = admin_user(session)
    owner = landlord(session, name="Lucy Landlord")
    other_landlord = landlord(session, name="Oscar Other")
    prop = property_(session, owner, units=4, name="Sunrise Apartments")
    other_prop = property_(session, other_landlord, units=2, name="Zebra Towers")
    a1, a2 = units_of(session, prop)[:2]
    ex_manager = member(session, prop, Role.MANAGER)
    return World(
        admin=boss,
        owner=owner,
        other_landlord=other_landlord,
        prop=prop,
        other_prop=other_prop,
        tenant=tenant(session, prop, a1),
        pending=tenant(session, prop, a2, approved=False),
        other_tenant=tenant(session, other_prop),
        other_pending=tenant(session, other_prop, approved=False),
        manager=member(session, prop, Role.MANAGER),
        staff=member(session, prop, Role.STAFF),
        deactivated=deactivated(session, ex_manager, by=boss),
    )


def _restore(session: Session, rows: dict[str, list[tuple[object, ...]]]) -> None:
    """Write a db_snapshot() into an empty database (same schema), keeping the ids."""
    conn = session.connection()
    for table in SQLModel.metadata.sorted_tables:
        data = rows.get(table.name) or []
        if data:
            names = [c.name for c in table.columns]
            conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in data])
        if data and conn.dialect.name == "postgresql" and "id" in table.columns:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
            )
    session.commit()


def db_snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as committed (read on a separate connection), once the
    background email deliveries queued so far have finished."""
    from pms_app.worker import wait_for_local_tasks

    wait_for_local_tasks()
    engine = session.get_bind()
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def lease(
    session: Session,
    prop: Property | None = None,
    tenant_user: User | None = None,
    rent: int = 10_000,
    deposit: int = 0,
    due_day: int = 5,
    start: str | date | None = None,
    today: str | date | None = None,
    **prop_rules: object,
):
    """An active lease (and, if not given, a landlord, property and approved tenant), created
    on `today` (default: its start, which defaults to the first of the clock's month)."""
    from pms_app.leases import service as leases

    start = start or month_start()
    as_of = today or start
    if prop is None:
        prop = property_(session, landlord(session), units=3)
    for key, value in prop_rules.items():  # late_fee_kind=…, late_fee_value=…, …
        setattr(prop, key, value)
    session.add(prop)
    session.commit()
    tenant_user = tenant_user or tenant(session, prop)
    unit_id = membership_of(session, tenant_user).unit_id
    owner = session.get(User, prop.owner_id)
    return leases.create_lease(
        session,
        owner,
        unit_id,
        tenant_user.id,
        rent,
        deposit,
        due_day,
        start,
        today=as_of if isinstance(as_of, date) else date.fromisoformat(as_of),
    )


def owner_of(session: Session, lease_row: Lease) -> User:
    prop = session.get(Property, lease_row.property_id)
    return session.get(User, prop.owner_id)


# --- payments ---------------------------------------------------------------------------------


@dataclass
class TaskLog:
    """Background tasks the code under test enqueued (recorded, not run)."""

    calls: list[tuple[str, tuple[object, ...]]]
    later: list[tuple[str, float, tuple[object, ...]]]

    def named(self, short: str) -> list[tuple[object, ...]]:
        """Arguments of every enqueue of `pms.<short>` (e.g. "send_stk_push"), in order."""
        return [args for name, args in self.calls if name == f"pms.{short}"]


def capture_tasks(
    monkeypatch: pytest.MonkeyPatch,
    on_enqueue: Callable[[str, tuple[object, ...]], None] | None = None,
) -> TaskLog:
    """Replace pms_app.core.jobs.enqueue/enqueue_later with recorders: nothing runs in the
    background (no STK push, no email), and a test can run a task body itself.
    `on_enqueue(task_name, args)` is called at the moment of enqueueing."""
    from pms_app.core import jobs

    log = TaskLog([], [])
    lock = threading.Lock()

    def enqueue(name: str, *args: object) -> None:
        if on_enqueue is not None:
            on_enqueue(name, args)
        with lock:
            log.calls.append((name, args))

    def enqueue_later(name: str, delay_s: float, *args: object) -> None:
        with lock:
            log.later.append((name, delay_s, args))

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    monkeypatch.setattr(jobs, "enqueue_later", enqueue_later)
    return log


def _receipt() -> str:
    return f"SK{next(_seq):08d}"


def checkout_id() -> str:
    return f"ws_CO_{next(_seq):024d}"


def stk_payment(
    session: Session,
    lease_row: Lease,
    amount: int = 1_000,
    phone: str = "254712000000",
    status: str = PaymentStatus.PENDING,
    pushed: bool = True,
    paid: bool = False,
    receipt: str | None = None,
    age_s: int = 0,
) -> Payment:
    """An STK payment of `lease_row` as start_stk_payment + send_stk_push leave it: pending with
    a CheckoutRequestID (pushed=False: not sent yet). paid=True credits it like a callback
    would (M-Pesa receipt `receipt`). age_s back-dates created_at (reconciliation, 60 s guard)."""
    from pms_app.core.timestamps import utcnow
    from pms_app.payments import service as payments

    p = Payment(
        lease_id=lease_row.id,
        property_id=lease_row.property_id,
        method=PaymentMethod.STK,
        status=PaymentStatus.PENDING if paid else status,
        amount=amount,
        phone=phone,
        account_ref=lease_row.account_ref,
        checkout_request_id=checkout_id() if pushed else None,
        merchant_request_id=f"{next(_seq)}-1" if pushed else None,
        initiated_by_id=lease_row.tenant_id,
        created_at=utcnow() - timedelta(seconds=age_s),
    )
    session.add(p)
    session.commit()
    if paid:
        assert payments.credit_payment(session, p, receipt=receipt or _receipt())
        session.commit()
    return p


def stk_callback_body(
    checkout: str,
    code: int | str = 0,
    amount: int | float | None = None,
    phone: str | int | None = None,
    receipt: str | None = None,
    merchant: str = "29115-34620561-1",
) -> dict[str, object]:
    """What Daraja posts to the CallBackURL (daraja.md): ResultCode a number, metadata only on
    success, Balance without a Value, items read by name."""
    cb: dict[str, object] = {
        "MerchantRequestID": merchant,
        "CheckoutRequestID": checkout,
        "ResultCode": int(code) if str(code).isdigit() else code,
        "ResultDesc": "The service request is processed successfully."
        if str(code) == "0"
        else "Request cancelled by user",
    }
    if str(code) == "0":
        cb["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": float(amount if amount is not None else 1)},
                {"Name": "MpesaReceiptNumber", "Value": receipt or _receipt()},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(nairobi_timestamp())},
                {"Name": "PhoneNumber", "Value": int(phone or 254708374149)},
            ]
        }
    return {"Body": {"stkCallback": cb}}


def callback_for(payment: Payment, code: int | str = 0, **changes: object) -> dict[str, object]:
    """The callback for an STK payment row, matching it unless `changes` say otherwise."""
    args: dict[str, object] = {"amount": payment.amount, "phone": payment.phone, **changes}
    assert payment.checkout_request_id, "the payment was never pushed"
    return stk_callback_body(payment.checkout_request_id, code, **args)  # type: ignore[arg-type]


def c2b_body(
    bill_ref: str, amount: int = 1_000, trans_id: str | None = None, shortcode: str = "174379"
) -> dict[str, str]:
    """A C2B validation/confirmation body (daraja.md): every value a string, MSISDN masked."""
    return {
        "TransactionType": "Pay Bill",
        "TransID": trans_id or f"TX{next(_seq):08d}",
        "TransTime": nairobi_timestamp(),
        "TransAmount": str(amount),
        "BusinessShortCode": shortcode,
        "BillRefNumber": bill_ref,
        "InvoiceNumber": "",
        "OrgAccountBalance": "",
        "ThirdPartyTransID": "",
        "MSISDN": "25470****149",
        "FirstName": "John",
        "MiddleName": "",
        "LastName": "Doe",
    }


def c2b_payment(
    session: Session, bill_ref: str, amount: int = 1_000, trans_id: str | None = None
) -> Payment:
    """A paybill payment as the confirmation callback records it (credited, or unallocated)."""
    from pms_app.integrations.daraja import parse_c2b
    from pms_app.payments import service as payments

    return payments.process_c2b_confirmation(
        session, parse_c2b(c2b_body(bill_ref, amount, trans_id))
    )


def assert_ledger_exact(session: Session, lease_id: int) -> None:
    """Read from a fresh session: balance == charges − credits, and exactly one payment credit
    (of the payment's amount) per paid payment of the lease, none for any other payment."""
    from sqlmodel import col

    from pms_app.ledger import service as ledger
    from pms_app.ledger.models import EntryKind, LedgerEntry

    with Session(session.get_bind()) as fresh:
        entries = fresh.exec(select(LedgerEntry).where(LedgerEntry.lease_id == lease_id)).all()
        charges = sum(e.amount for e in entries if e.amount > 0)
        credits = -sum(e.amount for e in entries if e.amount < 0)
        assert ledger.balance(fresh, lease_id) == charges - credits
        credit_rows: dict[int | None, list[int]] = {}
        for e in entries:
            if e.kind == EntryKind.PAYMENT:
                credit_rows.setdefault(e.payment_id, []).append(e.amount)
        paid = fresh.exec(
            select(Payment).where(
                Payment.lease_id == lease_id, Payment.status == PaymentStatus.PAID
            )
        ).all()
        assert credit_rows == {p.id: [-p.amount] for p in paid}, (credit_rows, paid)
        # No payment of another lease was credited here, and no unpaid one anywhere.
        unpaid = fresh.exec(
            select(Payment.id).where(
                Payment.status != PaymentStatus.PAID, col(Payment.id).in_(credit_rows)
            )
        ).all()
        assert unpaid == []


@dataclass
class PayWorld:
    """The World plus money: `lease` (tenant in A1 of Sunrise, rent 23,456 from 1 January of
    last_year(), that month charged) with a `paid` STK payment (12,345), one in `review`
    (11,111) and an `unallocated` paybill payment whose account number points at Sunrise
    (7,777); `other_lease` (other_tenant at Zebra Towers, rent 34,567) with `other_paid` (4,567)
    and `other_unallocated` (9,999). Both leases are in arrears. Amounts are distinctive so a
    leak is easy to spot."""

    w: World
    lease: Lease
    other_lease: Lease
    paid: Payment
    review: Payment
    unallocated: Payment
    other_paid: Payment
    other_unallocated: Payment

    AMOUNTS = (23_456, 34_567, 12_345, 11_111, 7_777, 4_567, 9_999)


def pay_world(session: Session) -> PayWorld:
    from pms_app.leases import service as leases

    w = world(session)
    start = day("01-01")
    lease_ = leases.create_lease(
        session, w.owner, w.unit(session, "A1").id, w.tenant.id, 23_456, 0, 1, start, today=start
    )
    other_unit = membership_of(session, w.other_tenant).unit_id
    other = leases.create_lease(
        session, w.other_landlord, other_unit, w.other_tenant.id, 34_567, 0, 1, start, today=start
    )
    paid = stk_payment(session, lease_, 12_345, paid=True, receipt="SKPAID0001")
    review = stk_payment(session, lease_, 11_111, status=PaymentStatus.REVIEW)
    unallocated = c2b_payment(session, lease_.account_ref.split("-")[0] + "-ZZ9", 7_777)
    other_paid = stk_payment(session, other, 4_567, paid=True, receipt="SKPAID0002")
    other_unallocated = c2b_payment(session, other.account_ref.split("-")[0] + "-ZZ9", 9_999)
    assert unallocated.property_id == w.prop.id and unallocated.status == "unallocated"
    assert other_unallocated.property_id == w.other_prop.id
    return PayWorld(w, lease_, other, paid, review, unallocated, other_paid, other_unallocated)


# --- bookings ---------------------------------------------------------------------------------

# The bookings tests' "now": Monday 2 March 2026, 09:00 in Nairobi (06:00 UTC). It is passed as
# now= to the booking services, which compare it with the dates the tests spell out, so their
# results don't depend on the app's clock (CI checks that with the clock a year ahead).
BOOK_NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
NAIROBI = ZoneInfo("Africa/Nairobi")


def at(day: str | date, hhmm: str, tz: ZoneInfo = NAIROBI) -> datetime:
    """Wall-clock `hhmm` on `day` ("2026-03-03") in `tz`, as an aware UTC datetime."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime.combine(d, time.fromisoformat(hhmm), tz).astimezone(UTC)


def facility_form(**changes: object) -> FacilityForm:
    """A valid form: "Community Hall", 10 guests, open 06:00-22:00 every day, 60-minute slots,
    1-3 hours, 30 days ahead, 2 active bookings per resident, free, instant; `changes` override."""
    values: dict[str, object] = {
        "name": "Community Hall",
        "description": "Ground floor, seats 10",
        "capacity": 10,
        "hours": {d: ("06:00", "22:00") for d in range(7)},
        "slot_minutes": 60,
        "min_minutes": 60,
        "max_minutes": 180,
        **changes,
    }
    return FacilityForm(**values)  # type: ignore[arg-type]


def facility(
    session: Session, prop: Property, actor: User | None = None, **changes: object
) -> Facility:
    """A facility of `prop` created through the service by `actor` (default: the owner)."""
    from pms_app.bookings import service as bookings

    actor = actor or session.get(User, prop.owner_id)
    return bookings.create_facility(session, actor, prop.id or 0, facility_form(**changes))


def residents(session: Session, prop: Property, n: int, name: str = "Rita Resident") -> list[User]:
    """`n` approved tenants of `prop` (no unit), written directly: signups are throttled and
    each hashes a password. They cannot log in; services take them as actors."""
    users = [
        User(
            email=_email("resident"),
            full_name=f"{name} {i + 1}",
            role=Role.TENANT,
            password_hash="!",
        )
        for i in range(n)
    ]
    session.add_all(users)
    session.flush()
    session.add_all(
        Membership(
            user_id=u.id or 0,
            property_id=prop.id or 0,
            role=Role.TENANT,
            status=MembershipStatus.APPROVED,
        )
        for u in users
    )
    session.commit()
    return users


def booking(
    session: Session,
    fac: Facility,
    user: User,
    start: datetime,
    minutes: int = 60,
    guests: int = 1,
    now: datetime = BOOK_NOW,
) -> Booking:
    """`user` books `fac` for [start, start + minutes) through the service, at `now`."""
    from pms_app.bookings import service as bookings

    return bookings.book(
        session, user, fac.id or 0, start, start + timedelta(minutes=minutes), guests, now=now
    )


@dataclass
class BookWorld:
    """The World plus facilities and bookings, all made at BOOK_NOW.

    Sunrise has `hall` (free, instant), `pool` (KES 1,500 + 500 deposit, approval required) and
    `gym` (KES 700, instant). `booking`: tenant's confirmed hall booking Tue 3 March 10:00-11:00;
    `request`: tenant's pool request Tue 10:00-11:00; `held`: tenant's gym booking Tue 10:00-11:00,
    awaiting payment; `staff_booking`: staff's hall booking Tue 12:00-13:00, on whose waiting list
    the tenant stands (`waiting`). Zebra Towers has `zebra_hall`, with other_tenant's confirmed
    `other_booking` Tue 10:00-11:00."""

    w: World
    hall: Facility
    pool: Facility
    gym: Facility
    zebra_hall: Facility
    booking: Booking
    request: Booking
    held: Booking
    staff_booking: Booking
    waiting: WaitlistEntry
    other_booking: Booking

    DAY = "2026-03-03"


_BOOK_WORLDS: dict[str, tuple[dict[str, list[tuple[object, ...]]], dict[str, int]]] = {}
_BOOK_MODELS = {
    "hall": Facility,
    "pool": Facility,
    "gym": Facility,
    "zebra_hall": Facility,
    "booking": Booking,
    "request": Booking,
    "held": Booking,
    "staff_booking": Booking,
    "waiting": WaitlistEntry,
    "other_booking": Booking,
}


def book_world(session: Session) -> BookWorld:
    """Built through the services once per database kind, then copied row for row (see world)."""
    dialect = session.get_bind().dialect.name
    if dialect in _BOOK_WORLDS:
        rows, ids = _BOOK_WORLDS[dialect]
        _restore(session, rows)
        w = World(
            **{
                name: session.get(Property if name in _PROPERTY_FIELDS else User, ids[name])
                for name in World.__dataclass_fields__
            }
        )
        return BookWorld(w, **{k: session.get(m, ids[k]) for k, m in _BOOK_MODELS.items()})  # type: ignore[arg-type]
    from pms_app.bookings import service as bookings

    w = world(session)
    day = BookWorld.DAY
    hall = facility(session, w.prop)
    pool = facility(session, w.prop, name="Pool", fee=1_500, deposit=500, requires_approval=True)
    gym = facility(session, w.prop, name="Gym", fee=700)
    zebra_hall = facility(session, w.other_prop, name="Zebra Hall")
    bw = BookWorld(
        w,
        hall,
        pool,
        gym,
        zebra_hall,
        booking=booking(session, hall, w.tenant, at(day, "10:00")),
        request=booking(session, pool, w.tenant, at(day, "10:00")),
        held=booking(session, gym, w.tenant, at(day, "10:00")),
        staff_booking=booking(session, hall, w.staff, at(day, "12:00")),
        waiting=None,  # type: ignore[arg-type]
        other_booking=booking(session, zebra_hall, w.other_tenant, at(day, "10:00")),
    )
    bw.waiting = bookings.join_waitlist(
        session, w.tenant, hall.id or 0, at(day, "12:00"), at(day, "13:00"), now=BOOK_NOW
    )
    ids = {name: getattr(w, name).id for name in World.__dataclass_fields__}
    ids |= {k: getattr(bw, k).id for k in _BOOK_MODELS}
    _BOOK_WORLDS[dialect] = (db_snapshot(session), ids)
    return bw


def assert_denied_quietly(
    session: Session,
    run: Callable[[], object],
    expected: type[ServiceError],
    what: str,
    secrets: list[str],
) -> ServiceError:
    """`run()` is refused with exactly `expected`, changes nothing (whatever the service left in
    the session is committed, then compared) and names none of `secrets` (or any email)."""
    before = db_snapshot(session)
    with pytest.raises(ServiceError) as err:
        run()
    assert type(err.value) is expected, (what, err.value.message)
    session.commit()
    assert db_snapshot(session) == before, f"{what}: a denied call changed the database"
    message = err.value.message
    assert "@" not in message, (what, message)
    for secret in secrets:
        assert secret.lower() not in message.lower(), (what, secret, message)
    return err.value


# --- Reflex states, called as a (possibly malicious) client would -------------------------------


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
