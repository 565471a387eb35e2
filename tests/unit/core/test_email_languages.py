"""Every email speaks its recipient's language (users.language; "" → English), not the language
of the page that caused it, dates with Swahili month and day names; the receipt PDF speaks the
tenant's. Each kind is triggered while the acting context speaks the *other* language."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from pms_app.accounts import service as accounts
from pms_app.accounts.models import Role, User
from pms_app.accounts.service import SignupForm
from pms_app.bookings.housekeeping import expire_holds, send_reminders
from pms_app.bookings.lifecycle import cancel, decide_request
from pms_app.core.i18n import use_language
from pms_app.core.settings import get_settings
from pms_app.emails.models import EmailMessage
from pms_app.emails.service import composing_for
from pms_app.payments import receipts, reminders, reviews
from pms_app.properties import invitations, joining, memberships
from tests import factories as f
from tests.asyncio_helpers import settle

OTHER = {"sw": "en", "en": "sw"}
NEW_PASSWORD = "a much longer new passphrase 42"


def _speaks(session: Session, user: User, lang: str) -> User:
    user.language = lang
    session.add(user)
    session.commit()
    return user


def _last(session: Session, to: str, kind: str) -> EmailMessage:
    with Session(session.get_bind()) as s:
        msg = s.exec(
            select(EmailMessage)
            .where(EmailMessage.to_email == to, EmailMessage.kind == kind)
            .order_by(col(EmailMessage.id).desc())
        ).first()
    assert msg is not None, f"no {kind} email to {to}"
    return msg


def _form(name: str, lang: str) -> SignupForm:
    return SignupForm(
        name, f"{name.split()[0].lower()}-{lang}@example.test", "0711000222", f.PASSWORD, lang
    )


# --- the kinds: each returns the email, with the recipient speaking `lang` ------------------------

Scenario = Callable[[Session, str], EmailMessage]


def _welcome(session: Session, lang: str) -> EmailMessage:
    user, _ = accounts.signup_landlord(session, _form("Wanjiru Landlord", lang))
    assert user.language == lang  # the form's language is the account's
    return _last(session, user.email, "welcome")


def _password_changed(session: Session, lang: str) -> EmailMessage:
    owner = _speaks(session, f.world(session).owner, lang)
    accounts.change_password(session, owner, f.PASSWORD, NEW_PASSWORD)
    return _last(session, owner.email, "password_changed")


def _password_reset(session: Session, lang: str) -> EmailMessage:
    owner = _speaks(session, f.world(session).owner, lang)
    accounts.request_password_reset(session, owner.email)
    return _last(session, owner.email, "password_reset")


def _signup_received(session: Session, lang: str) -> EmailMessage:
    w = f.world(session)
    user, _ = joining.signup_tenant(
        session, _form("Juma Tenant", lang), w.prop.account_prefix, None
    )
    return _last(session, user.email, "signup_received")


def _signup_pending(session: Session, lang: str) -> EmailMessage:
    w = f.world(session)
    owner = _speaks(session, w.owner, lang)
    unit = w.unit(session, "A3")
    joining.signup_tenant(session, _form("Juma Tenant", "en"), w.prop.account_prefix, unit.id)
    return _last(session, owner.email, "signup_pending")


def _tenant_approved(session: Session, lang: str) -> EmailMessage:
    w = f.world(session)
    pending = _speaks(session, w.pending, lang)
    m = f.membership_of(session, pending)
    memberships.approve_tenant(session, w.owner, m.id, w.unit(session, "A2").id)
    return _last(session, pending.email, "tenant_approved")


def _tenant_rejected(session: Session, lang: str) -> EmailMessage:
    w = f.world(session)
    pending = _speaks(session, w.pending, lang)
    memberships.reject_tenant(session, w.owner, f.membership_of(session, pending).id, "Hakuna")
    return _last(session, pending.email, "tenant_rejected")


def _invitation(session: Session, lang: str) -> EmailMessage:
    w = f.world(session)
    owner = _speaks(session, w.owner, lang)  # a new address: the inviter's language
    invitations.invite(session, owner, w.prop.id, "new-helper@example.test", "staff")
    return _last(session, "new-helper@example.test", "invitation")


def _payment_receipt(session: Session, lang: str) -> EmailMessage:
    lease = f.lease(session, rent=10_000, start=f.iso("01-01"))
    tenant = _speaks(session, session.get(User, lease.tenant_id), lang)
    reviews.record_manual_payment(
        session, f.owner_of(session, lease), lease.id, 4_000, "cash", f.iso("03-05")
    )
    return _last(session, tenant.email, "payment_receipt")


def _rent_reminder(session: Session, lang: str) -> EmailMessage:
    lease = f.lease(session, rent=10_000, due_day=5, start=f.iso("01-05"))
    tenant = _speaks(session, session.get(User, lease.tenant_id), lang)
    assert reminders.queue_reminder(session, lease.id, f.day("03-02"), "before")
    return _last(session, tenant.email, "rent_reminder")


def _booking(what: str) -> Scenario:
    def scenario(session: Session, lang: str) -> EmailMessage:
        bw = f.book_world(session)
        tenant = _speaks(session, bw.w.tenant, lang)
        now = f.BOOK_NOW
        if what == "booked":
            f.booking(session, bw.hall, tenant, f.at(bw.DAY, "15:00"))
        elif what == "reminder":
            send_reminders(session, now=f.at(bw.DAY, "10:00") - timedelta(hours=23))
        elif what == "cancelled":
            cancel(session, tenant, bw.booking.id or 0, now=now)
        elif what == "declined":
            decide_request(session, bw.w.manager, bw.request.id or 0, False, "Imefungwa", now=now)
        elif what == "expired":
            expire_holds(session, now=now + timedelta(hours=12))
        elif what == "waitlist_offer":  # the staff's booking goes: the tenant waiting is offered it
            cancel(session, bw.w.staff, bw.staff_booking.id or 0, now=now)
        kind = "waitlist_offer" if what == "waitlist_offer" else f"booking_{what}"
        return _last(session, tenant.email, kind)

    return scenario


# kind → (scenario, Swahili in the subject, in the body; English in the subject, in the body)
KINDS: dict[str, tuple[Scenario, str, str, str, str]] = {
    "welcome": (
        _welcome,
        "Karibu pms",
        "Akaunti yako ya mwenye nyumba",
        "Welcome to pms",
        "Your landlord account",
    ),
    "password_changed": (
        _password_changed,
        "Nenosiri lako",
        "Kama si wewe",
        "password was changed",
        "If this wasn't you",
    ),
    "password_reset": (
        _password_reset,
        "Weka upya nenosiri",
        "baada ya dakika",
        "Reset your pms password",
        "expires in",
    ),
    "signup_received": (
        _signup_received,
        "Usajili umepokelewa",
        "Tumepokea usajili wako kwa Sunrise Apartments.",
        "Signup received",
        "We received your signup for Sunrise Apartments.",
    ),
    "signup_pending": (
        _signup_pending,
        "Mpangaji mpya",
        "kama mpangaji wa Sunrise Apartments, nyumba A3",
        "New tenant signup",
        "as a tenant of Sunrise Apartments, unit A3",
    ),
    "tenant_approved": (
        _tenant_approved,
        "Umeidhinishwa katika",
        "mpangaji wa nyumba A2",
        "You're approved at",
        "tenant of unit A2",
    ),
    "tenant_rejected": (
        _tenant_rejected,
        "haukuidhinishwa",
        "Sababu iliyotolewa: Hakuna",
        "was not approved",
        "Reason given: Hakuna",
    ),
    "invitation": (
        _invitation,
        "Umealikwa kusaidia",
        "kama mfanyakazi",
        "You're invited",
        "as staff",
    ),
    "payment_receipt": (
        _payment_receipt,
        "Malipo yamepokelewa",
        "Tumepokea KES 4,000 (Malipo ya pesa taslimu",
        "Payment received",
        "We received KES 4,000 (Cash payment",
    ),
    "rent_reminder": (
        _rent_reminder,
        "inadaiwa tarehe 5 Mac",
        "kodi yako ya KES 10,000 inadaiwa tarehe 5 Mac",
        "is due on 5 Mar",
        "your rent of KES 10,000 is due on 5 Mar",
    ),
    "booking_booked": (
        _booking("booked"),
        "nafasi",
        "mnamo Jumanne 3 Mac 2026, 15:00",
        "booked",
        "on Tue 3 Mar 2026, 15:00",
    ),
    "booking_reminder": (
        _booking("reminder"),
        "kikumbusho cha nafasi",
        "Kikumbusho: Community Hall imehifadhiwa kwa ajili yako mnamo Jumanne 3 Mac 2026",
        "reminder",
        "Reminder: Community Hall is booked for you on Tue 3 Mar 2026",
    ),
    "booking_cancelled": (
        _booking("cancelled"),
        "imeghairiwa",
        "mnamo Jumanne 3 Mac 2026, 10:00–11:00 imeghairiwa.",
        "cancelled",
        "on Tue 3 Mar 2026, 10:00–11:00 was cancelled.",
    ),
    "booking_declined": (
        _booking("declined"),
        "imekataliwa",
        "limekataliwa. Sababu: Imefungwa",
        "declined",
        "was declined. Reason: Imefungwa",
    ),
    "booking_expired": (
        _booking("expired"),
        "imeisha muda",
        "imeisha bila kulipiwa",
        "expired",
        "expired unpaid",
    ),
    "waitlist_offer": (
        _booking("waitlist_offer"),
        "iko wazi: thibitisha ndani ya dakika",
        "Muda uliousubiri — Community Hall, Jumanne 3 Mac 2026",
        "is free: confirm within",
        "The time you waited for — Community Hall, Tue 3 Mar 2026",
    ),
}


@pytest.mark.parametrize("lang", ["sw", "en"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_email_speaks_its_recipients_language(session: Session, kind: str, lang: str) -> None:
    scenario, sw_subject, sw_body, en_subject, en_body = KINDS[kind]
    with use_language(OTHER[lang]):  # the page that caused it speaks the other language
        msg = scenario(session, lang)
    subject, body = (sw_subject, sw_body) if lang == "sw" else (en_subject, en_body)
    assert subject in msg.subject and body in msg.body
    greeting = ("Habari" if lang == "sw" else "Hello") if kind != "signup_pending" else ""
    assert msg.body.startswith(greeting)
    assert msg.body.endswith(f"\n\n—\npms · {get_settings().base_url}\n")  # the footer
    other_subject = en_subject if lang == "sw" else sw_subject
    assert other_subject not in msg.subject


def test_an_invitation_to_someone_with_an_account_speaks_his_language(session: Session) -> None:
    w = f.world(session)
    _speaks(session, w.owner, "en")
    staff = f.member(session, w.other_prop, Role.STAFF)  # staff elsewhere, invited here too
    _speaks(session, staff, "sw")
    invitations.invite(session, w.owner, w.prop.id, staff.email, "staff")
    msg = _last(session, staff.email, "invitation")
    assert msg.subject == "Umealikwa kusaidia kusimamia Sunrise Apartments"


def test_a_recipient_who_never_chose_gets_english(session: Session) -> None:
    with composing_for(None) as none, composing_for("") as empty, composing_for("fr") as other:
        assert (none, empty, other) == ("en", "en", "en")
    with (
        use_language("sw"),
        composing_for(User(email="a@b.c", full_name="A", role="tenant", password_hash="!")) as lang,
    ):
        assert lang == "en"


def _pdf_text(data: bytes) -> list[str]:
    """The text lines of our PDF writer's output (uncompressed `(text) Tj` operators)."""
    return [
        m.group(1).replace(rb"\(", b"(").replace(rb"\)", b")").decode("latin-1")
        for m in re.finditer(rb"\((.*?)(?<!\\)\) Tj", data)
    ]


@pytest.mark.parametrize("reader", ["tenant", "owner"])
def test_the_receipt_pdf_speaks_the_tenants_language(session: Session, reader: str) -> None:
    lease = f.lease(session, rent=10_000, start=f.iso("01-01"))
    tenant = _speaks(session, session.get(User, lease.tenant_id), "sw")
    owner = _speaks(session, f.owner_of(session, lease), "en")
    payment = reviews.record_manual_payment(session, owner, lease.id, 4_000, "cash", f.iso("12-03"))
    with use_language("en"):  # whoever downloads it, in whatever language his page speaks
        name, data = receipts.receipt_pdf(
            session, tenant if reader == "tenant" else owner, payment.id
        )
    lines = _pdf_text(data)
    assert name == f"receipt-{payment.receipt_no}.pdf"
    assert lines[:2] == ["Risiti ya malipo", f"Risiti nambari {payment.receipt_no}"]
    assert f"Imepokelewa kutoka kwa: {tenant.full_name}" in lines
    assert "Kiasi: KES 4,000" in lines
    assert "Njia: Malipo ya pesa taslimu" in lines
    assert any(
        re.fullmatch(r"Imelipwa: 3 Des \d{4}, \d\d:\d\d \(Africa/Nairobi\)", line) for line in lines
    )
    assert "Imetolewa na pms kwa niaba ya usimamizi wa jengo." in lines


def test_the_receipt_pdf_of_an_english_tenant_stays_english(session: Session) -> None:
    lease = f.lease(session, rent=10_000, start=f.iso("01-01"))
    owner = _speaks(session, f.owner_of(session, lease), "sw")
    payment = reviews.record_manual_payment(session, owner, lease.id, 4_000, "cash", f.iso("12-03"))
    with use_language("sw"):
        _, data = receipts.receipt_pdf(session, owner, payment.id)
    lines = _pdf_text(data)
    assert lines[:2] == ["Payment receipt", f"Receipt no. {payment.receipt_no}"]
    assert "Amount: KES 4,000" in lines and "Method: Cash payment" in lines
    assert any(
        re.fullmatch(r"Paid: 3 Dec \d{4}, \d\d:\d\d \(Africa/Nairobi\)", line) for line in lines
    )


def test_signing_up_on_a_swahili_page_saves_swahili_and_welcomes_in_it(session: Session) -> None:
    from pms_app.ui.accounts.signup import LandlordSignupState

    st = f.state_for(LandlordSignupState)
    st.lang = "sw"
    form = {
        "full_name": "Akinyi Landlord",
        "email": "akinyi@example.test",
        "phone": "0711000333",
        "password": f.PASSWORD,
    }
    settle(st.submit(f.keyed(st, form)))
    user = session.exec(select(User).where(User.email == "akinyi@example.test")).one()
    assert user.language == "sw"
    assert _last(session, user.email, "welcome").subject == "Karibu pms"
