"""The host role runs without database code: built, started and stopped in a fresh
interpreter (fake hypervisor, noop dataplane), it has loaded neither SQLAlchemy nor
`core.db`, a models module or a service module (the import contract checks the same from
source; this checks what really ran)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CODE = """
import asyncio, json, sys
from pathlib import Path
from nubo.config import Settings
from nubo.core.bus import InProcessBus
from nubo.roles.host import Host, service_credentials

settings = Settings(data_dir=Path(sys.argv[1]), virt="fake", network="noop", fake_hosts=2)
reports = []

async def main():
    bus = InProcessBus()
    async def resources(host, **report):
        reports.append(host)
    bus.on("compute.resources", resources)
    host = Host(settings, bus, service_credentials(settings))
    await host.start_network()
    await host.connect()
    answer = await bus.call(host.names[0], "list_instances")
    await host.stop()
    return host.names, answer

names, answer = asyncio.run(main())
loaded = sorted(m for m in sys.modules if m == "sqlalchemy" or m.startswith(("sqlalchemy.",
    "nubo.core.db")) or m.rsplit(".", 1)[-1].startswith("models") and m.startswith("nubo.")
    or ".service." in m or m.endswith(".service"))
print(json.dumps({"names": names, "answer": answer, "reports": sorted(reports),
                  "loaded": loaded}))
"""


def test_host_runs_without_database_code(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", CODE, str(tmp_path)], capture_output=True,
                         text=True, check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert len(got["names"]) == 2
    assert got["answer"] == []                      # its agents answered over the bus
    assert got["reports"] == sorted(got["names"])   # and reported their resources up
    assert got["loaded"] == []
