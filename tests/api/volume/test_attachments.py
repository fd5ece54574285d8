"""Cinder's attachment API (3.27-3.44) and the legacy attach actions, on the fake backend:
the states at each step, the volume's `attachments`, multiattach, and bad input."""

from __future__ import annotations

import asyncio
import uuid

from tests.api.volume.conftest import V3, fake, fault, gone, make_volume, mv, settle, status_of
from tests.conftest import Api

A = f"{V3}/attachments"
CONNECTOR = {"host": "node-1", "initiator": "iqn.1993-08.org.debian:01:abc"}


async def _vol_status(api: Api, vid: str, token: str | None = None) -> str:
    return await status_of(api, f"{V3}/volumes/{vid}", "volume", token)


async def test_reserve_connect_complete_delete(vapi: Api) -> None:
    vol = await make_volume(vapi)
    server = str(uuid.uuid4())
    att = (await vapi.ok("POST", A, 200, json={"attachment": {
        "volume_uuid": vol["id"], "instance_uuid": server}}, headers=mv("3.27")))["attachment"]
    assert att["status"] == "reserved" and att["instance"] == server
    assert att["connection_info"] is None and att["attach_mode"] == "rw"
    assert await _vol_status(vapi, vol["id"]) == "reserved"
    # a second reservation of a volume that is not multiattach: Cinder's 400
    await fault(vapi, "POST", A, 400, "badRequest", json={"attachment": {
        "volume_uuid": vol["id"], "instance_uuid": str(uuid.uuid4())}}, headers=mv("3.27"))
    # os-complete before a connector is a 400, not a half-attached volume
    await fault(vapi, "POST", f"{A}/{att['id']}/action", 400, "badRequest",
                json={"os-complete": None}, headers=mv("3.44"))
    upd = (await vapi.ok("PUT", f"{A}/{att['id']}", 200, json={"attachment": {
        "connector": CONNECTOR}}, headers=mv("3.27")))["attachment"]
    info = upd["connection_info"]
    assert upd["status"] == "attaching"
    assert info["driver_volume_type"] == "local" and info["serial"] == vol["id"]
    assert info["data"]["device_path"].endswith(vol["id"])
    assert await _vol_status(vapi, vol["id"]) == "attaching"
    # os-complete is 3.44: below it the route is not there
    await fault(vapi, "POST", f"{A}/{att['id']}/action", 404, "itemNotFound",
                json={"os-complete": None}, headers=mv("3.43"))
    r = await vapi.req("POST", f"{A}/{att['id']}/action", json={"os-complete": None},
                       headers=mv("3.44"))
    assert r.status_code == 204, r.text
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}", headers=mv()))["volume"]
    assert shown["status"] == "in-use"
    [brief] = shown["attachments"]
    assert (brief["server_id"], brief["attachment_id"], brief["host_name"]) == \
        (server, att["id"], "node-1")
    assert brief["attached_at"]
    listed = (await vapi.ok("GET", f"{A}?instance_id={server}", headers=mv("3.27")))
    assert [x["id"] for x in listed["attachments"]] == [att["id"]]
    detail = (await vapi.ok("GET", f"{A}/detail", headers=mv("3.27")))["attachments"]
    assert detail[0]["status"] == "attached" and detail[0]["attached_at"]
    # an in-use volume cannot be deleted (Cinder's 400)
    await fault(vapi, "DELETE", f"{V3}/volumes/{vol['id']}", 400, "badRequest")
    left = await vapi.ok("DELETE", f"{A}/{att['id']}", 200, headers=mv("3.27"))
    assert left == {"attachments": []}
    assert await _vol_status(vapi, vol["id"]) == "available"
    await fault(vapi, "GET", f"{A}/{att['id']}", 404, "itemNotFound", headers=mv("3.27"))
    await vapi.ok("DELETE", f"{V3}/volumes/{vol['id']}", 202)


async def test_bad_input_and_other_projects(vapi: Api, member: tuple[str, str]) -> None:
    token, _pid = member
    vol = await make_volume(vapi)
    await fault(vapi, "POST", A, 404, "itemNotFound", json={"attachment": {
        "volume_uuid": vol["id"]}}, headers=mv("3.26"))
    await fault(vapi, "POST", A, 400, "badRequest", json={"attachment": {}},
                headers=mv("3.27"))
    await fault(vapi, "POST", A, 400, "badRequest", json={"attachment": {
        "volume_uuid": "not-a-uuid"}}, headers=mv("3.27"))
    await fault(vapi, "POST", A, 404, "itemNotFound", json={"attachment": {
        "volume_uuid": str(uuid.uuid4())}}, headers=mv("3.27"))
    # another project's volume is not there for a member
    await fault(vapi, "POST", A, 404, "itemNotFound", token, json={"attachment": {
        "volume_uuid": vol["id"]}}, headers=mv("3.27"))
    await fault(vapi, "PUT", f"{A}/{uuid.uuid4()}", 404, "itemNotFound",
                json={"attachment": {"connector": CONNECTOR}}, headers=mv("3.27"))
    att = (await vapi.ok("POST", A, 200, json={"attachment": {
        "volume_uuid": vol["id"], "connector": CONNECTOR}}, headers=mv("3.27")))["attachment"]
    assert att["status"] == "attaching" and att["connection_info"]
    await fault(vapi, "GET", f"{A}/{att['id']}", 404, "itemNotFound", token,
                headers=mv("3.27"))
    mine = await vapi.ok("GET", A, 200, token, headers=mv("3.27"))
    assert mine == {"attachments": []}
    # the backend cannot export: a 400, the attachment stays reserved
    vol2 = await make_volume(vapi)
    att2 = (await vapi.ok("POST", A, 200, json={"attachment": {
        "volume_uuid": vol2["id"]}}, headers=mv("3.27")))["attachment"]
    fake(vapi).inject("connect")
    try:
        await fault(vapi, "PUT", f"{A}/{att2['id']}", 400, "badRequest",
                    json={"attachment": {"connector": CONNECTOR}}, headers=mv("3.27"))
    finally:
        fake(vapi).clear()
    assert (await vapi.ok("GET", f"{A}/{att2['id']}", headers=mv("3.27")))[
        "attachment"]["status"] == "reserved"


async def test_multiattach_type(vapi: Api) -> None:
    t = (await vapi.ok("POST", f"{V3}/types", 200, json={"volume_type": {
        "name": "multi", "extra_specs": {"multiattach": "<is> True"}}}))["volume_type"]
    vol = await make_volume(vapi, volume_type=t["name"])
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}", headers=mv()))["volume"]
    assert shown["multiattach"] is True
    ids = []
    for _ in range(2):
        att = (await vapi.ok("POST", A, 200, json={"attachment": {
            "volume_uuid": vol["id"], "instance_uuid": str(uuid.uuid4()),
            "connector": CONNECTOR}}, headers=mv("3.44")))["attachment"]
        await vapi.ok("POST", f"{A}/{att['id']}/action", 204, json={"os-complete": None},
                      headers=mv("3.44"))
        ids.append(att["id"])
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}", headers=mv()))["volume"]
    assert shown["status"] == "in-use" and len(shown["attachments"]) == 2
    left = await vapi.ok("DELETE", f"{A}/{ids[0]}", 200, headers=mv("3.27"))
    assert [x["id"] for x in left["attachments"]] == [ids[1]]
    assert await _vol_status(vapi, vol["id"]) == "in-use"


async def test_legacy_actions(vapi: Api) -> None:
    vol = await make_volume(vapi)
    act = f"{V3}/volumes/{vol['id']}/action"
    await vapi.ok("POST", act, 202, json={"os-reserve": None})
    # Cinder's os-reserve leaves the volume attaching (the attachment API's reserve: reserved)
    assert await _vol_status(vapi, vol["id"]) == "attaching"
    await vapi.ok("POST", act, 202, json={"os-unreserve": None})
    assert await _vol_status(vapi, vol["id"]) == "available"
    info = (await vapi.ok("POST", act, 200, json={"os-initialize_connection": {
        "connector": CONNECTOR}}))["connection_info"]
    assert info["driver_volume_type"] == "local"
    await fault(vapi, "POST", act, 400, "badRequest",
                json={"os-initialize_connection": {}})
    await fault(vapi, "POST", act, 400, "badRequest", json={"os-begin_detaching": None})
    server = str(uuid.uuid4())
    await vapi.ok("POST", act, 202, json={"os-reserve": None})
    await vapi.ok("POST", act, 202, json={"os-attach": {
        "instance_uuid": server, "mountpoint": "/dev/vdb", "host_name": "node-1"}})
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}"))["volume"]
    assert shown["status"] == "in-use"
    assert shown["attachments"][0]["device"] == "/dev/vdb"
    assert shown["attachments"][0]["server_id"] == server
    await vapi.ok("POST", act, 202, json={"os-begin_detaching": None})
    assert await _vol_status(vapi, vol["id"]) == "detaching"
    await vapi.ok("POST", act, 202, json={"os-roll_detaching": None})
    assert await _vol_status(vapi, vol["id"]) == "in-use"
    await fault(vapi, "POST", act, 404, "itemNotFound",
                json={"os-detach": {"attachment_id": str(uuid.uuid4())}})
    await vapi.ok("POST", act, 202, json={"os-terminate_connection": {
        "connector": CONNECTOR}})
    await vapi.ok("POST", act, 202, json={"os-detach": {}})
    assert await _vol_status(vapi, vol["id"]) == "available"
    assert (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}"))["volume"]["attachments"] == []


async def test_delete_of_a_detaching_volume_waits(vapi: Api) -> None:
    """A delete that meets `detaching` waits for the detach, then deletes (no 400)."""
    vol = await make_volume(vapi)
    act = f"{V3}/volumes/{vol['id']}/action"
    await vapi.ok("POST", act, 202, json={"os-reserve": None})
    await vapi.ok("POST", act, 202, json={"os-attach": {
        "instance_uuid": str(uuid.uuid4()), "mountpoint": "/dev/vdb"}})
    await vapi.ok("POST", act, 202, json={"os-begin_detaching": None})
    delete = asyncio.ensure_future(vapi.req("DELETE", f"{V3}/volumes/{vol['id']}"))
    await asyncio.sleep(0.5)
    assert not delete.done()                 # waiting, not refused
    await vapi.ok("POST", act, 202, json={"os-detach": {}})
    r = await asyncio.wait_for(delete, 10)
    assert r.status_code == 202, r.text
    await settle(vapi)
    assert await gone(vapi, f"{V3}/volumes/{vol['id']}")


async def test_a_shared_iscsi_export_goes_with_its_last_attachment(vapi: Api) -> None:
    """Two hosts attach a multiattach volume through its one iSCSI target: the first
    delete leaves the export for the other, the last one removes it."""
    driver = fake(vapi)
    ended: list[str] = []
    driver.initialize_connection = lambda vid, c: {  # type: ignore[method-assign]
        "driver_volume_type": "iscsi", "data": {"target_iqn": f"iqn.x:{vid}",
                                                "volume_id": vid}}
    driver.terminate_connection = lambda vid, c: ended.append(vid)  # type: ignore
    t = (await vapi.ok("POST", f"{V3}/types", 200, json={"volume_type": {
        "name": "multi-iscsi", "extra_specs": {"multiattach": "<is> True"}}}))["volume_type"]
    vol = await make_volume(vapi, volume_type=t["name"])
    ids = []
    for host in ("node-1", "node-2"):
        att = (await vapi.ok("POST", A, 200, json={"attachment": {
            "volume_uuid": vol["id"], "instance_uuid": str(uuid.uuid4()),
            "connector": {**CONNECTOR, "host": host}}}, headers=mv("3.44")))["attachment"]
        assert att["connection_info"]["driver_volume_type"] == "iscsi"
        ids.append(att["id"])
    await vapi.ok("DELETE", f"{A}/{ids[0]}", 200, headers=mv("3.27"))
    assert ended == []
    await vapi.ok("DELETE", f"{A}/{ids[1]}", 200, headers=mv("3.27"))
    assert ended == [vol["id"]]
