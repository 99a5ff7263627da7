"""The identity model stands below the linking modules, never importing them back: stricter than
the no-circles rule import-linter checks in scripts/test (which also keeps identity below the
apps above it)."""

from __future__ import annotations

import ast
from pathlib import Path

import vigil.identity

PACKAGE = Path(vigil.identity.__file__).parent
LINKING = {
    "vigil.identity.scoring",
    "vigil.identity.linking",
    "vigil.identity.person_index",
    "vigil.identity.explain",
}


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (lazy imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_model_does_not_import_the_linking_modules() -> None:
    assert not imports_of(PACKAGE / "model.py") & LINKING
    # The DuckDB plumbing both use stands below both.
    assert not {
        n
        for n in imports_of(PACKAGE / "duck.py")
        if n.startswith("vigil.identity") and not n.startswith("vigil.identity.frames")
    }
