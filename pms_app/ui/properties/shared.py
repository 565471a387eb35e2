"""What the property page shows of its people: members, open invitations, the invite form
(a section of /property kept apart so the page stays short; state: property_state)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from pms_app.ui.components.forms import confirm_button, submit_button, write_form
from pms_app.ui.components.layout import empty_state, role_name
from pms_app.ui.properties.property_state import PropertyState
from pms_app.ui.shell.i18n import t


def _person_row(p: Any) -> rx.Component:
    S = PropertyState
    return rx.hstack(
        rx.badge(role_name(p["role"])),
        rx.text(p["name"], weight="medium"),
        rx.text(p["email"], color_scheme="gray", size="2"),
        rx.cond(p["unit"] != "", rx.text(t("unit {unit}", unit=p["unit"]), size="2")),
        rx.cond(
            p["removable"].to(bool),
            confirm_button(
                t("Remove"),
                t("Remove {name} from this property?", name=p["name"]),
                t("They lose access to this property at once. You can invite them again later."),
                S.remove_person(p["membership_id"]),
                variant="ghost",
            ),
        ),
        wrap="wrap",
        align="center",
        class_name="person-row",
    )


def _invitation_row(i: Any) -> rx.Component:
    S = PropertyState
    return rx.hstack(
        rx.badge(role_name(i["role"]), variant="outline"),
        rx.text(i["email"], weight="medium"),
        rx.text(
            t(
                "sent {sent} by {invited_by}, expires {expires}",
                sent=i["sent"],
                invited_by=i["invited_by"],
                expires=i["expires"],
            ),
            color_scheme="gray",
            size="2",
        ),
        rx.cond(
            i["revocable"].to(bool),
            confirm_button(
                t("Revoke"),
                t("Revoke the invitation to {email}?", email=i["email"]),
                t("Its link stops working at once. You can send a new invitation later."),
                S.revoke_invitation(i["id"]),
                variant="ghost",
            ),
        ),
        wrap="wrap",
        align="center",
        class_name="invitation-row",
    )


def _invitations_list() -> rx.Component:
    S = PropertyState
    return rx.cond(
        S.invitations.length() > 0,
        rx.vstack(
            rx.heading(t("Invitations not yet accepted"), size="3", as_="h3"),
            rx.foreach(S.invitations, _invitation_row),
            spacing="2",
            id="invitations-list",
            width="100%",
        ),
    )


def _invite_form() -> rx.Component:
    S = PropertyState
    return write_form(
        rx.hstack(
            rx.input(
                name="email",
                type="email",
                placeholder=t("Email to invite"),
                aria_label=t("Email to invite"),
                required=True,
                width="240px",
            ),
            rx.el.select(
                rx.el.option(t("staff"), value="staff"),
                rx.el.option(t("manager"), value="manager"),
                name="role",
                default_value="staff",
                aria_label=t("Role"),
                style={"padding": "6px"},
            ),
            submit_button(t("Send invitation"), S, "invite-form", variant="outline"),
            wrap="wrap",
        ),
        state=S,
        form_id="invite-form",
        on_submit=S.invite,
    )


def people_section() -> rx.Component:
    S = PropertyState
    return rx.cond(
        S.can_manage,
        rx.vstack(
            rx.heading(t("People"), size="5", as_="h2"),
            rx.callout(
                rx.el.span(  # inline: the callout's text is already a <p>
                    t("Tenants sign up with the code"),
                    " ",
                    rx.code(S.code, id="signup-code"),
                    " ",
                    t("(their paybill account numbers start with it), or this link:"),
                    " ",
                    rx.link(S.signup_link, href=S.signup_link, id="signup-link"),
                ),
                icon="user_plus",
                width="100%",
            ),
            rx.cond(
                S.people.length() == 0,
                empty_state(
                    t("No tenants or staff yet. Tenants sign up and appear under Approvals.")
                ),
                rx.vstack(rx.foreach(S.people, _person_row), spacing="2", id="people-list"),
            ),
            _invitations_list(),
            _invite_form(),
            rx.text(
                t(
                    "Managers act for you (e.g. estate committee members); staff are caretakers. "
                    "Only the owner can invite and remove managers; "
                    "the owner and managers remove staff."
                ),
                size="1",
                color_scheme="gray",
            ),
            width="100%",
            spacing="3",
            id="people-section",
        ),
    )
