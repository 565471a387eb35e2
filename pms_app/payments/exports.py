"""The payments CSV export: the rows the payments page lists (same scope and filters), one line
each, in each payment's property's local time."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, col, select

from pms_app.accounts.models import User
from pms_app.core import formats
from pms_app.leases.models import Lease
from pms_app.payments.models import Payment
from pms_app.payments.reports import Filters, paid_stmt, params_of, payer, scoped_property_ids
from pms_app.properties.models import Property, Unit


def payments_csv(session: Session, actor: User | None, filters: Filters) -> str:
    ids = scoped_property_ids(session, actor, filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        # Local time of each payment's property, as its receipts and pages show it.
        [
            "paid_at_local",
            "receipt_no",
            "tenant",
            "property",
            "unit",
            "amount",
            "method",
            "reference",
            "type",
        ]
    )
    if not ids:
        return out.getvalue()
    shape, params = params_of(ids, filters)
    paid = paid_stmt(*shape).subquery()
    rows = session.exec(
        select(Payment, Unit, User, Property)
        .outerjoin(Lease, col(Lease.id) == Payment.lease_id)
        .outerjoin(Unit, col(Unit.id) == Lease.unit_id)
        .outerjoin(User, col(User.id) == payer())
        .join(Property, col(Property.id) == Payment.property_id)
        .where(col(Payment.id).in_(select(paid.c.id)))
        .order_by(col(Payment.paid_at)),
        params=params,
    ).all()
    for p, u, t, pr in rows:
        writer.writerow(
            [
                formats.file_moment(p.paid_at or p.created_at, pr.timezone),
                p.receipt_no or "",
                _csv_safe(t.full_name if t else ""),
                _csv_safe(pr.name),
                _csv_safe(u.label if u else ""),
                p.amount,
                p.method,
                _csv_safe(p.mpesa_receipt or p.reference),
                "booking_fee" if p.booking_id is not None else "rent",
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """No formula injection when the file is opened in a spreadsheet."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
