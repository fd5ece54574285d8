"""Snapshots and volume types through Cinder's v3 API."""

from __future__ import annotations

from tests.api.volume.conftest import V3, fake, fault, make_volume, mv, settle, status_of
from tests.conftest import Api


async def test_snapshot_lifecycle(vapi: Api) -> None:
    vol = await make_volume(vapi, size=2)
    r = await vapi.req("POST", f"{V3}/snapshots", headers=mv("3.65"), json={"snapshot": {
        "volume_id": vol["id"], "name": "s1", "metadata": {"k": "v"}}})
    assert r.status_code == 202, r.text
    snap = r.json()["snapshot"]
    assert snap["status"] == "creating" and snap["size"] == 2 and snap["consumes_quota"]
    await settle(vapi)
    path = f"{V3}/snapshots/{snap['id']}"
    shown = (await vapi.ok("GET", path))["snapshot"]
    assert shown["status"] == "available"
    assert shown["os-extended-snapshot-attributes:progress"] == "100%"
    assert fake(vapi).snapshots[snap["id"]] == 2
    listed = (await vapi.ok("GET", f"{V3}/snapshots?volume_id={vol['id']}"))["snapshots"]
    assert [s["id"] for s in listed] == [snap["id"]]
    assert (await vapi.ok("GET", f"{V3}/snapshots/detail?name=nope"))["snapshots"] == []
    upd = await vapi.ok("PUT", path, json={"snapshot": {"name": "s2", "description": "d"}})
    assert upd["snapshot"]["name"] == "s2" and upd["snapshot"]["description"] == "d"
    m = f"{path}/metadata"
    assert (await vapi.ok("POST", m, json={"metadata": {"a": "1"}}))["metadata"] == \
        {"k": "v", "a": "1"}
    assert (await vapi.ok("GET", f"{m}/a")) == {"meta": {"a": "1"}}
    await vapi.ok("DELETE", f"{m}/a", 200)
    await fault(vapi, "GET", f"{m}/a", 404, "itemNotFound")
    await vapi.ok("DELETE", path, 202)
    await settle(vapi)
    assert await fault(vapi, "GET", path, 404, "itemNotFound") == \
        f"Snapshot {snap['id']} could not be found."
    assert snap["id"] not in fake(vapi).snapshots


async def test_snapshot_of_in_use_volume_needs_force(vapi: Api) -> None:
    vol = await make_volume(vapi)
    await vapi.ok("POST", f"{V3}/volumes/{vol['id']}/action", 202,
                  json={"os-reset_status": {"status": "in-use"}})
    body = {"snapshot": {"volume_id": vol["id"]}}
    msg = await fault(vapi, "POST", f"{V3}/snapshots", 400, "badRequest", json=body)
    assert msg == (f"Invalid volume: Volume {vol['id']} status must be available, but "
                   "current status is: in-use.")
    body["snapshot"]["force"] = True
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202, json=body))["snapshot"]
    await settle(vapi)
    assert await status_of(vapi, f"{V3}/snapshots/{snap['id']}", "snapshot") == "available"


async def test_snapshot_faults(vapi: Api) -> None:
    vol = await make_volume(vapi)
    fake(vapi).inject("snapshot")
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202,
                          json={"snapshot": {"volume_id": vol["id"]}}))["snapshot"]
    await settle(vapi)
    path = f"{V3}/snapshots/{snap['id']}"
    assert await status_of(vapi, path, "snapshot") == "error"
    fake(vapi).clear()
    await vapi.ok("POST", f"{path}/action", 202, json={"os-reset_status": {"status": "creating"}})
    msg = await fault(vapi, "DELETE", path, 400, "badRequest")
    assert msg.startswith("Invalid snapshot: Volume Snapshot status must be available or error")
    await fault(vapi, "POST", f"{path}/action", 400, "badRequest",
                json={"os-reset_status": {"status": "bogus"}})
    await fault(vapi, "POST", f"{V3}/snapshots", 400, "badRequest",
                json={"snapshot": {"volume_id": "not-a-uuid"}})
    await fault(vapi, "POST", f"{V3}/snapshots", 404, "itemNotFound",
                json={"snapshot": {"volume_id": "8b8c7b7e-2f7a-4f1e-9d6e-1f1a1a1a1a1a"}})
    await fault(vapi, "POST", f"{V3}/snapshots", 400, "badRequest",
                json={"snapshot": {"volume_id": vol["id"], "bogus": 1}})
    await fault(vapi, "PUT", path, 400, "badRequest", json={"snapshot": {}})


async def test_default_type_exists_and_is_protected(vapi: Api) -> None:
    types = (await vapi.ok("GET", f"{V3}/types"))["volume_types"]
    default = [t for t in types if t["name"] == "__DEFAULT__"]
    assert len(default) == 1 and default[0]["is_public"]
    assert (await vapi.ok("GET", f"{V3}/types/default"))["volume_type"]["id"] == \
        default[0]["id"]
    msg = await fault(vapi, "DELETE", f"{V3}/types/{default[0]['id']}", 400, "badRequest")
    assert msg == "Invalid volume type: Default volume type can not be deleted."


async def test_type_crud_extra_specs_and_use(vapi: Api) -> None:
    body = {"volume_type": {"name": "fast-ssd", "description": "fast",
                            "extra_specs": {"volume_backend_name": "fast"}}}
    t = (await vapi.ok("POST", f"{V3}/types", json=body))["volume_type"]
    assert t["extra_specs"] == {"volume_backend_name": "fast"} and t["is_public"]
    assert "already exists" in await fault(vapi, "POST", f"{V3}/types", 409,
                                           "conflictingRequest", json=body)
    tp = f"{V3}/types/{t['id']}"
    es = f"{tp}/extra_specs"
    assert (await vapi.ok("POST", es, json={"extra_specs": {"a": "1"}})) == \
        {"extra_specs": {"a": "1"}}
    assert (await vapi.ok("GET", es))["extra_specs"] == {"volume_backend_name": "fast", "a": "1"}
    assert (await vapi.ok("GET", f"{es}/a")) == {"a": "1"}
    assert (await vapi.ok("PUT", f"{es}/a", json={"a": "2"})) == {"a": "2"}
    await fault(vapi, "PUT", f"{es}/a", 400, "badRequest", json={"b": "2"})
    await vapi.ok("DELETE", f"{es}/a", 202)
    await fault(vapi, "GET", f"{es}/a", 404, "itemNotFound")
    upd = (await vapi.ok("PUT", tp, json={"volume_type": {"description": "faster"}}))
    assert upd["volume_type"]["description"] == "faster"
    vol = await make_volume(vapi, volume_type="fast-ssd")
    assert vol["volume_type"] == "fast-ssd"
    msg = await fault(vapi, "DELETE", tp, 400, "badRequest")
    assert "deletion is not allowed with volumes present" in msg
    await vapi.ok("DELETE", f"{V3}/volumes/{vol['id']}", 202)
    await settle(vapi)
    await vapi.ok("DELETE", tp, 202)
    await fault(vapi, "GET", tp, 404, "itemNotFound")
    await fault(vapi, "POST", f"{V3}/types", 400, "badRequest", json={"volume_type": {}})
    await fault(vapi, "POST", f"{V3}/types", 400, "badRequest",
                json={"volume_type": {"name": "  "}})


async def test_private_type_access(vapi: Api, member: tuple[str, str]) -> None:
    tok, pid = member
    t = (await vapi.ok("POST", f"{V3}/types", json={"volume_type": {
        "name": "secret", "os-volume-type-access:is_public": False}}))["volume_type"]
    assert t["is_public"] is False
    tp = f"{V3}/types/{t['id']}"
    names = [x["name"] for x in
             (await vapi.ok("GET", f"{V3}/types", 200, tok))["volume_types"]]
    assert "secret" not in names
    await fault(vapi, "GET", tp, 404, "itemNotFound", tok)
    await fault(vapi, "POST", f"{V3}/volumes", 404, "itemNotFound", tok,
                json={"volume": {"size": 1, "volume_type": "secret"}})
    await vapi.ok("POST", f"{tp}/action", 202, json={"addProjectAccess": {"project": pid}})
    await fault(vapi, "POST", f"{tp}/action", 409, "conflictingRequest",
                json={"addProjectAccess": {"project": pid}})
    assert (await vapi.ok("GET", f"{tp}/os-volume-type-access"))["volume_type_access"] == \
        [{"volume_type_id": t["id"], "project_id": pid}]
    names = [x["name"] for x in
             (await vapi.ok("GET", f"{V3}/types", 200, tok))["volume_types"]]
    assert "secret" in names
    assert (await make_volume(vapi, tok, volume_type="secret"))["volume_type"] == "secret"
    await vapi.ok("POST", f"{tp}/action", 202, json={"removeProjectAccess": {"project": pid}})
    await fault(vapi, "GET", tp, 404, "itemNotFound", tok)
    await fault(vapi, "POST", f"{V3}/types", 403, "forbidden", tok,
                json={"volume_type": {"name": "mine"}})


async def test_members_see_only_visible_extra_specs(vapi: Api, member: tuple[str, str]) -> None:
    tok, _pid = member
    await vapi.ok("POST", f"{V3}/types", json={"volume_type": {
        "name": "t", "extra_specs": {"volume_backend_name": "x", "multiattach": "<is> False"}}})
    got = [x for x in (await vapi.ok("GET", f"{V3}/types", 200, tok))["volume_types"]
           if x["name"] == "t"]
    assert got[0]["extra_specs"] == {"multiattach": "<is> False"}
    await fault(vapi, "POST", f"{V3}/types/{got[0]['id']}/extra_specs", 403, "forbidden", tok,
                json={"extra_specs": {"a": "b"}})
