"""The file backend behind the API, and what a restart cut off: a volume left `creating`
and one left `deleting` converge when the node starts again (the driver calls are
idempotent and `resume` runs them again)."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

from nubo.core.db import utcnow
from nubo.volume.models import Volume
from tests.api.volume.conftest import V3, settle
from tests.conftest import api_on, make_settings

GIB = 1024 ** 3


def vsize(path: Path) -> int:
    out = subprocess.run(["qemu-img", "info", "--output=json", str(path)], check=True,
                         capture_output=True, text=True).stdout
    size: int = json.loads(out)["virtual-size"]
    return size


async def test_file_volumes_and_resume_after_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    files = tmp_path / "data" / "volumes"
    cut_create, cut_delete = str(uuid.uuid4()), ""
    async with api_on(settings) as api:
        vol = (await api.ok("POST", f"{V3}/volumes", 202,
                            json={"volume": {"size": 2, "name": "v"}}))["volume"]
        await settle(api)
        disk = files / f"volume-{vol['id']}.qcow2"
        assert vsize(disk) == 2 * GIB
        await api.ok("POST", f"{V3}/volumes/{vol['id']}/action", 202,
                     json={"os-extend": {"new_size": 3}})
        await settle(api)
        assert vsize(disk) == 3 * GIB
        # what a kill -9 leaves: a row still creating (no file yet), one still deleting
        st = api.node.controller.volume.storage
        vtype = (await api.ok("GET", f"{V3}/types/default"))["volume_type"]["id"]
        pid = await api.project_id("admin")
        async with api.node.controller.db.write() as s:
            s.add(Volume(id=cut_create, project_id=pid, user_id="u", size=1,
                         status="creating", availability_zone="nova", type_id=vtype,
                         metadata_={}, created_at=utcnow(), host=st.host))
            row = await s.get(Volume, vol["id"])
            assert row is not None
            row.status = "deleting"
        cut_delete = vol["id"]
    async with api_on(settings) as api:
        await settle(api)
        shown = (await api.ok("GET", f"{V3}/volumes/{cut_create}"))["volume"]
        assert shown["status"] == "available"
        assert vsize(files / f"volume-{cut_create}.qcow2") == GIB
        assert (await api.req("GET", f"{V3}/volumes/{cut_delete}")).status_code == 404
        assert not (files / f"volume-{cut_delete}.qcow2").exists()
