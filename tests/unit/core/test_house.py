"""The shape of the house (docs/architecture.md), checked on the source: modules stay small, an
import placed inside a function says why, and pages stand alone. (The import direction between
packages is import-linter's job: `.importlinter`, run by .ci/run.)"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MAX_LINES = 400
# Modules still over the limit, each with its reason; the list may only shrink.
TOO_LONG: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted((ROOT / "pms_app").rglob("*.py"))


def test_modules_stay_under_the_limit_or_are_listed_with_a_reason() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert set(long) <= set(TOO_LONG), (
        f"over {MAX_LINES} lines, not listed: {set(long) - set(TOO_LONG)}"
    )
    assert set(TOO_LONG) <= set(long), f"listed but short now (remove): {set(TOO_LONG) - set(long)}"


def test_imports_inside_functions_say_why() -> None:
    silent = []
    for path in _modules():
        lines = path.read_text().splitlines()
        for fn in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                if not (module or "").startswith("pms_app"):
                    continue
                here, above = lines[node.lineno - 1], lines[node.lineno - 2].strip()
                if "#" not in here and not above.startswith("#"):
                    silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, tree: ast.AST | None = None) -> list[tuple[int, str, str | None, str]]:
    """(line, module, name, local name) for each import: `from m import n as a` gives
    (m, n, a), `import m.x as a` gives (m.x, None, a); relative imports resolved. Imports under
    TYPE_CHECKING count."""
    here = _module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, str, str | None, str]] = []
    for node in ast.walk(tree or ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, None, a.asname or a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found += [(node.lineno, module, a.name, a.asname or a.name) for a in node.names]
    return found


# What a ui domain's pages may share among themselves: page states (`*_state`) and form pieces
# (`shared`). Every other module of pms_app/ui/<domain>/ is a page, which only pms_app.pms_app
# registers; what two pages or two domains share goes to ui/components or ui/shell.
UI_COMMON = {"shell", "components"}


def _ui_domain_modules() -> dict[str, str]:
    """module → its ui domain, for every module in pms_app/ui/<domain>/."""
    return {
        _module_name(p): p.parent.name
        for p in (ROOT / "pms_app" / "ui").glob("*/*.py")
        if p.parent.name not in UI_COMMON and p.name != "__init__.py"
    }


def _is_page(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return not (last.endswith("_state") or last == "shared")


def test_no_page_imports_another_page_or_another_ui_domain() -> None:
    domain_of = _ui_domain_modules()
    bad = []
    for path in (ROOT / "pms_app" / "ui").rglob("*.py"):
        importer = _module_name(path)
        for line, module, name, _local in _imports(path):
            # `from pms_app.ui.leases import lease` imports the module pms_app.ui.leases.lease.
            target = f"{module}.{name}" if f"{module}.{name}" in domain_of else module
            if target not in domain_of or target == importer:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if _is_page(target):
                bad.append(f"{where}, a page")
            elif domain_of[target] != domain_of.get(importer):
                bad.append(f"{where}, of another ui domain")
    assert bad == []


# Cross-package uses of private names still allowed ("path: module.name"); the list may only shrink.
# Empty: none is left (bookings, payments, simulator and integrations.daraja included).
PRIVATE_ALLOWED: set[str] = set()


def _package(module: str) -> str:
    """pms_app.<package>.… → <package>; a top-level module (pms_app.cli) is its own package."""
    return module.split(".")[1] if module.count(".") else ""


def _is_private(dotted: str) -> bool:
    return any(p.startswith("_") and not p.startswith("__") for p in dotted.split("."))


def test_no_package_uses_a_private_name_of_another() -> None:
    """`_name`, or anything in a `_module`, belongs to its own top-level package (core and
    integrations count as packages): what another package needs is made public."""
    found = set()
    for path in _modules():
        mine, tree = _package(_module_name(path)), ast.parse(path.read_text())
        where = str(path.relative_to(ROOT))
        theirs = {}  # local name → the module or name of another package it is bound to
        for _line, module, name, local in _imports(path, tree):
            if not module.startswith("pms_app.") or _package(module) == mine:
                continue
            dotted = f"{module}.{name}" if name else module
            if _is_private(dotted.removeprefix("pms_app.")):
                found.add(f"{where}: {dotted}")
            theirs[local] = dotted
        # `from pms_app.payments import service as payments; payments._label(…)` counts too.
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in theirs
                and _is_private(node.attr)
            ):
                found.add(f"{where}: {theirs[node.value.id]}.{node.attr}")
    assert found <= PRIVATE_ALLOWED, f"private names of another package: {found - PRIVATE_ALLOWED}"
    assert found >= PRIVATE_ALLOWED, f"allowed but gone (remove): {PRIVATE_ALLOWED - found}"
