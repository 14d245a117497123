"""Dependencies run one way (README: How it is built): a module imports only from core, its own
package, or a lower layer; pages and commands (entry points) sit on top and may use any service, but
never another package's entry point. An AST scan of every import in uth/, function-level ones too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

UTH = Path(__file__).resolve().parents[2] / "uth"

CORE = {"extensions", "errors", "types", "clock", "i18n", "hooks", "commands", "storage", "fields",
        "migrate", "translations", "csvsafe", "ratelimit", "bulk"}
LAYERS = [
    {"taxonomy", "deadlines", "auth"},
    {"audit", "notifications"},
    {"routing", "integrity"},
    {"reports"},
    {"anonymisation", "rca", "search"},
    {"handling", "fhir"},
    {"learning"},
]
RANK = {package: rank for rank, packages in enumerate(LAYERS, start=1) for package in packages}
TOP = {"api", "web", "cli", "demo", "models", "__init__", "headers"}
# The wiring in plain sight: the app factory and the `uth` command group list every page and command.
WIRING = {("__init__",), ("cli",)}


def _is_entry_point(parts: tuple[str, ...]) -> bool:
    """Pages and commands: a package's views, *_views and cli modules, and the top-level ones."""
    return parts[0] in TOP or parts[-1] in ("views", "cli") or parts[-1].endswith("_views")


def _module_parts(path: Path, root: Path) -> tuple[str, ...]:
    parts = path.relative_to(root).with_suffix("").parts
    return parts[:-1] if parts[-1] == "__init__" and len(parts) > 1 else parts


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if node.module == "uth":  # `from uth import hooks`
                yield node.lineno, names[1:]
            elif node.module.startswith("uth."):
                yield node.lineno, [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            yield node.lineno, ["." * node.level + (node.module or "")]
        elif isinstance(node, ast.Import):
            yield node.lineno, [a.name for a in node.names if a.name.startswith("uth.")]


def violations(root: Path = UTH) -> list[str]:
    """Every import in `root` that breaks the layering, as 'file:line: message'."""
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = _module_parts(path, root)
        here = parts[0]
        for lineno, targets in _imports(path):
            for target in targets:
                if target.startswith("."):
                    continue  # relative: inside its own package
                tparts = tuple(target.split(".")[1:])
                if not tparts:
                    continue
                there = tparts[0]
                where = f"{path.relative_to(root.parent)}:{lineno}"
                if there == here:
                    if not _is_entry_point(parts) and len(tparts) > 1 and _is_entry_point(tparts):
                        found.append(f"{where}: a service imports its package's page or command module {target}")
                    continue
                if _is_entry_point(parts):
                    if parts not in WIRING and there not in TOP and len(tparts) > 1 and _is_entry_point(tparts):
                        found.append(f"{where}: an entry point imports another package's entry point {target} "
                                     "(share UI helpers through uth.web)")
                    continue
                if there in CORE:
                    continue
                if here in CORE:
                    found.append(f"{where}: core module imports the feature {target}")
                elif there in TOP:
                    found.append(f"{where}: {here} imports the entry point {target}")
                elif there not in RANK or here not in RANK:
                    found.append(f"{where}: {here} or {there} has no layer (add it to LAYERS in this test)")
                elif RANK[there] >= RANK[here]:
                    found.append(f"{where}: {here} (layer {RANK[here]}) imports {target} (layer {RANK[there]}); "
                                 "a lower layer reacts to a higher one through uth.hooks, never an import")
    return found


def test_every_package_has_a_layer():
    packages = {p.name for p in UTH.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in UTH.glob("*.py")}
    assert packages - set(RANK) - TOP - CORE == set(), "a new package needs a place in LAYERS"
    assert modules - CORE - TOP == set(), "a new top-level module is core or top"


def test_dependencies_run_one_way():
    assert violations() == []


@pytest.mark.parametrize(("where", "line", "why"), [
    ("auth/permissions.py", "from uth.reports.models import Case", "auth (layer 1) imports uth.reports.models"),
    ("notifications/sender.py", "    from uth.anonymisation.services import purge_storage", "notifications (layer 2)"),
    ("search/views.py", "from uth.reports.views import bp", "another package's entry point"),
    ("clock.py", "from uth.auth.models import User", "core module imports the feature"),
    ("reports/services.py", "from uth.reports.views import bp", "its package's page or command module"),
])
def test_a_wrong_import_is_caught(tmp_path, where, line, why):
    """The scan itself: an upward import planted in a copy of uth/ is named."""
    import shutil

    copy = tmp_path / "uth"
    shutil.copytree(UTH, copy, ignore=shutil.ignore_patterns("__pycache__", "translations"))
    target = copy / where
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _planted():\n    {line.strip()}\n", encoding="utf-8")
    found = violations(copy)
    assert len(found) == 1 and why in found[0] and where in found[0]
