"""All tables, imported here so SQLModel.metadata (and Alembic) sees every one."""

from pms_app.models.accounts import AuthSession, EmailMessage, Invitation, LoginThrottle, Role, User
from pms_app.models.booking import (
    Booking,
    BookingStatus,
    Facility,
    FacilityBlackout,
    WaitlistEntry,
    WaitStatus,
)
from pms_app.models.lease import Lease, LeaseDocument, LeaseStatus
from pms_app.models.ledger import EntryKind, LateFeeRule, LedgerEntry
from pms_app.models.payment import Counter, Payment, PaymentMethod, PaymentStatus
from pms_app.models.property import Membership, MembershipStatus, Property, Unit
from pms_app.models.simulator import SimC2BRegistration, SimC2BTransaction, SimStkRequest, SimToken

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
