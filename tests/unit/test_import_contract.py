"""The import contract (issue 12): host agents never reach the database or the service layer,
nor does the host role (roles/host.py, the process without database credentials) through
anything it imports; the service layer never sees HTTP, the HTTP layer never builds SQL
(the service owns its transactions), and no two modules import each
other (directly or round a circle). The rules are in `import_contract.py`; the violations
that exist today are listed below with the reason each is still there. The list only
shrinks: a new violation fails, and so does an entry that no longer occurs (delete it)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import nubo
from tests.unit.import_contract import (
    DB_FREE_ROLES,
    Graph,
    cycles,
    parse_tree,
    violations,
)

KNOWN: dict[str, str] = {}


def _tree() -> Graph:
    return parse_tree(Path(nubo.__file__).parent)


def contract_failures(found: set[str], known: dict[str, str]) -> list[str]:
    """What is wrong: a violation not in `known`, or a `known` entry that no longer occurs."""
    new = sorted(found - set(known))
    gone = sorted(set(known) - found)
    out = []
    if new:
        out.append("import contract broken (rules in tests/unit/import_contract.py):\n  "
                   + "\n  ".join(new))
    if gone:
        out.append("fixed, delete from KNOWN in tests/unit/test_import_contract.py:\n  "
                   + "\n  ".join(gone))
    return out


def test_no_new_violation_and_known_list_only_shrinks() -> None:
    failures = contract_failures(violations(_tree()), KNOWN)
    assert not failures, "\n".join(failures)


def test_the_db_free_roles_exist() -> None:
    """The host rule judges modules that are there (a renamed role would pass silently)."""
    graph = _tree()
    for role in DB_FREE_ROLES:
        assert f"nubo.{role}" in graph.modules, role


def test_the_known_list_must_shrink() -> None:
    known = {"cycle: a <-> b": "was there", "cycle: c <-> d": "still there"}
    assert contract_failures({"cycle: c <-> d"}, known) == [
        "fixed, delete from KNOWN in tests/unit/test_import_contract.py:\n  cycle: a <-> b"]
    assert contract_failures({"cycle: c <-> d", "cycle: a <-> b", "cycle: e <-> f"}, known) == [
        "import contract broken (rules in tests/unit/import_contract.py):\n  cycle: e <-> f"]


# ---- the checker itself, on a synthetic tree ----------------------------------------------

def _write(root: Path, files: dict[str, str]) -> Graph:
    for rel, text in files.items():
        path = root / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    for folder in [p for p in (root / "pkg").rglob("*") if p.is_dir()] + [root / "pkg"]:
        (folder / "__init__.py").touch()
    return parse_tree(root / "pkg")


CLEAN = {
    "core/db.py": "import sqlalchemy\n",
    "compute/models.py": "from pkg.core import db\n",
    "compute/states.py": "",
    "compute/service/servers.py": "from pkg.compute import models, states\n",
    "compute/api/routes.py": "import starlette.routing\nfrom pkg.compute.service import servers\n",
    "compute/agent/manager.py": "from pkg.compute import states\nfrom . import driver\n",
    "compute/agent/driver.py": "import json\n",
}


def test_a_clean_tree_has_no_violation(tmp_path: Path) -> None:
    assert violations(_write(tmp_path, CLEAN)) == set()


def test_agent_must_not_reach_database_models_or_service(tmp_path: Path) -> None:
    graph = _write(tmp_path, {**CLEAN, "compute/agent/driver.py": """
        import sqlalchemy.orm
        from ..models import Instance
        def later():
            from pkg.compute.service import servers
        """})
    assert violations(graph) == {
        "agent: pkg.compute.agent.driver imports sqlalchemy.orm (top)",
        "agent: pkg.compute.agent.driver imports pkg.compute.models (top)",
        "agent: pkg.compute.agent.driver imports pkg.compute.service.servers (deferred)",
    }


def test_agent_reaching_the_database_through_a_ground_floor_module(tmp_path: Path) -> None:
    graph = _write(tmp_path, {**CLEAN, "compute/states.py": "from pkg.core.db import Base\n"})
    assert violations(graph) == {
        "agent: pkg.compute.agent.manager reaches pkg.core.db via "
        "pkg.compute.agent.manager -> pkg.compute.states",
    }


def test_type_checking_imports_are_allowed_in_agents(tmp_path: Path) -> None:
    graph = _write(tmp_path, {**CLEAN, "compute/agent/driver.py": """
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from pkg.compute.models import Instance
        """})
    assert violations(graph) == set()


def test_service_must_not_import_starlette_or_its_api(tmp_path: Path) -> None:
    graph = _write(tmp_path, {**CLEAN, "compute/service/servers.py": """
        from starlette.requests import Request
        from pkg.compute.api import routes
        """})
    found = violations(graph)
    assert "service: pkg.compute.service.servers imports starlette.requests (top)" in found
    assert "service: pkg.compute.service.servers imports pkg.compute.api.routes (top)" in found
    # importing the API from the service also closes a circle with routes -> servers
    assert "cycle: pkg.compute.api.routes <-> pkg.compute.service.servers" in found


def test_http_layer_must_not_import_sqlalchemy_even_for_typing(tmp_path: Path) -> None:
    graph = _write(tmp_path, {
        **CLEAN,
        "compute/api/handlers.py": ("from typing import TYPE_CHECKING\nfrom pkg.core import db\n"
                                    "if TYPE_CHECKING:\n"
                                    "    from sqlalchemy.ext.asyncio import AsyncSession\n"),
        "image/routes.py": "def later():\n    import sqlalchemy\n",
        "image/handlers/images.py": "from sqlalchemy import select\n",
        "core/http.py": "import sqlalchemy\n",       # not a service's HTTP layer
    })
    assert violations(graph) == {
        "api: pkg.compute.api.handlers imports sqlalchemy.ext.asyncio (typing)",
        "api: pkg.image.routes imports sqlalchemy (deferred)",
        "api: pkg.image.handlers.images imports sqlalchemy (top)",
    }


def test_cycles_count_deferred_and_type_checking_imports(tmp_path: Path) -> None:
    graph = _write(tmp_path, {
        **CLEAN,
        "compute/service/a.py": "from pkg.compute.service import b\n",
        "compute/service/b.py": "def f():\n    from pkg.compute.service import c\n",
        "compute/service/c.py": ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                 "    from pkg.compute.service.a import A\n"),
    })
    assert cycles(graph) == [["pkg.compute.service.a", "pkg.compute.service.b",
                              "pkg.compute.service.c"]]


def test_no_private_member_of_another_object(tmp_path: Path) -> None:
    graph = _write(tmp_path, {**CLEAN, "compute/service/servers.py": """
        class Servers:
            def __init__(self, conductor):
                self._c = conductor
            def step(self):
                self._c.go()            # its own private attribute: fine
                self.conductor._commit()
                return len(self.__dict__)
        """})
    assert violations(graph) == {
        "private: pkg.compute.service.servers uses self.conductor._commit"}


def test_relative_imports_resolve_to_modules(tmp_path: Path) -> None:
    graph = _write(tmp_path, {**CLEAN, "compute/agent/manager.py": "from .driver import x\n"
                                                                 "from .. import states\n"})
    targets = {i.target for i in graph.imports["pkg.compute.agent.manager"]}
    assert targets == {"pkg.compute.agent.driver", "pkg.compute.states"}


def test_host_role_must_not_reach_the_database_through_anything(tmp_path: Path) -> None:
    """Unlike an agent module, the host role is judged on its whole closure: a helper outside
    the agent layer that imports a service module only when called counts too."""
    graph = _write(tmp_path, {
        **CLEAN,
        "roles/host.py": "from pkg.compute.agent import manager\nfrom pkg.core import helpers\n",
        "core/helpers.py": "def later():\n    from pkg.compute.service import servers\n",
    })
    assert violations(graph) == {
        "host: pkg.roles.host reaches pkg.compute.service.servers via "
        "pkg.roles.host -> pkg.core.helpers (deferred)"}


def test_host_role_without_database_code_is_clean(tmp_path: Path) -> None:
    graph = _write(tmp_path, {
        **CLEAN,
        "roles/host.py": ("from typing import TYPE_CHECKING\nfrom pkg.compute.agent import "
                          "manager\nif TYPE_CHECKING:\n    from pkg.core import db\n"),
    })
    assert violations(graph) == set()
