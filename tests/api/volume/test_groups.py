"""Generic volume groups: group types, groups with their volumes, group snapshots and groups
made from them, through Cinder's v3 API."""

from __future__ import annotations

from tests.api.volume.conftest import V3, fault, gone, make_volume, mv, settle
from tests.conftest import Api


async def _group(vapi: Api) -> tuple[dict[str, str], dict[str, str], str]:
    vt = (await vapi.ok("POST", f"{V3}/types", json={"volume_type": {"name": "vt"}}))[
        "volume_type"]
    gt = (await vapi.ok("POST", f"{V3}/group_types", 202, headers=mv(), json={
        "group_type": {"name": "gt", "group_specs": {"k": "v"}}}))["group_type"]
    g = (await vapi.ok("POST", f"{V3}/groups", 202, headers=mv(), json={"group": {
        "name": "g", "group_type": gt["id"], "volume_types": [vt["id"]]}}))["group"]
    return vt, gt, g["id"]


async def test_group_types_need_3_11(vapi: Api) -> None:
    await fault(vapi, "GET", f"{V3}/group_types", 404, "itemNotFound", headers=mv("3.10"))
    _vt, gt, _gid = await _group(vapi)
    p = f"{V3}/group_types/{gt['id']}"
    assert (await vapi.ok("GET", p, headers=mv()))["group_type"]["group_specs"] == {"k": "v"}
    await vapi.ok("PUT", f"{p}/group_specs/k", headers=mv(), json={"k": "w"})
    assert await vapi.ok("GET", f"{p}/group_specs/k", headers=mv()) == {"k": "w"}
    await vapi.ok("DELETE", f"{p}/group_specs/k", 202, headers=mv())
    await fault(vapi, "GET", f"{p}/group_specs/k", 404, "itemNotFound", headers=mv())
    # a type in use by a group stays
    await fault(vapi, "DELETE", p, 400, "badRequest", headers=mv())


async def test_group_volumes_and_delete(vapi: Api) -> None:
    vt, _gt, gid = await _group(vapi)
    vol = await make_volume(vapi, volume_type=vt["id"], group_id=gid)
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}", headers=mv()))["volume"]
    assert shown["group_id"] == gid
    # a volume of a type the group does not list cannot join it
    await fault(vapi, "POST", f"{V3}/volumes", 400, "badRequest", headers=mv(),
                json={"volume": {"size": 1, "group_id": gid}})
    g = f"{V3}/groups/{gid}"
    await vapi.ok("PUT", g, 202, headers=mv(), json={"group": {
        "name": "g2", "remove_volumes": vol["id"]}})
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}", headers=mv()))["volume"]
    assert shown["group_id"] is None
    await vapi.ok("PUT", g, 202, headers=mv(), json={"group": {"add_volumes": vol["id"]}})
    detail = (await vapi.ok("GET", f"{g}?list_volume=true", headers=mv()))["group"]
    assert detail["name"] == "g2" and detail["volumes"] == [vol["id"]]
    # not without delete-volumes while it has volumes
    await fault(vapi, "POST", f"{g}/action", 400, "badRequest", headers=mv(),
                json={"delete": {"delete-volumes": False}})
    await vapi.ok("POST", f"{g}/action", 202, headers=mv(),
                  json={"delete": {"delete-volumes": True}})
    await settle(vapi)
    assert await gone(vapi, f"{V3}/volumes/{vol['id']}")
    await fault(vapi, "GET", g, 404, "itemNotFound", headers=mv())


async def test_group_snapshot_and_group_from_it(vapi: Api) -> None:
    vt, _gt, gid = await _group(vapi)
    vol = await make_volume(vapi, volume_type=vt["id"], group_id=gid, size=2)
    gs = (await vapi.ok("POST", f"{V3}/group_snapshots", 202, headers=mv(), json={
        "group_snapshot": {"group_id": gid, "name": "gs"}}))["group_snapshot"]
    await settle(vapi)
    p = f"{V3}/group_snapshots/{gs['id']}"
    for _ in range(50):
        if (await vapi.ok("GET", p, headers=mv()))["group_snapshot"]["status"] != "creating":
            break
        await vapi.node.controller.volume.storage.worker.drain()
    assert (await vapi.ok("GET", p, headers=mv()))["group_snapshot"]["status"] == "available"
    snaps = (await vapi.ok("GET", f"{V3}/snapshots/detail", headers=mv()))["snapshots"]
    assert [(s["volume_id"], s["group_snapshot_id"]) for s in snaps] == [(vol["id"], gs["id"])]
    made = (await vapi.ok("POST", f"{V3}/groups/action", 202, headers=mv(), json={
        "create-from-src": {"group_snapshot_id": gs["id"], "name": "copy"}}))["group"]
    await settle(vapi)
    vols = (await vapi.ok("GET", f"{V3}/volumes/detail", headers=mv()))["volumes"]
    copies = [v for v in vols if v["group_id"] == made["id"]]
    assert len(copies) == 1 and copies[0]["size"] == 2 and copies[0]["status"] == "available"
    assert copies[0]["snapshot_id"] == snaps[0]["id"]
    # the group with a group snapshot is not deleted; the snapshot goes with its snapshots
    await fault(vapi, "POST", f"{V3}/groups/{gid}/action", 400, "badRequest", headers=mv(),
                json={"delete": {"delete-volumes": True}})
    await vapi.ok("DELETE", p, 202, headers=mv())
    await settle(vapi)
    assert await gone(vapi, f"{V3}/snapshots/{snaps[0]['id']}")
    for _ in range(50):
        if (await vapi.req("GET", p, headers=mv())).status_code == 404:
            break
        await vapi.node.controller.volume.storage.worker.drain()
    await fault(vapi, "GET", p, 404, "itemNotFound", headers=mv())
