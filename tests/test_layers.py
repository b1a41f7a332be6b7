"""The dependency arrows run one way: ``graph/`` is pure algorithms, storage lives in
``crawler/db/``, and the shared enums import nothing of the project."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """Top-level module names a file imports (``from x.y import z`` gives ``x.y``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.add(node.module)
    return out


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", _files("graph"), ids=lambda p: str(p.relative_to(ROOT)))
def test_graph_imports_no_storage_nor_crawler(path: Path) -> None:
    banned = ("crawler", "sqlalchemy", "scrapy", "alembic")
    bad = sorted(m for m in _imports(path) if m.split(".")[0] in banned)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_shared_enums_import_nothing_of_the_project() -> None:
    mods = _imports(ROOT / "crawler" / "kinds.py")
    assert not [m for m in mods if m.split(".")[0] in ("crawler", "graph")]
