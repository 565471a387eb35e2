"""/property?id=…'s state: the property, its rent rules, units and people; edits, invitations,
removing managers and staff, revoking invitations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import reflex as rx

from pms_app.core import formats
from pms_app.core.settings import get_settings
from pms_app.properties import invitations, memberships
from pms_app.properties import service as properties
from pms_app.properties.views import property_page
from pms_app.ui.shell.forms import int_or_none, text
from pms_app.ui.shell.page import PageState
from pms_app.ui.shell.session import SessionState

if TYPE_CHECKING:
    from sqlmodel import Session

    from pms_app.accounts.models import User


class PropertyState(PageState, SessionState):
    # The details and rules forms. The unit rows', the new unit's and the invitation's inputs
    # have no error beside them: theirs show in the banner.
    _inline_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "name",
            "address",
            "default_rent",
            "late_fee_value",
            "grace_days",
            "remind_before",
            "remind_after",
        }
    )

    property_id: int = 0
    name: str = ""
    address: str = ""
    code: str = ""  # the tenants' signup code
    signup_link: str = ""
    default_rent: str = ""
    rules: dict[str, str] = {}
    is_owner: bool = False
    can_manage: bool = False
    units: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    invitations: list[dict[str, Any]] = []  # open ones: sent, not accepted, revoked or expired
    not_found: bool = False

    def _on_enter(self) -> None:
        self.property_id = int_or_none(self.router.url.query_parameters.get("id", "")) or 0

    def _clear(self) -> None:
        self.not_found = True
        self.units, self.people, self.invitations, self.name = [], [], [], ""
        self.can_manage, self.is_owner = False, False

    def _load(self, session: Session, actor: User) -> None:
        view = property_page(session, actor, self.property_id)
        self.not_found = False
        self.name, self.address = view.name, view.address
        self.code = view.code
        self.signup_link = f"{get_settings().base_url}/signup/tenant?code={view.code}"
        self.default_rent = "" if view.default_rent is None else str(view.default_rent)
        r = view.rules
        self.rules = {
            "late_fee_kind": r.late_fee_kind,
            "late_fee_value": str(r.late_fee_value),
            "grace_days": str(r.grace_days),
            "remind_before": str(r.remind_before),
            "remind_after": str(r.remind_after),
        }
        self.can_manage, self.is_owner = view.can_manage, view.is_owner
        self.units = [
            {
                "id": u.id,
                "label": u.label,
                "rent": "" if u.rent is None else str(u.rent),
                "effective_rent": "—" if u.effective_rent is None else f"{u.effective_rent:,}",
                "tenants": ", ".join(u.tenant_names) or self._tr("Vacant"),
                "occupied": bool(u.tenant_names),
            }
            for u in view.units
        ]
        # Remove/Revoke show only where the service would allow it (the service decides).
        may_remove = {"staff": view.can_manage, "manager": view.is_owner}
        self.people = [
            {
                "membership_id": p.membership_id,
                "name": p.full_name,
                "email": p.email,
                "phone": p.phone,
                "role": p.role,
                "unit": p.unit_label,
                "removable": may_remove.get(p.role, False),
            }
            for p in view.people
        ]
        self.invitations = [
            {
                "id": i.id,
                "email": i.email,
                "role": i.role,
                "invited_by": i.invited_by,
                "sent": formats.day(i.created_at, view.timezone),
                "expires": formats.day(i.expires_at, view.timezone),
                "revocable": may_remove.get(i.role, False),
            }
            for i in view.invitations
        ]

    @rx.event
    async def save_details(self, form: dict[str, Any]) -> None:
        pid = self.property_id
        values = [
            text(form, "name", 300),
            text(form, "address", 500),
            text(form, "default_rent", 20),
        ]
        await self._act(
            lambda s, a: properties.update_property(s, a, pid, *values),
            "Property details saved.",
            form,
        )

    @rx.event
    async def save_rules(self, form: dict[str, Any]) -> None:
        pid = self.property_id
        values = [
            text(form, "late_fee_kind", 10),
            text(form, "late_fee_value", 12),
            text(form, "grace_days", 5),
            text(form, "remind_before", 5),
            text(form, "remind_after", 5),
        ]
        await self._act(
            lambda s, a: properties.update_rules(s, a, pid, *values), "Rent rules saved.", form
        )

    @rx.event
    async def save_unit(self, form: dict[str, Any]) -> None:
        unit_id = int_or_none(text(form, "unit_id", 20)) or 0
        label, rent = text(form, "label", 40), text(form, "rent", 20)
        await self._act(
            lambda s, a: properties.update_unit(s, a, unit_id, label, rent), "Unit saved.", form
        )

    @rx.event
    async def add_unit(self, form: dict[str, Any]) -> None:
        pid = self.property_id
        label, rent = text(form, "label", 40), text(form, "rent", 20)
        await self._act(
            lambda s, a: properties.add_unit(s, a, pid, label, rent), "Unit added.", form
        )

    @rx.event
    async def delete_unit(self, unit_id: int) -> None:
        uid = int_or_none(unit_id) or 0
        await self._act(lambda s, a: properties.delete_unit(s, a, uid), "Unit deleted.")

    @rx.event
    async def invite(self, form: dict[str, Any]) -> None:
        pid, ip = self.property_id, self._client_ip()
        email, role = text(form, "email", 300), text(form, "role", 20)
        answer: list[str] = []  # the service's answer: the same whoever the address belongs to
        if await self._act(
            lambda s, a: answer.append(invitations.invite(s, a, pid, email, role, ip=ip)),
            form=form,
        ):
            self.notice = answer[0]

    @rx.event
    async def remove_person(self, membership_id: int) -> None:
        pid, mid = self.property_id, int_or_none(membership_id) or 0
        name = next((p["name"] for p in self.people if p["membership_id"] == mid), "")
        await self._act(
            lambda s, a: memberships.remove_member(s, a, pid, mid),
            "{name} was removed from this property.",
            name=name or self._tr("The person"),
        )

    @rx.event
    async def revoke_invitation(self, invitation_id: int) -> None:
        iid = int_or_none(invitation_id) or 0
        email = next((i["email"] for i in self.invitations if i["id"] == iid), "")
        await self._act(
            lambda s, a: invitations.revoke_invitation(s, a, iid),
            "The invitation to {email} was revoked: its link no longer works.",
            email=email or self._tr("that address"),
        )
