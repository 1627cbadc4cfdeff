"""The import contract of DESIGN.md: tui -> range -> {scenarios, indicators}."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "indicators": {"range", "tui", "scenarios", "textual"},
    "scenarios": {"range", "tui", "textual"},
    "range": {"tui", "textual"},
    "tui": set(),
}


def _imports(path: Path) -> list[tuple[int, str, bool]]:
    """(line, top-level module, is a bare ``import X``) for every import in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.split(".")[0], a.name == "range") for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0], False))
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_flow_one_way(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"package {package} has no modules"
    bad = [
        f"{f.relative_to(ROOT)}:{line} imports {mod}"
        for f in files
        for line, mod, _ in _imports(f)
        if mod in FORBIDDEN[package]
    ]
    assert bad == []


def test_no_bare_import_of_range() -> None:
    bad = [
        f"{f.relative_to(ROOT)}:{line}"
        for pkg in ("range", "indicators", "scenarios", "tui", "tests")
        for f in sorted((ROOT / pkg).rglob("*.py"))
        for line, _, bare in _imports(f)
        if bare
    ]
    assert bad == []
