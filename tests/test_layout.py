"""How the tests are laid out: shared helpers live in ``tests/helpers.py`` only."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(tree: ast.AST):
    """Every module a file imports from, with its line: ``.x`` for a relative import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.module is None:  # from . import x
                for alias in node.names:
                    yield "." * node.level + alias.name, node.lineno
            else:
                yield "." * node.level + node.module, node.lineno


def _forbidden(module: str) -> bool:
    """An import of a conftest file or of a test module (``conftest``, ``.conftest``,
    ``test_x``, ``.test_x``, ``browser.conftest``...)."""
    parts = module.lstrip(".").split(".")
    return any(part == "conftest" or part.startswith("test_") for part in parts)


def test_tests_import_helpers_only_from_helpers():
    """Tests share functions and constants through ``helpers`` or fixtures, never by importing
    a conftest or another test module."""
    wrong = []
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module, line in _imported_modules(tree):
            if _forbidden(module):
                wrong.append(f"{path.relative_to(TESTS)}:{line}: {module}")
    assert not wrong, "import these from helpers instead:\n" + "\n".join(wrong)
