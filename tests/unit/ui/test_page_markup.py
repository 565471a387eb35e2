"""Every page's markup, every branch of it (rx.cond/rx.match/rx.foreach render both sides here,
unlike the browser sweep in tests/e2e/test_accessibility.py, which sees one state of each page):

- every form control has an accessible name: aria-label, aria-labelledby, a <label for> its id,
  or a label around it (#10.4);
- nothing block-level sits inside a <p> (a callout's text, rx.text): the browser's parser moves
  it out, the DOM no longer matches React's and the page fails to hydrate (React error #418)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import reflex as rx

import pms_app.pms_app as app_module
from pms_app.ui.accounts import login, reset, signup, waiting
from pms_app.ui.properties import invitation
from pms_app.ui.public import not_found, public
from pms_app.ui.simulator import phone

PAGES: list[tuple[str, Callable[[], rx.Component]]] = [
    *((route, page) for page, route, _title, _state in app_module.MEMBER_PAGES),
    ("/", public.index_page),
    ("/about", public.about_page),
    ("/contact", public.contact_page),
    ("404", not_found.not_found_page),
    ("/login", login.login_page),
    ("/signup", signup.signup_page),
    ("/signup/tenant", signup.tenant_signup_page),
    ("/forgot-password", reset.forgot_page),
    ("/reset-password", reset.reset_page),
    ("/waiting", waiting.waiting_page),
    ("/invitation", invitation.invitation_page),
    ("/simulator/phone", phone.phone_page),
]

CONTROLS = {
    '"input"',
    '"select"',
    '"textarea"',
    "RadixThemesTextField.Root",
    "RadixThemesTextArea",
    "RadixThemesSelect.Trigger",
    "RadixThemesCheckbox",
    "RadixThemesSwitch",
}
NOT_NAMED = {"hidden", "submit", "button"}  # input types that need no label
# Rendered as a <p>, and what may not go in one (block elements, or another <p>).
PARAGRAPH = {'"p"', "RadixThemesCallout.Text", "RadixThemesAlertDialog.Description"}
BLOCK = {
    '"div"',
    '"p"',
    '"form"',
    '"ul"',
    '"table"',
    "RadixThemesFlex",
    "RadixThemesBox",
    "RadixThemesCard",
    "RadixThemesHeading",
    "RadixThemesCallout.Root",
    "RadixThemesTable.Root",
    "RadixFormRoot",
}
# Rendered elsewhere in the document (a portal): not inside the <p> around its trigger.
PORTALS = ("Content",)


def _props(node: dict[str, Any]) -> dict[str, str]:
    out = {}
    for prop in node.get("props", []):
        key, _, value = str(prop).partition(":")
        out[key.strip('"')] = value.strip('"')
    return out


def _tag(node: dict[str, Any]) -> str:
    """The element a node renders: a Radix Text's `as` decides whether it is a <p>."""
    name, props = node.get("name", ""), _props(node)
    if name == "RadixThemesText":
        return '"p"' if props.get("as", "p") in ("p", "div") else '"span"'
    return name


def _walk(
    node: Any, labelled: bool = False, in_p: str = ""
) -> Iterator[tuple[str, Any, bool, str]]:
    """(tag, node, inside a label, the <p> it is inside) for every element, every branch."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, labelled, in_p)
        return
    if not isinstance(node, dict):
        return
    if "name" in node:
        tag = _tag(node)
        yield tag, node, labelled, in_p
        labelled = labelled or tag == '"label"' or _props(node).get("as") == "label"
        if tag in PARAGRAPH:
            in_p = in_p or node["name"]
        if node["name"].endswith(PORTALS):
            in_p = ""
    for key, value in node.items():
        if key not in ("name", "props"):
            yield from _walk(value, labelled, in_p)


def _render(page: Callable[[], rx.Component]) -> dict[str, Any]:
    return json.loads(json.dumps(page().render(), default=str))


@pytest.mark.parametrize("route,page", PAGES, ids=[r for r, _p in PAGES])
def test_every_form_control_has_an_accessible_name(
    route: str, page: Callable[[], rx.Component]
) -> None:
    tree = _render(page)
    label_for = set(re.findall(r'htmlFor:\\"([^"\\]+)', json.dumps(tree)))
    unnamed = []
    for tag, node, labelled, _p in _walk(tree):
        props = _props(node)
        if tag not in CONTROLS or props.get("type") in NOT_NAMED:
            continue
        named = labelled or "aria-label" in props or "aria-labelledby" in props
        named = named or "ariaLabel" in props or "ariaLabelledby" in props
        if not named and props.get("id") not in label_for:
            unnamed.append(f"{tag} {props.get('name') or props.get('id') or props}")
    assert unnamed == [], f"{route}: controls without an accessible name: {unnamed}"


@pytest.mark.parametrize("route,page", PAGES, ids=[r for r, _p in PAGES])
def test_nothing_block_level_inside_a_paragraph(
    route: str, page: Callable[[], rx.Component]
) -> None:
    nested = [
        f"{tag} in {in_p}: {_props(node).get('id') or ''}"
        for tag, node, _l, in_p in _walk(_render(page))
        if in_p and tag in BLOCK
    ]
    assert nested == [], f"{route}: block elements inside a <p> (hydration #418): {nested}"
