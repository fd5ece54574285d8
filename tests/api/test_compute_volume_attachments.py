"""os-volume_attachments through the compute API on the fake virt driver and the fake volume
backend: attach, list, show, detach with the states at each step on both sides, the
instance actions, server show's volumes_attached, bad input (never a 500), a failed attach
rolled back, the server's delete releasing its volumes, and the reconciler converging
records a kill -9 left behind."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import update

from nubo.compute.agent.virt.fake import FakeDriver
from nubo.volume.models import VolumeAttachment
from tests.api.compute_schemas import schema_module
from tests.api.test_compute_servers import flavor_id, image_id, wait
from tests.conftest import Api, api_on, make_settings

S = "/compute/v2.1/servers"
V3 = "/volume/v3"


def mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def check(version: str, name: str, body: Any) -> None:
    schema = getattr(schema_module(version, "servers"), name)
    jsonschema.Draft4Validator(schema["response_body"]).validate(body)


@pytest.fixture
async def vapi(tmp_path: Path) -> AsyncIterator[Api]:
    settings = make_settings(tmp_path / "data", volume_driver="fake", volume_capacity_gb=50)
    async with api_on(settings) as a:
        yield a


def host_driver(api: Api, sid: str) -> FakeDriver:
    for agent in api.node.host.agents:
        if sid in agent.driver.instances:
            driver: FakeDriver = agent.driver
            return driver
    raise AssertionError(f"no fake host has {sid}")


async def settle(api: Api) -> None:
    await api.node.controller.conductor.drain()
    await api.node.controller.volume.storage.worker.drain()


async def volume(api: Api, token: str | None = None, **extra: Any) -> str:
    vol = (await api.ok("POST", f"{V3}/volumes", 202, token, json={"volume": {
        "size": 1, **extra}}))["volume"]
    await settle(api)
    return str(vol["id"])


async def vol_show(api: Api, vid: str) -> dict[str, Any]:
    out: dict[str, Any] = (await api.ok("GET", f"{V3}/volumes/{vid}"))["volume"]
    return out


async def server(api: Api, token: str | None = None) -> str:
    img, flv = await image_id(api), await flavor_id(api)
    srv = (await api.ok("POST", S, 202, token, json={"server": {
        "name": "vm", "imageRef": img, "flavorRef": flv, "networks": "none"}},
        headers=mv("2.37")))["server"]
    await wait(api, srv["id"], "ACTIVE", token)
    return str(srv["id"])


async def fault(api: Api, method: str, path: str, status: int, token: str | None = None,
                **kw: Any) -> str:
    r = await api.req(method, path, token, **kw)
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    [(_key, body)] = r.json().items()
    assert body["code"] == status and body["message"]
    return str(body["message"])


async def test_attach_list_show_detach(vapi: Api) -> None:
    sid, vid = await server(vapi), await volume(vapi, name="data-vol")
    r = await vapi.ok("POST", f"{S}/{sid}/os-volume_attachments", 200, json={
        "volumeAttachment": {"volumeId": vid, "tag": "data",
                             "delete_on_termination": False}}, headers=mv("2.79"))
    check("2.79", "attach_volume", r)
    att = r["volumeAttachment"]
    assert (att["volumeId"], att["serverId"], att["device"], att["tag"]) == \
        (vid, sid, "/dev/vdb", "data")
    assert att["delete_on_termination"] is False
    assert (await vol_show(vapi, vid))["status"] in ("reserved", "attaching", "in-use")
    await settle(vapi)
    shown = await vol_show(vapi, vid)
    assert shown["status"] == "in-use"
    [brief] = shown["attachments"]
    assert (brief["server_id"], brief["device"]) == (sid, "/dev/vdb")
    assert host_driver(vapi, sid).volumes[sid] == {"vdb": vid}
    listed = await vapi.ok("GET", f"{S}/{sid}/os-volume_attachments", headers=mv("2.89"))
    check("2.89", "list_volume_attachments", listed)
    [one] = listed["volumeAttachments"]
    assert one["attachment_id"] == brief["attachment_id"] and "id" not in one
    old = await vapi.ok("GET", f"{S}/{sid}/os-volume_attachments/{vid}")
    check("2.1", "show_volume_attachment", old)
    assert old["volumeAttachment"]["id"] == vid
    srv = (await vapi.ok("GET", f"{S}/{sid}", headers=mv("2.79")))["server"]
    assert srv["os-extended-volumes:volumes_attached"] == [
        {"id": vid, "delete_on_termination": False}]
    srv = (await vapi.ok("GET", f"{S}/{sid}"))["server"]
    assert srv["os-extended-volumes:volumes_attached"] == [{"id": vid}]
    # 2.85 changes delete_on_termination in place
    await fault(vapi, "PUT", f"{S}/{sid}/os-volume_attachments/{vid}", 400, json={
        "volumeAttachment": {"volumeId": vid, "delete_on_termination": True}},
        headers=mv("2.84"))
    await vapi.ok("PUT", f"{S}/{sid}/os-volume_attachments/{vid}", 202, json={
        "volumeAttachment": {"volumeId": vid, "delete_on_termination": True}},
        headers=mv("2.85"))
    got = await vapi.ok("GET", f"{S}/{sid}/os-volume_attachments/{vid}", headers=mv("2.85"))
    assert got["volumeAttachment"]["delete_on_termination"] is True
    # an attached volume cannot be deleted
    await fault(vapi, "DELETE", f"{V3}/volumes/{vid}", 400)
    await vapi.ok("DELETE", f"{S}/{sid}/os-volume_attachments/{vid}", 202)
    assert (await vol_show(vapi, vid))["status"] in ("detaching", "available")
    await settle(vapi)
    shown = await vol_show(vapi, vid)
    assert shown["status"] == "available" and shown["attachments"] == []
    assert host_driver(vapi, sid).volumes[sid] == {}
    assert (await vapi.ok("GET", f"{S}/{sid}/os-volume_attachments")) == {
        "volumeAttachments": []}
    await fault(vapi, "DELETE", f"{S}/{sid}/os-volume_attachments/{vid}", 404)
    actions = (await vapi.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    names = [a["action"] for a in actions]
    assert "attach_volume" in names and "detach_volume" in names
    for a in actions:
        if a["action"] in ("attach_volume", "detach_volume"):
            one = (await vapi.ok("GET", f"{S}/{sid}/os-instance-actions/{a['request_id']}",
                                 headers=mv("2.51")))["instanceAction"]
            assert [e["result"] for e in one["events"]] == ["Success"]
    # a second attach takes the next device; a named free device is taken as asked
    vid2 = await volume(vapi)
    att = (await vapi.ok("POST", f"{S}/{sid}/os-volume_attachments", 200, json={
        "volumeAttachment": {"volumeId": vid2, "device": "/dev/vdd"}}))["volumeAttachment"]
    assert att["device"] == "/dev/vdd"
    await settle(vapi)
    att = (await vapi.ok("POST", f"{S}/{sid}/os-volume_attachments", 200, json={
        "volumeAttachment": {"volumeId": vid}}))["volumeAttachment"]
    assert att["device"] == "/dev/vdb"
    await settle(vapi)
    assert host_driver(vapi, sid).volumes[sid] == {"vdd": vid2, "vdb": vid}


async def test_refusals_never_500(vapi: Api) -> None:
    sid, vid = await server(vapi), await volume(vapi)
    path = f"{S}/{sid}/os-volume_attachments"
    await fault(vapi, "POST", path, 400, json={"volumeAttachment": {}})
    await fault(vapi, "POST", path, 400, json={"volumeAttachment": {"volumeId": "x"}})
    await fault(vapi, "POST", path, 400, json={"volumeAttachment": {
        "volumeId": vid, "device": "vdb!"}})
    await fault(vapi, "POST", path, 400, json={"volumeAttachment": {
        "volumeId": vid, "tag": "t"}}, headers=mv("2.48"))
    await fault(vapi, "POST", path, 400, json={"volumeAttachment": {
        "volumeId": vid, "delete_on_termination": True}}, headers=mv("2.78"))
    await fault(vapi, "POST", path, 404, json={"volumeAttachment": {
        "volumeId": str(uuid.uuid4())}})
    await fault(vapi, "POST", f"{S}/{uuid.uuid4()}/os-volume_attachments", 404,
                json={"volumeAttachment": {"volumeId": vid}})
    await fault(vapi, "GET", f"{path}/{vid}", 404)
    await fault(vapi, "DELETE", f"{path}/{vid}", 404)
    await vapi.ok("POST", path, 200, json={"volumeAttachment": {"volumeId": vid}})
    await settle(vapi)
    # attached already (to this server, or an in-use volume to another): 400
    await fault(vapi, "POST", path, 400, json={"volumeAttachment": {"volumeId": vid}})
    sid2 = await server(vapi)
    await fault(vapi, "POST", f"{S}/{sid2}/os-volume_attachments", 400,
                json={"volumeAttachment": {"volumeId": vid}})
    # a device in use: Nova's 409 (DevicePathInUse)
    vid2 = await volume(vapi)
    msg = await fault(vapi, "POST", path, 409, json={"volumeAttachment": {
        "volumeId": vid2, "device": "/dev/vdb"}})
    assert "in use" in msg
    assert (await vol_show(vapi, vid2))["status"] == "available"
    # a swap is refused, clearly
    await fault(vapi, "PUT", f"{path}/{vid}", 409, json={"volumeAttachment": {
        "volumeId": vid2}}, headers=mv("2.85"))
    # a member of another project sees neither the server nor the volume
    await vapi.make_project("other")
    await vapi.make_user("olga", "pw", "other", "member")
    tok = await vapi.token("olga", "pw", "other")
    await fault(vapi, "POST", path, 404, tok, json={"volumeAttachment": {"volumeId": vid2}})
    sid3 = await server(vapi, tok)
    await fault(vapi, "POST", f"{S}/{sid3}/os-volume_attachments", 404, tok,
                json={"volumeAttachment": {"volumeId": vid2}})
    # a server locked by the admin: its member gets Nova's 409
    own = await volume(vapi, tok)
    await vapi.ok("POST", f"{S}/{sid3}/action", 202, json={"lock": None})
    await fault(vapi, "POST", f"{S}/{sid3}/os-volume_attachments", 409, tok,
                json={"volumeAttachment": {"volumeId": own}})
    assert (await vol_show(vapi, own))["status"] == "available"


async def test_failed_attach_rolls_back(vapi: Api) -> None:
    sid, vid = await server(vapi), await volume(vapi)
    driver = host_driver(vapi, sid)
    for fault_kind in ("fail", "lost"):
        driver.faults["attach_volume"] = fault_kind
        await vapi.ok("POST", f"{S}/{sid}/os-volume_attachments", 200,
                      json={"volumeAttachment": {"volumeId": vid}})
        await settle(vapi)
        shown = await vol_show(vapi, vid)
        assert (shown["status"], shown["attachments"]) == ("available", [])
        assert driver.volumes.get(sid, {}) == {}        # a lost answer's disk taken out
        attachments = (await vapi.ok("GET", f"{V3}/attachments", headers={
            "OpenStack-API-Version": "volume 3.27"}))["attachments"]
        assert attachments == []
    driver.faults.pop("attach_volume")
    actions = (await vapi.ok("GET", f"{S}/{sid}/os-instance-actions"))["instanceActions"]
    failed = [a for a in actions if a["action"] == "attach_volume"]
    assert len(failed) == 2 and all(a["message"] == "Error" for a in failed)
    # a failing detach rolls back to in-use
    await vapi.ok("POST", f"{S}/{sid}/os-volume_attachments", 200,
                  json={"volumeAttachment": {"volumeId": vid}})
    await settle(vapi)
    driver.faults["detach_volume"] = "fail"
    await vapi.ok("DELETE", f"{S}/{sid}/os-volume_attachments/{vid}", 202)
    await settle(vapi)
    assert (await vol_show(vapi, vid))["status"] == "in-use"
    driver.faults.pop("detach_volume")


async def test_server_delete_releases_volumes(vapi: Api) -> None:
    sid, keep, drop = await server(vapi), await volume(vapi), await volume(vapi)
    for vid, dot in ((keep, False), (drop, True)):
        await vapi.ok("POST", f"{S}/{sid}/os-volume_attachments", 200, json={
            "volumeAttachment": {"volumeId": vid, "delete_on_termination": dot}},
            headers=mv("2.79"))
        await settle(vapi)
    await vapi.ok("DELETE", f"{S}/{sid}", 204)
    await settle(vapi)
    for _ in range(100):
        if (await vapi.req("GET", f"{S}/{sid}")).status_code == 404:
            break
        await asyncio.sleep(0.05)
    await settle(vapi)
    shown = await vol_show(vapi, keep)
    assert (shown["status"], shown["attachments"]) == ("available", [])
    r = await vapi.req("GET", f"{V3}/volumes/{drop}")
    assert r.status_code == 404 or r.json()["volume"]["status"] == "deleting"


async def test_reconcile_after_kill(vapi: Api) -> None:
    """A kill -9 leaves records where they were: attaching with the disk on the host (the
    host had plugged it), attaching without it, detaching with the disk still there. The
    reconcile (run at start) converges each: in-use, available, available."""
    sid = await server(vapi)
    plugged, lost, leaving = await volume(vapi), await volume(vapi), await volume(vapi)
    for vid in (plugged, lost, leaving):
        await vapi.ok("POST", f"{S}/{sid}/os-volume_attachments", 200,
                      json={"volumeAttachment": {"volumeId": vid}})
        await settle(vapi)
    driver = host_driver(vapi, sid)
    db = vapi.node.controller.db
    devices = {v: d for d, v in driver.volumes[sid].items()}
    async with db.write() as s:      # as a crash mid-attach and mid-detach leaves them
        for vid, status in ((plugged, "attaching"), (lost, "attaching"),
                            (leaving, "detaching")):
            await s.execute(update(VolumeAttachment).where(
                VolumeAttachment.volume_id == vid).values(attach_status=status))
    driver.volumes[sid].pop(devices[lost])
    storage = vapi.node.controller.volume.storage
    recs = {r.attachment.volume_id: r for r in await storage.attachments.list_(None)}
    for vid in (plugged, lost, leaving):
        async with db.write() as s:
            vol = await s.get(type(recs[vid].volume), vid)
            await storage.attachments._settle(s, vol)  # noqa: SLF001 - the crash's state
    assert (await vol_show(vapi, plugged))["status"] == "attaching"
    assert (await vol_show(vapi, leaving))["status"] == "detaching"
    counts = await vapi.node.controller.servers.periodic.volumes.reconcile()
    assert counts == {"completed": 1, "released": 1, "replugged": 0, "detached": 1}
    assert (await vol_show(vapi, plugged))["status"] == "in-use"
    for vid in (lost, leaving):
        shown = await vol_show(vapi, vid)
        assert (shown["status"], shown["attachments"]) == ("available", [])
    assert driver.volumes[sid] == {devices[plugged]: plugged}
    # the host lost a disk the record says is attached: plugged again from the record
    driver.volumes[sid].clear()
    counts = await vapi.node.controller.servers.periodic.volumes.reconcile()
    assert counts["replugged"] == 1
    assert driver.volumes[sid] == {devices[plugged]: plugged}
    # nothing left to heal: a second round changes nothing
    assert not any((await vapi.node.controller.servers.periodic.volumes.reconcile())
                   .values())


async def test_odd_bodies_are_4xx(vapi: Api) -> None:
    sid, vid = await server(vapi), await volume(vapi)
    path = f"{S}/{sid}/os-volume_attachments"
    for body in (None, [], "x", 1, {"volumeAttachment": None}, {"volumeAttachment": []},
                 {"volumeAttachment": {"volumeId": None}},
                 {"volumeAttachment": {"volumeId": vid, "device": 7}},
                 {"volumeAttachment": {"volumeId": vid, "extra": 1}},
                 {"volumeAttachment": {"volumeId": vid}, "more": 1}):
        r = await vapi.req("POST", path, json=body, headers=mv("2.89"))
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
        r = await vapi.req("PUT", f"{path}/{vid}", json=body, headers=mv("2.89"))
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
    r = await vapi.req("GET", f"{path}?limit=x")
    assert r.status_code == 400
    for odd in ("x", "42", "%20", str(uuid.uuid4()).upper()):
        for method in ("GET", "DELETE"):
            r = await vapi.req(method, f"{path}/{odd}")
            assert r.status_code == 404, (method, odd, r.text)
    assert (await vol_show(vapi, vid))["status"] == "available"


async def test_cinder_odd_bodies_are_4xx(vapi: Api) -> None:
    vid = await volume(vapi)
    a = f"{V3}/attachments"
    h = {"OpenStack-API-Version": "volume 3.44"}
    for body in (None, [], {"attachment": []}, {"attachment": {"volume_uuid": vid,
                                                               "connector": "x"}},
                 {"attachment": {"volume_uuid": vid, "mode": "rx"}}):
        r = await vapi.req("POST", a, json=body, headers=h)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
    att = (await vapi.ok("POST", a, 200, json={"attachment": {
        "volume_uuid": "{" + vid + "}",
        "instance_uuid": "urn:uuid:" + str(uuid.uuid4())}}, headers=h))["attachment"]
    assert att["volume_id"] == vid and len(att["instance"]) == 36
    for body in (None, {"attachment": {"connector": "x"}}, {"attachment": {}}):
        r = await vapi.req("PUT", f"{a}/{att['id']}", json=body, headers=h)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
    for body in (None, {"os-complete": 5}, {"x": 1}, {"os-complete": None, "y": 1}):
        r = await vapi.req("POST", f"{a}/{att['id']}/action", json=body, headers=h)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
    act = f"{V3}/volumes/{vid}/action"
    for body in ({"os-attach": None}, {"os-attach": {"mountpoint": ""}},
                 {"os-attach": {"mountpoint": "/dev/vdb", "instance_uuid": "nope"}},
                 {"os-detach": []}, {"os-initialize_connection": {"connector": []}},
                 {"os-terminate_connection": None}, {"os-reserve": 3}):
        r = await vapi.req("POST", act, json=body)
        assert 400 <= r.status_code < 500, (body, r.status_code, r.text)
