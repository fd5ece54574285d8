"""Volumes through Cinder's v3 API: create, list with filters and paging, show, update,
metadata, extend, reset status, delete (snapshots, cascade, force), faults and bad input."""

from __future__ import annotations

import pytest

from tests.api.volume.conftest import V3, fake, fault, make_volume, mv, settle, status_of
from tests.conftest import Api


async def test_version_documents_and_catalog(vapi: Api) -> None:
    r = await vapi.client.get("/volume/")
    assert r.status_code == 300
    v = r.json()["versions"][0]
    assert (v["id"], v["min_version"], v["version"]) == ("v3.0", "3.0", "3.71")
    r = await vapi.client.get("/volume/v3/", headers=mv("latest"))
    assert r.status_code == 200 and r.json()["versions"][0]["status"] == "CURRENT"
    assert r.headers["openstack-api-version"] == "volume 3.71"
    assert (await vapi.client.get("/volume/v3/", headers=mv("3.72"))).status_code == 406
    r = await vapi.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": "admin-secret", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    types = {s["type"]: s for s in r.json()["token"]["catalog"]}
    for t in ("block-storage", "volumev3"):
        assert types[t]["endpoints"][0]["url"].endswith("/volume/v3")


async def test_create_show_list_update_delete(vapi: Api) -> None:
    body = {"volume": {"size": 1, "name": "data-vol", "description": "d",
                       "metadata": {"tier": "gold"}}}
    r = await vapi.req("POST", f"{V3}/volumes", json=body, headers=mv())
    assert r.status_code == 202, r.text
    vol = r.json()["volume"]
    assert vol["status"] == "creating" and vol["size"] == 1
    assert vol["volume_type"] == "__DEFAULT__" and vol["volume_type_id"]
    assert vol["bootable"] == "false" and vol["attachments"] == []
    await settle(vapi)
    path = f"{V3}/volumes/{vol['id']}"
    shown = (await vapi.ok("GET", path))["volume"]
    assert shown["status"] == "available" and shown["metadata"] == {"tier": "gold"}
    assert "volume_type_id" not in shown          # 3.63, asked for 3.0 here
    assert fake(vapi).volumes[vol["id"]] == 1
    summary = (await vapi.ok("GET", f"{V3}/volumes"))["volumes"]
    assert summary == [{"id": vol["id"], "name": "data-vol", "links": shown["links"]}]
    upd = await vapi.ok("PUT", path, json={"volume": {"name": "renamed", "description": None,
                                                      "metadata": {"a": "b"}}})
    assert upd["volume"]["name"] == "renamed" and upd["volume"]["description"] is None
    assert upd["volume"]["metadata"] == {"a": "b"}
    await vapi.ok("DELETE", path, 202)
    await settle(vapi)
    assert await fault(vapi, "GET", path, 404, "itemNotFound") == \
        f"Volume {vol['id']} could not be found."
    assert vol["id"] not in fake(vapi).volumes


async def test_project_id_in_url(vapi: Api) -> None:
    pid = await vapi.project_id("admin")
    vol = await make_volume(vapi)
    got = await vapi.ok("GET", f"{V3}/{pid}/volumes/{vol['id']}")
    assert got["volume"]["id"] == vol["id"]
    demo = await vapi.project_id("demo")
    msg = await fault(vapi, "GET", f"{V3}/{demo}/volumes", 400, "badRequest")
    assert "Malformed request URL" in msg


async def test_list_filters_sort_and_paging(vapi: Api) -> None:
    ids = []
    for i, size in enumerate((3, 1, 2)):
        ids.append((await make_volume(vapi, size=size, name=f"v{i}",
                                      metadata={"n": str(i % 2)}))["id"])
    detail = f"{V3}/volumes/detail"
    by_name = (await vapi.ok("GET", f"{detail}?name=v1"))["volumes"]
    assert [v["id"] for v in by_name] == [ids[1]]
    meta = (await vapi.ok("GET", detail, params={"metadata": '{"n": "0"}'}))["volumes"]
    assert sorted(v["id"] for v in meta) == sorted([ids[0], ids[2]])
    assert (await vapi.ok("GET", f"{detail}?status=error"))["volumes"] == []
    by_size = (await vapi.ok("GET", f"{detail}?sort=size:asc"))["volumes"]
    assert [v["size"] for v in by_size] == [1, 2, 3]
    page = await vapi.ok("GET", f"{detail}?sort=size:asc&limit=2")
    assert [v["size"] for v in page["volumes"]] == [1, 2]
    assert "marker=" in page["volumes_links"][0]["href"]
    rest = await vapi.ok("GET", f"{detail}?sort=size:asc&limit=2&marker={by_size[1]['id']}")
    assert [v["size"] for v in rest["volumes"]] == [3] and "volumes_links" not in rest
    counted = await vapi.ok("GET", f"{detail}?with_count=true", headers=mv("3.45"))
    assert counted["count"] == 3
    await fault(vapi, "GET", f"{detail}?sort=bogus:asc", 400, "badRequest")
    await fault(vapi, "GET", f"{detail}?sort=size:sideways", 400, "badRequest")
    await fault(vapi, "GET", f"{detail}?limit=-1", 400, "badRequest")
    await fault(vapi, "GET", f"{detail}?limit=x", 400, "badRequest")
    await fault(vapi, "GET", f"{detail}?marker=nope", 404, "itemNotFound")
    await fault(vapi, "GET", f"{detail}?metadata=notadict", 400, "badRequest")


async def test_metadata_endpoints(vapi: Api) -> None:
    vol = await make_volume(vapi, metadata={"a": "1"})
    m = f"{V3}/volumes/{vol['id']}/metadata"
    assert (await vapi.ok("POST", m, json={"metadata": {"b": "2"}}))["metadata"] == \
        {"a": "1", "b": "2"}
    assert (await vapi.ok("GET", f"{m}/b")) == {"meta": {"b": "2"}}
    assert (await vapi.ok("PUT", f"{m}/b", json={"meta": {"b": "3"}})) == {"meta": {"b": "3"}}
    await fault(vapi, "PUT", f"{m}/b", 400, "badRequest", json={"meta": {"c": "3"}})
    await fault(vapi, "PUT", f"{m}/b", 400, "badRequest", json={"meta": {"b": "1", "c": "2"}})
    assert (await vapi.ok("PUT", m, json={"metadata": {"z": "9"}}))["metadata"] == {"z": "9"}
    await vapi.ok("DELETE", f"{m}/z", 200)
    await fault(vapi, "DELETE", f"{m}/z", 404, "itemNotFound")
    await fault(vapi, "GET", f"{m}/z", 404, "itemNotFound")
    assert (await vapi.ok("GET", m))["metadata"] == {}
    await fault(vapi, "POST", m, 400, "badRequest", json={"metadata": {"k": 1}})
    await fault(vapi, "POST", m, 400, "badRequest", json={"metadata": {"": "v"}})


async def test_extend(vapi: Api) -> None:
    vol = await make_volume(vapi)
    act = f"{V3}/volumes/{vol['id']}/action"
    await vapi.ok("POST", act, 202, json={"os-extend": {"new_size": 2}})
    await settle(vapi)
    shown = (await vapi.ok("GET", f"{V3}/volumes/{vol['id']}"))["volume"]
    assert shown["size"] == 2 and shown["status"] == "available"
    assert fake(vapi).volumes[vol["id"]] == 2
    msg = await fault(vapi, "POST", act, 400, "badRequest", json={"os-extend": {"new_size": 2}})
    assert msg == ("Invalid input received: New size for extend must be greater than current "
                   "size. (current: 2, extended: 2).")
    await fault(vapi, "POST", act, 400, "badRequest", json={"os-extend": {"new_size": "x"}})
    await fault(vapi, "POST", act, 400, "badRequest", json={"os-extend": {"new_size": 0}})
    await fault(vapi, "POST", act, 400, "badRequest", json={"os-extend": {}})
    assert "no such action" in await fault(vapi, "POST", act, 400, "badRequest",
                                           json={"os-bogus": {}})
    await fault(vapi, "POST", act, 400, "badRequest", json={"a": {}, "b": {}})
    fake(vapi).inject("extend")
    await vapi.ok("POST", act, 202, json={"os-extend": {"new_size": 3}})
    await settle(vapi)
    assert await status_of(vapi, f"{V3}/volumes/{vol['id']}", "volume") == "error_extending"


async def test_reset_status_and_force_delete_are_admin_actions(
        vapi: Api, member: tuple[str, str]) -> None:
    tok, _pid = member
    vol = await make_volume(vapi, tok)
    path = f"{V3}/volumes/{vol['id']}"
    await fault(vapi, "POST", f"{path}/action", 403, "forbidden", tok,
                json={"os-reset_status": {"status": "error"}})
    await vapi.ok("POST", f"{path}/action", 202, json={"os-reset_status": {"status": "in-use"}})
    assert await status_of(vapi, path, "volume") == "in-use"
    await fault(vapi, "POST", f"{path}/action", 400, "badRequest",
                json={"os-reset_status": {"status": "sleeping"}})
    msg = await fault(vapi, "DELETE", path, 400, "badRequest", tok)
    assert msg.startswith("Invalid volume: Volume status must be available or error")
    await fault(vapi, "POST", f"{path}/action", 403, "forbidden", tok,
                json={"os-force_delete": {}})
    await vapi.ok("POST", f"{path}/action", 202, json={"os-force_delete": {}})
    await settle(vapi)
    await fault(vapi, "GET", path, 404, "itemNotFound")


async def test_delete_with_snapshots_needs_cascade(vapi: Api) -> None:
    vol = await make_volume(vapi)
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202,
                          json={"snapshot": {"volume_id": vol["id"]}}))["snapshot"]
    await settle(vapi)
    path = f"{V3}/volumes/{vol['id']}"
    msg = await fault(vapi, "DELETE", path, 400, "badRequest")
    assert "have snapshots" in msg
    await vapi.ok("DELETE", f"{path}?cascade=true", 202)
    await settle(vapi)
    await fault(vapi, "GET", path, 404, "itemNotFound")
    await fault(vapi, "GET", f"{V3}/snapshots/{snap['id']}", 404, "itemNotFound")
    assert fake(vapi).snapshots == {} and fake(vapi).volumes == {}


async def test_create_failure_is_recorded(vapi: Api) -> None:
    fake(vapi).inject("create")
    vol = await make_volume(vapi)
    path = f"{V3}/volumes/{vol['id']}"
    assert await status_of(vapi, path, "volume") == "error"
    row = await vapi.node.controller.volume.storage.volumes.get(vol["id"], None)
    assert row.volume.fault == "injected fault: create failed"
    fake(vapi).clear()
    await vapi.ok("DELETE", path, 202)      # a volume in error can be deleted
    await settle(vapi)
    await fault(vapi, "GET", path, 404, "itemNotFound")


async def test_backend_full(vapi: Api) -> None:
    await vapi.ok("PUT", f"{V3}/os-quota-sets/{await vapi.project_id('admin')}",
                  json={"quota_set": {"gigabytes": 500}})
    vol = await make_volume(vapi, size=60)          # the fake backend holds 50 GiB
    shown = await vapi.node.controller.volume.storage.volumes.get(vol["id"], None)
    assert shown.volume.status == "error" and "50 GiB free" in (shown.volume.fault or "")


async def test_create_from_snapshot_and_volume(vapi: Api) -> None:
    src = await make_volume(vapi, size=2)
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202,
                          json={"snapshot": {"volume_id": src["id"]}}))["snapshot"]
    await settle(vapi)
    from_snap = await make_volume(vapi, size=None, snapshot_id=snap["id"])
    assert from_snap["size"] == 2 and from_snap["snapshot_id"] == snap["id"]
    assert await status_of(vapi, f"{V3}/volumes/{from_snap['id']}", "volume") == "available"
    msg = await fault(vapi, "POST", f"{V3}/volumes", 400, "badRequest", json={
        "volume": {"size": 1, "snapshot_id": snap["id"]}})
    assert "cannot be smaller than the snapshot size" in msg
    clone = await make_volume(vapi, size=3, source_volid=src["id"])
    assert clone["size"] == 3 and clone["source_volid"] == src["id"]
    assert fake(vapi).volumes[clone["id"]] == 3


@pytest.mark.parametrize("body", [
    {}, {"volume": {}}, {"volume": {"size": 0}}, {"volume": {"size": -1}},
    {"volume": {"size": "abc"}}, {"volume": {"size": 1.5}}, {"volume": {"size": 2 ** 40}},
    {"volume": {"size": 1, "name": "x" * 256}}, {"volume": {"size": 1, "metadata": "x"}},
    {"volume": {"size": 1, "snapshot_id": "not-a-uuid"}},
    {"volume": {"size": 1, "volume_type": "no-such-type"}},
    {"volume": {"size": 1, "availability_zone": "mars"}},
    {"volume": {"size": 1, "imageRef": "abc"}}, {"volume": "x"}, [],
])
async def test_create_bad_input_is_a_4xx(vapi: Api, body: object) -> None:
    r = await vapi.req("POST", f"{V3}/volumes", json=body)
    assert 400 <= r.status_code < 500, r.text
    key = next(iter(r.json()))
    assert key in ("badRequest", "itemNotFound") and r.json()[key]["message"]


async def test_bad_requests_never_500(vapi: Api) -> None:
    await fault(vapi, "POST", f"{V3}/volumes", 400, "badRequest", content=b"{not json",
                headers={"Content-Type": "application/json"})
    await fault(vapi, "GET", f"{V3}/volumes/nope", 404, "itemNotFound")
    await fault(vapi, "PUT", f"{V3}/volumes/nope", 400, "badRequest", json={"volume": {}})
    await fault(vapi, "PUT", f"{V3}/volumes/nope", 404, "itemNotFound",
                json={"volume": {"name": "x"}})
    await fault(vapi, "DELETE", f"{V3}/volumes/nope", 404, "itemNotFound")
    await fault(vapi, "POST", f"{V3}/volumes/nope/action", 404, "itemNotFound",
                json={"os-extend": {"new_size": 2}})
    await fault(vapi, "PATCH", f"{V3}/volumes", 405, "badMethod")
    await fault(vapi, "GET", f"{V3}/volumes", 401, "unauthorized", token="")
