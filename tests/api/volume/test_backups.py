"""Backups through the API on the fake volume backend (whose volumes carry a few bytes a
test writes) and the posix backup store on disk: full and incremental backups, restore into
a new and an existing volume, Cinder's state and size checks, quotas, export and import of
the record, the admin actions, and faults injected in the fake store ending in `error` with a
user message, never a stuck state. Responses are checked against Tempest's schemas."""

from __future__ import annotations

import base64
import json
import os
import zlib
from pathlib import Path
from typing import Any

from nubo.volume.agent.backup.fake import FakeBackupDriver
from nubo.volume.models import Backup
from tests.api.volume.conftest import V3, fake, fault, make_volume, mv, settle, status_of
from tests.api.volume.test_tempest_shapes import check
from tests.conftest import Api, api_on, make_settings

MIB = 1024 ** 2


async def make_backup(api: Api, volume_id: str, token: str | None = None,
                      **extra: Any) -> dict[str, Any]:
    body = {"backup": {"volume_id": volume_id, "name": extra.pop("name", "b"), **extra}}
    r = await api.req("POST", f"{V3}/backups", token, json=body)
    check("backups", "create_backup", r)
    await settle(api)
    return dict(r.json()["backup"])


async def show(api: Api, bid: str, version: str = "3.0",
               token: str | None = None) -> dict[str, Any]:
    r = await api.req("GET", f"{V3}/backups/{bid}", token, headers=mv(version))
    check("backups" if version < "3.64" else "v3_64.backups", "show_backup", r)
    return dict(r.json()["backup"])


async def test_backup_and_restore_round_trip(vapi: Api, tmp_path: Path) -> None:
    vol = await make_volume(vapi, size=2, name="src", metadata={"role": "db"})
    data = os.urandom(3000) + b"end of the volume's data"
    fake(vapi).data[vol["id"]] = data
    b = await make_backup(vapi, vol["id"], name="nightly", description="d")
    shown = await show(vapi, b["id"])
    assert (shown["status"], shown["size"], shown["volume_id"], shown["is_incremental"],
            shown["fail_reason"]) == ("available", 2, vol["id"], False, None)
    assert shown["object_count"] == 1 and shown["data_timestamp"] is not None
    assert await status_of(vapi, f"{V3}/volumes/{vol['id']}", "volume") == "available"
    # the posix store holds it: chunk objects and the metadata with per-chunk sha256
    home = tmp_path / "data" / "backups" / shown["container"]
    meta = json.loads((home / "metadata.json").read_text())
    assert meta["size_bytes"] == len(data) and len(meta["chunks"]) == 1
    assert meta["chunks"][0]["holder"] == shown["container"]

    # restore into a new volume: named after the backup, the same bytes
    r = await vapi.req("POST", f"{V3}/backups/{b['id']}/restore", json={"restore": {}})
    check("backups", "restore_backup", r)
    new = r.json()["restore"]
    assert new["volume_name"] == f"restore_backup_{b['id']}"
    await settle(vapi)
    restored = (await vapi.ok("GET", f"{V3}/volumes/{new['volume_id']}"))["volume"]
    assert (restored["status"], restored["size"]) == ("available", 2)
    assert restored["metadata"] == {"role": "db"}       # the source's, as Cinder's
    assert fake(vapi).data[new["volume_id"]] == data
    assert (await show(vapi, b["id"]))["status"] == "available"

    # into an existing volume: it must be available and at least the backup's size
    small = await make_volume(vapi, size=1, name="small")
    msg = await fault(vapi, "POST", f"{V3}/backups/{b['id']}/restore", 400, "badRequest",
                      json={"restore": {"volume_id": small["id"]}})
    assert "volume size 1 is too small to restore backup of size 2" in msg
    big = await make_volume(vapi, size=3, name="big")
    await vapi.ok("POST", f"{V3}/backups/{b['id']}/restore", 202,
                  json={"restore": {"volume_id": big["id"], "name": "ignored"}})
    await settle(vapi)
    assert fake(vapi).data[big["id"]] == data
    assert await status_of(vapi, f"{V3}/volumes/{big['id']}", "volume") == "available"

    # delete: the store's files go with it
    await vapi.ok("DELETE", f"{V3}/backups/{b['id']}", 202)
    await settle(vapi)
    assert (await vapi.req("GET", f"{V3}/backups/{b['id']}")).status_code == 404
    assert not home.exists()


async def test_state_checks_force_and_snapshot_source(vapi: Api) -> None:
    vol = await make_volume(vapi, size=1)
    vid = vol["id"]
    await vapi.ok("POST", f"{V3}/volumes/{vid}/action", 202,
                  json={"os-reset_status": {"status": "in-use"}})
    msg = await fault(vapi, "POST", f"{V3}/backups", 400, "badRequest",
                      json={"backup": {"volume_id": vid}})
    assert msg == "Invalid volume: Backing up an in-use volume must use the force flag."
    b = await make_backup(vapi, vid, force=True)
    assert await status_of(vapi, f"{V3}/volumes/{vid}", "volume") == "in-use"   # given back
    assert (await show(vapi, b["id"]))["status"] == "available"
    await vapi.ok("POST", f"{V3}/volumes/{vid}/action", 202,
                  json={"os-reset_status": {"status": "error"}})
    msg = await fault(vapi, "POST", f"{V3}/backups", 400, "badRequest",
                      json={"backup": {"volume_id": vid, "force": True}})
    assert 'must be available or in-use, but the current status is "error"' in msg
    await vapi.ok("POST", f"{V3}/volumes/{vid}/action", 202,
                  json={"os-reset_status": {"status": "available"}})
    # from a snapshot: the snapshot is busy meanwhile, the volume untouched
    fake(vapi).data[vid] = b"at snapshot time"
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202,
                          json={"snapshot": {"volume_id": vid}}))["snapshot"]
    await settle(vapi)
    fake(vapi).data[vid] = b"later"
    sb = await make_backup(vapi, vid, snapshot_id=snap["id"])
    assert (await show(vapi, sb["id"]))["snapshot_id"] == snap["id"]
    assert await status_of(vapi, f"{V3}/snapshots/{snap['id']}", "snapshot") == "available"
    done = (await vapi.ok("POST", f"{V3}/backups/{sb['id']}/restore", 202,
                          json={"restore": None}))["restore"]
    await settle(vapi)
    assert fake(vapi).data[done["volume_id"]] == b"at snapshot time"
    other = await make_volume(vapi, size=1)
    msg = await fault(vapi, "POST", f"{V3}/backups", 400, "badRequest", json={
        "backup": {"volume_id": other["id"], "snapshot_id": snap["id"]}})
    assert "does not match with snapshot.volume_id" in msg
    # unknown ids, bad bodies
    await fault(vapi, "POST", f"{V3}/backups", 404, "itemNotFound",
                json={"backup": {"volume_id": "8e3b8a8c-52bb-4b7a-9c77-5b0a5b4f2d4a"}})
    await fault(vapi, "POST", f"{V3}/backups", 400, "badRequest",
                json={"backup": {"volume_id": vid, "bogus": 1}})
    await fault(vapi, "POST", f"{V3}/backups", 400, "badRequest",
                json={"backup": {"volume_id": vid, "container": "../escape"}})
    await fault(vapi, "GET", f"{V3}/backups/nope", 404, "itemNotFound")
    # metadata is 3.43's: refused below it, shown from it
    await fault(vapi, "POST", f"{V3}/backups", 400, "badRequest",
                json={"backup": {"volume_id": vid, "metadata": {"k": "v"}}})
    r = await vapi.req("POST", f"{V3}/backups", json={"backup": {
        "volume_id": vid, "name": "m", "metadata": {"k": "v"}}}, headers=mv("3.43"))
    check("backups", "create_backup", r)
    assert r.json()["backup"]["metadata"] == {"k": "v"}


async def test_incremental_chain(tmp_path: Path) -> None:
    """1 MiB chunks: an incremental backup stores only the chunk that changed and restores
    the whole volume through its parent; the parent cannot go while it has children."""
    settings = make_settings(tmp_path / "data", volume_driver="fake", backup_chunk_mb=1)
    async with api_on(settings) as api:
        vol = await make_volume(api, size=1)
        first = os.urandom(3 * MIB + 100)
        fake(api).data[vol["id"]] = first
        msg = await fault(api, "POST", f"{V3}/backups", 400, "badRequest",
                          json={"backup": {"volume_id": vol["id"], "incremental": True}})
        assert msg == "Invalid backup: No backups available to do an incremental backup."
        full = await make_backup(api, vol["id"], name="full")
        assert (await show(api, full["id"]))["object_count"] == 4
        second = first[:MIB] + os.urandom(MIB) + first[2 * MIB:]
        fake(api).data[vol["id"]] = second
        inc = await make_backup(api, vol["id"], name="inc", incremental=True)
        shown = await show(api, inc["id"])
        assert shown["is_incremental"] and shown["object_count"] == 1
        assert (await show(api, full["id"]))["has_dependent_backups"] is True
        msg = await fault(api, "DELETE", f"{V3}/backups/{full['id']}", 400, "badRequest")
        assert msg == "Invalid backup: Incremental backups exist for this backup."
        for bid, want in ((inc["id"], second), (full["id"], first)):
            done = (await api.ok("POST", f"{V3}/backups/{bid}/restore", 202,
                                 json={"restore": {}}))["restore"]
            await settle(api)
            assert fake(api).data[done["volume_id"]] == want
        # a corrupt chunk is found by its checksum: the restore fails, said in words
        obj = next((tmp_path / "data" / "backups" / shown["container"]).glob("chunk-*"))
        obj.write_bytes(zlib.compress(b"tampered"))
        done = (await api.ok("POST", f"{V3}/backups/{inc['id']}/restore", 202,
                             json={"restore": {}}))["restore"]
        await settle(api)
        broken = (await api.ok("GET", f"{V3}/volumes/{done['volume_id']}"))["volume"]
        assert broken["status"] == "error_restoring"
        assert (await show(api, inc["id"]))["status"] == "available"
        await api.ok("DELETE", f"{V3}/backups/{inc['id']}", 202)
        await settle(api)
        await api.ok("DELETE", f"{V3}/backups/{full['id']}", 202)
        await settle(api)
        assert list((tmp_path / "data" / "backups").iterdir()) == []


async def test_lists_filters_sort_marker_count(vapi: Api) -> None:
    vol = await make_volume(vapi, size=1)
    ids = [(await make_backup(vapi, vol["id"], name=f"b{i}"))["id"] for i in range(3)]
    r = await vapi.req("GET", f"{V3}/backups")
    check("backups", "list_backups_no_detail", r)
    assert {b["id"] for b in r.json()["backups"]} == set(ids)
    r = await vapi.req("GET", f"{V3}/backups/detail?sort=name:asc", headers=mv("3.64"))
    check("v3_64.backups", "list_backups_with_detail", r)
    assert [b["name"] for b in r.json()["backups"]] == ["b0", "b1", "b2"]
    first = await vapi.ok("GET", f"{V3}/backups?sort=name:asc&limit=2")
    assert [b["name"] for b in first["backups"]] == ["b0", "b1"]
    assert "marker=" in first["backups_links"][0]["href"]
    rest = await vapi.ok("GET", f"{V3}/backups?sort=name:asc&marker={ids[1]}")
    assert [b["name"] for b in rest["backups"]] == ["b2"]
    assert [b["name"] for b in (await vapi.ok("GET", f"{V3}/backups?name=b1"))["backups"]] \
        == ["b1"]
    counted = await vapi.ok("GET", f"{V3}/backups?with_count=true", headers=mv("3.45"))
    assert counted["count"] == 3
    # the owner's attributes: an admin's from 3.18 (project) and 3.56 (user)
    shown = await show(vapi, ids[0], "3.56")
    assert shown["os-backup-project-attr:project_id"] == await vapi.project_id("admin")
    assert shown["user_id"]
    await fault(vapi, "GET", f"{V3}/backups?bogus=1", 400, "badRequest",
                token=(await _member(vapi))[0])


async def _member(api: Api) -> tuple[str, str]:
    await api.make_project("other")
    await api.make_user("olga", "pw", "other", "member")
    return await api.token("olga", "pw", "other"), await api.project_id("other")


async def test_quotas_and_isolation(vapi: Api) -> None:
    token, pid = await _member(vapi)
    await vapi.ok("PUT", f"{V3}/os-quota-sets/{pid}", 200,
                  json={"quota_set": {"backups": 1, "backup_gigabytes": 5}})
    vol = await make_volume(vapi, token, size=2)
    b = await make_backup(vapi, vol["id"], token)
    msg = await fault(vapi, "POST", f"{V3}/backups", 413, "overLimit", token,
                      json={"backup": {"volume_id": vol["id"]}})
    assert msg == "Maximum number of backups allowed (1) exceeded"
    await vapi.ok("PUT", f"{V3}/os-quota-sets/{pid}", 200,
                  json={"quota_set": {"backups": 5, "backup_gigabytes": 3}})
    msg = await fault(vapi, "POST", f"{V3}/backups", 413, "overLimit", token,
                      json={"backup": {"volume_id": vol["id"]}})
    assert "Requested 2G, quota is 3G and 2G has been consumed" in msg
    used = (await vapi.ok("GET", f"{V3}/os-quota-sets/{pid}?usage=true"))["quota_set"]
    assert used["backups"]["in_use"] == 1 and used["backup_gigabytes"]["in_use"] == 2
    limits = (await vapi.ok("GET", f"{V3}/limits", 200, token))["limits"]["absolute"]
    assert (limits["totalBackupsUsed"], limits["totalBackupGigabytesUsed"],
            limits["maxTotalBackups"]) == (1, 2, 5)
    # another project neither sees it nor reaches it; the admin does with all_tenants
    assert (await vapi.ok("GET", f"{V3}/backups"))["backups"] == []     # the admin's own
    mine = await make_backup(vapi, (await make_volume(vapi, size=1))["id"])
    await fault(vapi, "GET", f"{V3}/backups/{mine['id']}", 404, "itemNotFound", token)
    await fault(vapi, "DELETE", f"{V3}/backups/{mine['id']}", 404, "itemNotFound", token)
    await fault(vapi, "POST", f"{V3}/backups/{mine['id']}/restore", 404, "itemNotFound",
                token, json={"restore": {}})
    listed = await vapi.ok("GET", f"{V3}/backups?all_tenants=1")
    assert {x["id"] for x in listed["backups"]} == {b["id"], mine["id"]}
    # the admin-only parts: 403 for a member
    await fault(vapi, "GET", f"{V3}/backups/{b['id']}/export_record", 403, "forbidden", token)
    await fault(vapi, "POST", f"{V3}/backups/{b['id']}/action", 403, "forbidden", token,
                json={"os-reset_status": {"status": "error"}})
    shown = await show(vapi, b["id"], "3.56", token)
    assert "os-backup-project-attr:project_id" not in shown and "user_id" not in shown


async def test_export_import_and_admin_actions(vapi: Api) -> None:
    vol = await make_volume(vapi, size=1)
    fake(vapi).data[vol["id"]] = b"precious"
    b = await make_backup(vapi, vol["id"], name="keep")
    r = await vapi.req("GET", f"{V3}/backups/{b['id']}/export_record")
    check("backups", "export_backup", r)
    record = r.json()["backup-record"]
    assert record["backup_service"] == "cinder.backup.drivers.posix.PosixBackupDriver"
    msg = await fault(vapi, "POST", f"{V3}/backups/import_record", 400, "badRequest",
                      json={"backup-record": record})
    assert msg == "Invalid backup: Backup already exists in database."
    # the database lost the row (what export/import is for): the record brings it back
    async with vapi.node.controller.db.write() as s:
        row = await s.get(Backup, b["id"])
        assert row is not None
        await s.delete(row)
    r = await vapi.req("POST", f"{V3}/backups/import_record", json={"backup-record": record})
    check("backups", "import_backup", r)
    assert r.json()["backup"]["id"] == b["id"]
    assert (await show(vapi, b["id"]))["status"] == "available"
    done = (await vapi.ok("POST", f"{V3}/backups/{b['id']}/restore", 202,
                          json={"restore": {}}))["restore"]
    await settle(vapi)
    assert fake(vapi).data[done["volume_id"]] == b"precious"
    # as Tempest does: the same data imported under a new id, then both deleted
    doc = json.loads(base64.b64decode(record["backup_url"]))
    twin = "2f0e4b7a-5c1d-4e8a-9b3c-6d7e8f9a0b1c"
    url = base64.b64encode(json.dumps({**doc, "id": twin}).encode()).decode()
    imported = (await vapi.ok("POST", f"{V3}/backups/import_record", 201, json={
        "backup-record": {**record, "backup_url": url}}))["backup"]
    assert imported["id"] == twin and (await show(vapi, twin))["status"] == "available"
    await vapi.ok("DELETE", f"{V3}/backups/{twin}", 202)
    await settle(vapi)
    await fault(vapi, "POST", f"{V3}/backups/import_record", 400, "badRequest",
                json={"backup-record": {**record, "backup_service": "swift"}})
    await fault(vapi, "POST", f"{V3}/backups/import_record", 400, "badRequest",
                json={"backup-record": {**record, "backup_url": "not base64!"}})
    # reset status (admin), then a delete refused in a wrong state, then force delete
    r = await vapi.req("POST", f"{V3}/backups/{b['id']}/action",
                       json={"os-reset_status": {"status": "error"}})
    check("backups", "reset_backup_status", r)
    assert (await show(vapi, b["id"]))["status"] == "error"
    await fault(vapi, "POST", f"{V3}/backups/{b['id']}/action", 400, "badRequest",
                json={"os-reset_status": {"status": "creating"}})
    await fault(vapi, "POST", f"{V3}/backups/{b['id']}/restore", 400, "badRequest",
                json={"restore": {}})
    r = await vapi.req("PUT", f"{V3}/backups/{b['id']}", json={"backup": {"name": "n"}},
                       headers=mv("3.9"))
    check("backups", "update_backup", r)
    await fault(vapi, "PUT", f"{V3}/backups/{b['id']}", 404, "itemNotFound",
                json={"backup": {"name": "n"}})
    await vapi.ok("POST", f"{V3}/backups/{b['id']}/action", 202,
                  json={"os-force_delete": {}})
    await settle(vapi)
    assert (await vapi.req("GET", f"{V3}/backups/{b['id']}")).status_code == 404


async def test_store_faults_end_in_error_with_a_user_message(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", volume_driver="fake", backup_driver="fake")
    async with api_on(settings) as api:
        store = api.node.controller.volume.storage.backups.work.store
        assert isinstance(store, FakeBackupDriver)
        vol = await make_volume(api, size=1)
        store.inject("backup")
        b = await make_backup(api, vol["id"], name="doomed")
        shown = await show(api, b["id"])
        assert shown["status"] == "error" and "injected fault" in shown["fail_reason"]
        assert await status_of(api, f"{V3}/volumes/{vol['id']}", "volume") == "available"
        r = await api.req("GET", f"{V3}/messages", headers=mv("3.3"))
        check("messages", "list_messages", r)
        [m] = r.json()["messages"]
        assert (m["event_id"], m["resource_type"], m["resource_uuid"], m["message_level"],
                m["user_message"]) == ("VOLUME_VOLUME_BACKUP_013_020", "VOLUME_BACKUP", b["id"],
                                       "ERROR", "create backup: Backup driver failed to "
                                       "create backup.")
        # a failed restore: the backup is available again, the volume error_restoring
        store.clear()
        ok = await make_backup(api, vol["id"], name="fine")
        store.inject("restore")
        done = (await api.ok("POST", f"{V3}/backups/{ok['id']}/restore", 202,
                             json={"restore": {}}))["restore"]
        await settle(api)
        assert await status_of(api, f"{V3}/volumes/{done['volume_id']}",
                               "volume") == "error_restoring"
        assert (await show(api, ok["id"]))["status"] == "available"
        # a failed delete: error, and a delete is allowed again from there
        store.clear()
        store.inject("delete")
        await api.ok("DELETE", f"{V3}/backups/{ok['id']}", 202)
        await settle(api)
        assert (await show(api, ok["id"]))["status"] == "error"
        events = sorted(m["event_id"] for m in (await api.ok(
            "GET", f"{V3}/messages", headers=mv("3.3")))["messages"])
        assert events == ["VOLUME_VOLUME_BACKUP_013_020", "VOLUME_VOLUME_BACKUP_014_025",
                          "VOLUME_VOLUME_BACKUP_015_026"]
        store.clear()
        await api.ok("DELETE", f"{V3}/backups/{ok['id']}", 202)
        await settle(api)
        assert (await api.req("GET", f"{V3}/backups/{ok['id']}")).status_code == 404


async def test_volume_create_from_backup(vapi: Api) -> None:
    """3.47: `backup_id` in a volume create restores the backup into the new volume."""
    vol = await make_volume(vapi, size=2)
    fake(vapi).data[vol["id"]] = b"seed data"
    b = await make_backup(vapi, vol["id"])
    body: dict[str, Any] = {"volume": {"backup_id": b["id"], "name": "from-backup"}}
    await fault(vapi, "POST", f"{V3}/volumes", 400, "badRequest", json=body)
    msg = await fault(vapi, "POST", f"{V3}/volumes", 400, "badRequest", headers=mv("3.47"),
                      json={"volume": {**body["volume"], "size": 1}})
    assert "cannot be smaller than the backup size 2GB" in msg
    r = await vapi.req("POST", f"{V3}/volumes", json=body, headers=mv("3.47"))
    check("volumes", "create_volume", r)
    new = r.json()["volume"]
    assert new["size"] == 2 and new["name"] == "from-backup"
    await settle(vapi)
    assert await status_of(vapi, f"{V3}/volumes/{new['id']}", "volume") == "available"
    assert fake(vapi).data[new["id"]] == b"seed data"
    assert (await show(vapi, b["id"]))["status"] == "available"
