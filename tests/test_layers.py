"""The code's shape: the domain never reaches into the web, and no module needs itself back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "memorial"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (at any depth of its code), as absolute names; for
    ``from X import y`` both ``X`` and ``X.y`` (y may be a module)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
#: The web, and the two modules that put the whole app together on top of it.
WEB = {name for name in MODULES if name == "memorial.web" or name.startswith("memorial.web.")}
ON_TOP = {"memorial", "memorial.cli"}
DOMAIN = sorted(set(MODULES) - WEB - ON_TOP)


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_and_search_never_import_the_web(module):
    imported = _imports(MODULES[module])
    assert not {m for m in imported if m == "memorial.web" or m.startswith("memorial.web.")}
    # The domain works the same from a request, a command or a worker: it never reads one.
    assert "flask.request" not in imported and "flask.session" not in imported
    assert "memorial.create_app" not in imported


def test_no_module_imports_itself_back():
    """No cycle among the package's modules, counting imports inside functions too."""
    graph = {
        name: {m for m in _imports(path) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    # A package's __init__ is imported with any of its modules: an edge to a submodule of a
    # package the importer belongs to is the package's own business, not a cycle.
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if node.startswith(nxt + ".") or nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
