"""Rent reminder emails: chosen by a manager (or "all in arrears"), and automatic ones N days
before and after the due day, per property. Each reminder is sent once per lease and day."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core import formats
from pms_app.core.errors import NotFound, ValidationError
from pms_app.core.settings import get_settings
from pms_app.emails.models import EmailMessage
from pms_app.emails.service import queue_email
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger import service as ledger
from pms_app.payments.reports import arrears_list
from pms_app.properties.access import managed_property_ids, require_approved
from pms_app.properties.models import Property, Unit

MAX_BATCH = 5000


def reminder_targets(
    session: Session,
    actor: User | None,
    lease_ids: list[int] | None,
    arrears_only: bool,
    today: date,
) -> list[int]:
    """Lease ids the actor may remind: the chosen ones, or every active lease in arrears."""
    user = require_approved(session, actor)
    props = managed_property_ids(session, user)
    if arrears_only:
        return [a.lease_id for a in arrears_list(session, props, today)]
    ids = [i for i in (lease_ids or []) if isinstance(i, int)]
    if not ids:
        raise ValidationError("Choose at least one tenant, or “all in arrears”.", "leases")
    if len(ids) > MAX_BATCH:
        raise ValidationError("At most {most} reminders at once.", "leases", most=MAX_BATCH)
    allowed = set(
        session.exec(
            select(Lease.id).where(
                col(Lease.id).in_(ids),
                col(Lease.property_id).in_(props),
                Lease.status == LeaseStatus.ACTIVE,
            )
        ).all()
    )
    if set(ids) - allowed:
        raise NotFound("lease")
    return ids


def queue_reminder(session: Session, lease_id: int, today: date, kind: str = "manual") -> bool:
    """One reminder email for a lease (once per lease, kind and day). True if newly queued."""
    lease = session.get(Lease, lease_id)
    if lease is None or lease.status != LeaseStatus.ACTIVE:
        return False
    tenant = session.get(User, lease.tenant_id)
    prop = session.get(Property, lease.property_id)
    unit = session.get(Unit, lease.unit_id)
    if tenant is None or prop is None or unit is None:
        return False
    st = ledger.statement(session, lease.id or 0, today)
    key = f"remind:{kind}:{lease.id}:{today.isoformat()}"
    settings = get_settings()
    if kind == "before":
        subject = (
            f"Rent for {prop.name} {unit.label} is due on {formats.day(next_due(lease, today))}"
        )
        lead = f"A reminder that your rent of KES {lease.rent:,} is due on {formats.day(next_due(lease, today))}."
    else:
        subject = f"Rent reminder — {prop.name} {unit.label}"
        lead = (
            f"Your rent account shows KES {st.arrears:,} overdue."
            if st.arrears > 0
            else f"Your current balance is KES {max(st.balance, 0):,}."
        )
    body = (
        f"Hello {tenant.full_name},\n\n{lead}\n\nPay in the app: {settings.base_url}/pay\n"
        f"or by M-Pesa paybill {settings.daraja_shortcode}, account {lease.account_ref}."
    )
    if session.exec(select(EmailMessage.id).where(EmailMessage.dedupe_key == key)).first():
        return False
    queue_email(session, tenant.email, subject, body, kind="rent_reminder", dedupe_key=key)
    session.commit()
    return True


def next_due(lease: Lease, today: date) -> date:
    y, m = today.year, today.month
    for _ in range(2):
        day = min(lease.due_day, calendar.monthrange(y, m)[1])
        if date(y, m, day) >= today:
            return date(y, m, day)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return date(y, m, min(lease.due_day, calendar.monthrange(y, m)[1]))


def automatic_reminders(session: Session, today: date) -> int:
    """The scheduled job: per property, N days before the due day and N days after it if unpaid."""
    sent = 0
    for prop in session.exec(select(Property)).all():
        if not (prop.remind_days_before or prop.remind_days_after):
            continue
        for lease in session.exec(
            select(Lease).where(Lease.property_id == prop.id, Lease.status == LeaseStatus.ACTIVE)
        ).all():
            if prop.remind_days_before and next_due(lease, today) == today + timedelta(
                days=prop.remind_days_before
            ):
                sent += queue_reminder(session, lease.id or 0, today, "before")
            if prop.remind_days_after:
                was_due = today - timedelta(days=prop.remind_days_after)
                if (
                    next_due(lease, was_due) == was_due
                    and ledger.statement(session, lease.id or 0, today).arrears > 0
                ):
                    sent += queue_reminder(session, lease.id or 0, today, "after")
    return sent
