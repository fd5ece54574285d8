"""The compute agent runs on a host with no database: nothing it imports, however indirectly,
may load SQLAlchemy, nubo.core.db, a models module, compute's service layer or Starlette."""

from __future__ import annotations

import json
import subprocess
import sys

AGENT_MODULES = ["nubo.compute.agent.manager", "nubo.compute.agent.images",
                 "nubo.compute.agent.virt.fake", "nubo.compute.agent.virt.libvirt.driver",
                 "nubo.compute.agent.virt.libvirt.wiring",
                 "nubo.compute.agent.virt.libvirt.diagnostics"]
PROBE = """
import importlib, json, sys
for m in %r:
    importlib.import_module(m)
print(json.dumps(sorted(sys.modules)))
"""


def forbidden(name: str) -> bool:
    return (name.split(".")[0] in ("sqlalchemy", "starlette") or name == "nubo.core.db"
            or name.rsplit(".", 1)[-1].startswith("models")
            or name.startswith("nubo.compute.service"))


def test_the_compute_agent_imports_no_database_code() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE % AGENT_MODULES], capture_output=True,
                         text=True, check=True).stdout
    loaded = json.loads(out)
    assert "nubo.compute.agent.manager" in loaded
    assert [m for m in loaded if forbidden(m)] == []
    assert forbidden("nubo.compute.models") and forbidden("sqlalchemy.orm")
