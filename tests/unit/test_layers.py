"""Layers point down: no module of locum imports a module of a higher layer.

From the lowest: settings, logs and kit (pure helpers); db; instances; outbox (events and their
delivery); messages (emails and SMS, which record events); api (HTTP plumbing); resources (the
Clerk resource groups); cli, app and seeds (which compose everything, the workers included); testing
(the pytest plugin, for other projects' suites). Migrations sit with db. Every import counts, at module
level or inside a function.
"""

import ast
from pathlib import Path

import locum

SOURCE = Path(locum.__file__).parent
LAYERS = {
    "settings": 0,
    "logs": 0,
    "kit": 0,
    "db": 1,
    "migrations": 1,
    "instances": 2,
    "outbox": 3,
    "messages": 4,
    "api": 5,
    "resources": 6,
    "cli": 7,
    "app": 7,
    "seeds": 7,
    "__main__": 7,
    # other projects' test suites: runs locum as a process, and nothing in locum imports it
    "testing": 8,
}


def _package(module: str) -> str | None:
    """The top-level package of locum `module` belongs to (None for a module outside locum)."""
    parts = module.split(".")
    if parts[0] != "locum" or len(parts) < 2:
        return None
    return parts[1]


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.AST, module: str) -> list[str]:
    """The modules `tree` imports, relative imports resolved against `module`."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: -node.level]
                base = ".".join([*package, base] if base else package)
            names.append(base)
    return names


def upward_imports() -> list[str]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        module = _module_name(path)
        package = _package(module)
        if package is None:
            continue
        assert package in LAYERS, f"{package}: give this package of locum a layer in LAYERS"
        for imported in _imported(ast.parse(path.read_text(), str(path)), module):
            target = _package(imported)
            if target is None:
                continue
            assert target in LAYERS, f"{imported} (imported by {module}): give its package a layer in LAYERS"
            if LAYERS[target] > LAYERS[package]:
                found.append(f"{module} imports {imported} ({package} is below {target})")
    return found


def test_no_module_imports_a_higher_layer() -> None:
    assert upward_imports() == []
