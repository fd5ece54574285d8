"""The network service's layers: network/service never imports Starlette nor network/api; no
module of network/api imports both Starlette and SQLAlchemy at run time (handlers are thin)."""

from __future__ import annotations

import ast
from pathlib import Path

import nubo.network

ROOT = Path(nubo.network.__file__).parent


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported outside `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text())
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_the_service_never_imports_http_nor_the_api() -> None:
    bad = {str(p.relative_to(ROOT)): sorted(m for m in _runtime_imports(p)
                                            if m.startswith(("starlette", "nubo.network.api")))
           for p in (ROOT / "service").rglob("*.py")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_no_api_module_uses_both_http_and_sql() -> None:
    both = []
    for p in (ROOT / "api").rglob("*.py"):
        mods = _runtime_imports(p)
        if any(m.startswith("starlette") for m in mods) and \
                any(m.startswith("sqlalchemy") for m in mods):
            both.append(str(p.relative_to(ROOT)))
    assert both == []
