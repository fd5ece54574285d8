"""Block storage on PostgreSQL and MariaDB: migration 0022's tables in use through the
service (types, volumes with JSON metadata, snapshots, quotas, listing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nubo.roles.all_in_one import AllInOne as Node
from nubo.volume import errors
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
        with pytest.raises(errors.OverQuota):
            await st.volumes.create(NewVolume("p1", "u", 1))
        await st.worker.drain()
        page = parse_page("size:desc", None, None, None, None, None, frozenset({"size"}))
        found = await st.volumes.list_(VolumeFilter("p1", metadata={"i": "2"}), page)
        assert [r.volume.id for r in found] == [made[1].volume.id]
        assert found[0].volume.status == "available" and found[0].volume_type.name == "fast"
        snap = await st.snapshots.create(NewSnapshot("p1", "u", made[0].volume.id))
        await st.worker.drain()
        with pytest.raises(errors.InvalidVolume):
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


async def test_attachments_on_server(database_url: str, tmp_path: Path) -> None:  # noqa: F811
    """Migration 0023's table through the attachment steps, and concurrent reservations
    of one volume: the volume's row lock lets exactly one win."""
    import asyncio
    import uuid

    node = Node(make_settings(tmp_path, database_url=database_url, volume_driver="fake"))
    await node.start()
    await node.converged()
    try:
        st = node.controller.volume.storage
        vol = await st.volumes.create(NewVolume("p1", "u", 1))
        await st.worker.drain()
        vid = vol.volume.id
        outcomes = await asyncio.gather(*(
            st.attachments.reserve(vid, "p1", str(uuid.uuid4())) for _ in range(6)),
            return_exceptions=True)
        won = [o for o in outcomes if not isinstance(o, BaseException)]
        assert len(won) == 1, outcomes
        assert all(isinstance(o, errors.InvalidVolume) for o in outcomes if o not in won)
        att = won[0].attachment.id
        rec = await st.attachments.connect(att, "p1", {"host": "h1"})
        assert rec.attachment.connection_info["driver_volume_type"] == "local"  # type: ignore
        await st.attachments.complete(att, "p1")
        shown = await st.volumes.get(vid, "p1")
        assert shown.volume.status == "in-use" and len(shown.attachments) == 1
        await st.attachments.begin_detach(att, "p1")
        assert (await st.volumes.get(vid, "p1")).volume.status == "detaching"
        await st.attachments.remove(att)
        shown = await st.volumes.get(vid, "p1")
        assert (shown.volume.status, shown.attachments) == ("available", ())
    finally:
        await node.stop()


async def test_qos_groups_and_type_quotas_on_server(database_url: str,  # noqa: F811
                                                    tmp_path: Path) -> None:
    """Migration 0027's tables: QoS specs on a type, per type quota usage (a join grouped by
    type name), a group with a volume and a group snapshot."""
    from nubo.volume.service.groups import NewGroup

    node = Node(make_settings(tmp_path, database_url=database_url, volume_driver="fake"))
    await node.start()
    await node.converged()
    try:
        st = node.controller.volume.storage
        vt = await st.types.create("gold", None, True, {})
        qos = await st.qos.create("fast", "front-end", {"read_iops_sec": "100"})
        await st.qos.associate(qos.id, vt.id)
        assert [t.id for t in await st.qos.associations(qos.id)] == [vt.id]
        gt = await st.groups.create_type("gt", None, True, {"k": "v"})
        group = await st.groups.create(NewGroup("p1", "u", "g", None, gt.id, (vt.id,)))
        vol = await st.volumes.create(NewVolume("p1", "u", 2, volume_type="gold",
                                                group_id=group.id))
        await st.worker.drain()
        usage = await st.quotas.usage("p1")
        assert usage.of("volumes_gold") == 1 and usage.of("gigabytes_gold") == 2
        await st.quotas.update("p1", {"volumes_gold": 1})
        with pytest.raises(errors.OverQuota):
            await st.volumes.create(NewVolume("p1", "u", 1, volume_type="gold"))
        gs = await st.groups.create_snapshot(group.id, "p1", "u", "gs", None)
        await st.worker.drain()
        assert (await st.groups.get_snapshot(gs.id, "p1")).status == "available"
        assert await st.groups.volume_ids(group.id) == [vol.volume.id]
    finally:
        await node.stop()
