"""Backups on the file backend (qcow2 volumes) and the posix store, across a restart: the
bytes of a volume come back from a backup into a new volume, and what a kill -9 leaves
(a backup `creating`, a restore `restoring`, a delete `deleting`, with half-written files in
the store) converges when the node starts again: nothing stays in a transitional state."""

from __future__ import annotations

import os
from pathlib import Path

from nubo.core.db import utcnow
from nubo.volume.agent.backend.file import FileDriver
from nubo.volume.models import Backup, Volume
from tests.api.volume.conftest import V3, settle
from tests.conftest import Api, api_on, make_settings

MIB = 1024 ** 2


def driver(api: Api) -> FileDriver:
    d = api.node.controller.volume.storage.driver
    assert isinstance(d, FileDriver)
    return d


def read_back(api: Api, volume_id: str, tmp: Path, n: int = 16 * MIB) -> tuple[int, bytes]:
    """The volume's size as a raw file, and its first `n` bytes."""
    out = tmp / f"{volume_id}.raw"
    driver(api).read_raw(volume_id, None, out)
    try:
        with open(out, "rb") as f:
            return out.stat().st_size, f.read(n)
    finally:
        out.unlink()


async def test_file_backups_converge_after_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", backup_chunk_mb=1)
    store = tmp_path / "data" / "backups"
    pattern = os.urandom(MIB) + bytes(2 * MIB) + os.urandom(MIB // 2)
    async with api_on(settings) as api:
        vol = (await api.ok("POST", f"{V3}/volumes", 202,
                            json={"volume": {"size": 1, "name": "v"}}))["volume"]
        await settle(api)
        raw = tmp_path / "pattern.raw"
        raw.write_bytes(pattern)
        driver(api).write_raw(vol["id"], raw)          # what a guest would have written
        b = (await api.ok("POST", f"{V3}/backups", 202,
                          json={"backup": {"volume_id": vol["id"], "name": "b"}}))["backup"]
        await settle(api)
        shown = (await api.ok("GET", f"{V3}/backups/{b['id']}"))["backup"]
        assert shown["status"] == "available"
        assert shown["object_count"] == 2        # chunks 0 and 3; the holes take no object
        done = (await api.ok("POST", f"{V3}/backups/{b['id']}/restore", 202,
                             json={"restore": {"name": "copy"}}))["restore"]
        await settle(api)
        size, head = read_back(api, done["volume_id"], tmp_path)
        assert size == 1024 * MIB and head[:len(pattern)] == pattern
        assert not any(head[len(pattern):])
        assert list((tmp_path / "data" / "backup-work").iterdir()) == []   # no raw left

        # what a kill -9 leaves: a backup cut mid-write (a chunk, no metadata), a restore
        # into a volume, a delete under way
        pid = await api.project_id("admin")
        cut, gone = "0badc0de-0000-4000-8000-000000000001", b["id"]
        async with api.node.controller.db.write() as s:
            src = await s.get(Volume, vol["id"])
            assert src is not None
            src.status = "backing-up"
            s.add(Backup(id=cut, project_id=pid, user_id="u", volume_id=vol["id"], size=1,
                         status="creating", container=f"0b/ad/{cut}", service="posix",
                         object_count=0, metadata_={}, previous_status="available",
                         availability_zone="nova", created_at=utcnow(),
                         data_timestamp=utcnow()))
            target = await s.get(Volume, done["volume_id"])
            assert target is not None
            target.status = "restoring-backup"
            row = await s.get(Backup, gone)
            assert row is not None
            row.status, row.restore_volume_id = "restoring", target.id
        (store / "0b" / "ad" / cut).mkdir(parents=True)
        (store / "0b" / "ad" / cut / "chunk-000000.z").write_bytes(b"half")
        empty = tmp_path / "empty.raw"
        empty.write_bytes(b"")
        driver(api).write_raw(done["volume_id"], empty)     # the restore had not written
        assert not any(read_back(api, done["volume_id"], tmp_path)[1])
    async with api_on(settings) as api:
        await settle(api)
        cut_shown = (await api.ok("GET", f"{V3}/backups/{cut}"))["backup"]
        assert cut_shown["status"] == "available"
        assert (await api.ok("GET", f"{V3}/volumes/{vol['id']}"))["volume"]["status"] == \
            "available"
        assert (store / "0b" / "ad" / cut / "metadata.json").exists()
        assert (await api.ok("GET", f"{V3}/backups/{gone}"))["backup"]["status"] == \
            "available"
        target_shown = (await api.ok("GET", f"{V3}/volumes/{done['volume_id']}"))["volume"]
        assert target_shown["status"] == "available"
        assert read_back(api, done["volume_id"], tmp_path)[1][:len(pattern)] == pattern
        # a delete cut off: marked deleting, then the restart removes it and its files
        async with api.node.controller.db.write() as s:
            row = await s.get(Backup, cut)
            assert row is not None
            row.status = "deleting"
    async with api_on(settings) as api:
        await settle(api)
        assert (await api.req("GET", f"{V3}/backups/{cut}")).status_code == 404
        assert not (store / "0b").exists()
        statuses = {v["status"] for v in (await api.ok("GET", f"{V3}/volumes/detail"))[
            "volumes"]}
        assert statuses == {"available"}
