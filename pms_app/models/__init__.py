"""All tables, imported here so SQLModel.metadata (and Alembic) sees every one."""

from pms_app.accounts.models import AuthSession, LoginThrottle, Role, User
from pms_app.bookings.models import (
    Booking,
    BookingStatus,
    Facility,
    FacilityBlackout,
    WaitlistEntry,
    WaitStatus,
)
from pms_app.core.models import AuditEvent, Counter
from pms_app.documents.models import LeaseDocument
from pms_app.emails.models import EmailMessage
from pms_app.leases.models import Lease, LeaseStatus
from pms_app.ledger.models import EntryKind, LateFeeRule, LedgerEntry
from pms_app.payments.models import Payment, PaymentMethod, PaymentStatus
from pms_app.properties.models import Invitation, Membership, MembershipStatus, Property, Unit
from pms_app.simulator.models import SimC2BRegistration, SimC2BTransaction, SimStkRequest, SimToken

__all__ = [
    "Booking",
    "BookingStatus",
    "Facility",
    "FacilityBlackout",
    "WaitlistEntry",
    "WaitStatus",
    "SimStkRequest",
    "SimC2BRegistration",
    "SimC2BTransaction",
    "SimToken",
    "AuditEvent",
    "AuthSession",
    "Counter",
    "EmailMessage",
    "EntryKind",
    "Invitation",
    "LateFeeRule",
    "Lease",
    "LeaseDocument",
    "LeaseStatus",
    "LedgerEntry",
    "LoginThrottle",
    "Membership",
    "MembershipStatus",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "Property",
    "Role",
    "Unit",
    "User",
]
