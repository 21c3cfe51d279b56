"""Services hold no SQL: they reach the database only through ``axon.store`` functions.

(The import-linter contracts cover the other layers; this one is checked here.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import axon.services

SERVICES = sorted(Path(axon.services.__file__).parent.glob("*.py"))


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_service_modules_do_not_import_the_database_library(path: Path) -> None:
    assert not {m for m in _imported_modules(path) if m.split(".")[0] == "sqlalchemy"}
