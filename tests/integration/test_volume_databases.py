"""Block storage on PostgreSQL and MariaDB: migration 0022's tables in use through the
service (types, volumes with JSON metadata, snapshots, quotas, listing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubo.roles.all_in_one import AllInOne as Node
from nubo.volume.errors import InvalidVolume, OverQuota
from nubo.volume.service.listing import parse_page
from nubo.volume.service.snapshots import NewSnapshot, SnapshotFilter
from nubo.volume.service.volumes import NewVolume, VolumeFilter
from tests.conftest import make_settings
from tests.integration.test_databases import database_url  # noqa: F401 - fixture


async def test_volume_tables_on_server(database_url: str, tmp_path: Path) -> None:  # noqa: F811
    node = Node(make_settings(tmp_path, database_url=database_url, volume_driver="fake"))
    await node.start()
    await node.converged()
    try:
        st = node.controller.volume.storage
        await st.types.create("fast", None, True, {"volume_backend_name": "fast"})
        await st.quotas.update("p1", {"volumes": 2})
        made = [await st.volumes.create(NewVolume("p1", "u", size, metadata={"i": str(size)},
                                                  volume_type="fast"))
                for size in (1, 2)]
        with pytest.raises(OverQuota):
            await st.volumes.create(NewVolume("p1", "u", 1))
        await st.worker.drain()
        page = parse_page("size:desc", None, None, None, None, None, frozenset({"size"}))
        found = await st.volumes.list_(VolumeFilter("p1", metadata={"i": "2"}), page)
        assert [r.volume.id for r in found] == [made[1].volume.id]
        assert found[0].volume.status == "available" and found[0].volume_type.name == "fast"
        snap = await st.snapshots.create(NewSnapshot("p1", "u", made[0].volume.id))
        await st.worker.drain()
        with pytest.raises(InvalidVolume):
            await st.volumes.delete(made[0].volume.id, "p1")
        await st.volumes.delete(made[0].volume.id, "p1", cascade=True)
        await st.worker.drain()
        assert (await st.quotas.usage("p1")).volumes == 1
        assert snap.id not in await _snapshot_ids(node)
    finally:
        await node.stop()


async def _snapshot_ids(node: Node) -> set[str]:
    page = parse_page(None, None, None, None, None, None, frozenset())
    snaps = node.controller.volume.storage.snapshots
    return {s.id for s in await snaps.list_(SnapshotFilter(None), page)}
