"""Find every msgid in the code, and every user-facing literal in `ui/` that skips the layer.

    python -m pms_app.core.i18n_extract            # list msgids without a Swahili translation
    python -m pms_app.core.i18n_extract --update   # append them, untranslated, to sw/…/new.po

An AST walk rather than `pybabel extract`: the msgid of `_act(fn, "Unit added.")` or of
`clean_amount(value, "rent", "the rent")` sits after a lambda or a field name, where Babel's
tokenizer does not look. tests/unit/core/test_catalog.py runs it on every commit.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pms_app.core.i18n import catalog

PACKAGE = Path(__file__).resolve().parent.parent

# Call name → where its msgids are: argument positions and keyword names. The name is the
# function's own (`t`, `self._act`, `formats.plural`, `Term.first`).
MSGID_ARGS: dict[str, tuple[int | str, ...]] = {
    "t": (0,),
    "N_": (0,),
    "_title": (0,),  # a page's tab title (pms_app.py)
    "gettext": (0,),
    "gettext_in": (1,),
    "Term": (0,),
    "first": (0,),  # Term.first
    "ngettext": (0, 1),
    "plural": (1, 2),  # formats.plural(n, one, many)
    "tn": (0, 1),  # ui plural
    "ServiceError": (0,),
    "update_or_refuse": (2,),  # core.db: the refusal when another request decided first
    "ValidationError": (0,),
    "Throttled": (1, "message"),
    "_act": (1, "notice"),
    "_tr": (0,),
    # Validators name the value in the sentence: "Enter {what}." with what="the rent".
    "clean_text": (2, "what"),
    "clean_amount": (2, "what"),
    "clean_int": (2, "what"),
    "clean_name": (2, "what"),
    "parse_date": (2, "what"),
    "check_date_range": (2, "what"),
}
PLURAL_CALLS = {"ngettext": (0, 1), "plural": (1, 2), "tn": (0, 1)}

# A literal in ui/ that starts like a sentence or a label ("Add unit", "Cash") is user-facing.
_PROSE = re.compile(r"^\W*[A-Z][a-z]")
# Keyword arguments whose values are never shown: ids, names, addresses, styles, codes.
_CODE_KEYWORDS = {
    "id",
    "name",
    "href",
    "type",
    "type_",
    "value",
    "key",
    "color_scheme",
    "font_family",
    "auto_complete",
    "input_mode",
    "accept",
    "method",
    "encoding",
    "role",
    "tag",
    "src",
    "as_",
    "on_click",
    "target",
    "rel",
    "form",
    "default_value",
    "direction",
    "align",
    "justify",
}


@dataclass(frozen=True)
class Found:
    msgid: str
    plural: str | None
    where: str  # path:line


@dataclass(frozen=True)
class Problem:
    where: str
    text: str
    why: str


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _arg(node: ast.Call, spot: int | str) -> ast.expr | None:
    if isinstance(spot, int):
        return node.args[spot] if len(node.args) > spot else None
    return next((k.value for k in node.keywords if k.arg == spot), None)


def _files(root: Path = PACKAGE) -> Iterator[Path]:
    yield from sorted(p for p in root.rglob("*.py") if "locale" not in p.parts)


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', 0)}"


def scan(root: Path = PACKAGE) -> tuple[list[Found], list[Problem]]:
    """Every msgid (with its plural) and every problem: an f-string or other computed text where
    a msgid belongs, and a user-facing literal in ui/ outside the layer."""
    found: list[Found] = []
    problems: list[Problem] = []
    for path in _files(root):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        claimed: set[int] = set()  # ids of Constant nodes that are msgids (or their docstrings)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                _collect(path, node, found, problems, claimed)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = node.body[0] if node.body else None
                if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant):
                    claimed.add(id(doc.value))
        if "ui" in path.relative_to(PACKAGE).parts[:1]:
            problems.extend(_bypasses(path, tree, claimed))
    return found, problems


def _collect(
    path: Path, node: ast.Call, found: list[Found], problems: list[Problem], claimed: set[int]
) -> None:
    name = _call_name(node)
    spots = MSGID_ARGS.get(name)
    if not spots or (name == "first" and not _is_term_first(node)):
        return
    if name in PLURAL_CALLS:
        one, many = (_arg(node, s) for s in PLURAL_CALLS[name])
        if isinstance(one, ast.Constant) and isinstance(many, ast.Constant):
            claimed.update({id(one), id(many)})
            found.append(Found(str(one.value), str(many.value), _where(path, node)))
        return
    for spot in spots:
        value = _arg(node, spot)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            claimed.add(id(value))
            if value.value.strip():
                found.append(Found(value.value, None, _where(path, node)))
        elif isinstance(value, ast.JoinedStr):
            problems.append(
                Problem(_where(path, node), ast.unparse(value), f"an f-string given to {name}()")
            )


def _is_term_first(node: ast.Call) -> bool:
    func = node.func
    return isinstance(func, ast.Attribute) and ast.unparse(func.value) == "Term"


def _bypasses(path: Path, tree: ast.AST, claimed: set[int]) -> Iterator[Problem]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in _CODE_KEYWORDS:
            skipped.update(id(n) for n in ast.walk(node.value))
        elif isinstance(node, ast.Dict):  # styles and row keys: {"fontWeight": …}
            skipped.update(id(k) for k in node.keys if k is not None)
        elif (
            isinstance(node, ast.Compare)
            or isinstance(node, ast.Call)
            and _call_name(node) in {"icon", "Field", "getLogger"}
        ):  # S.role == "Tenant"
            skipped.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in claimed
            and id(node) not in skipped
            and _PROSE.match(node.value)
        ):
            yield Problem(_where(path, node), node.value, "a user-facing literal outside t()")


def main(argv: list[str]) -> int:
    found, problems = scan()
    for p in problems:
        print(f"{p.where}: {p.why}: {p.text!r}")
    sw = catalog("sw")
    missing: dict[str, Found] = {}
    for f in found:
        if f.msgid not in sw and f.msgid not in missing:
            missing[f.msgid] = f
    for f in missing.values():
        print(f"{f.where}: untranslated: {f.msgid!r}")
    if "--update" in argv and missing:
        _append_untranslated(list(missing.values()))
    print(f"{len(found)} msgids, {len(missing)} without Swahili, {len(problems)} problems")
    return 1 if missing or problems else 0


def _append_untranslated(missing: list[Found]) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = PACKAGE / "locale" / "sw" / "LC_MESSAGES" / "new.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as handle:
            cat = read_po(handle, locale="sw")
    else:
        cat = Catalog(locale="sw", project="pms")
    for f in missing:
        cat.add((f.msgid, f.plural) if f.plural else f.msgid, ("", "") if f.plural else "")
    with path.open("wb") as handle:
        write_po(handle, cat, width=100, omit_header=False, no_location=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
