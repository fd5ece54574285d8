"""The routes the other volume tests leave out, and what each microversion shows."""

from __future__ import annotations

from tests.api.volume.conftest import V3, fault, make_volume, mv, settle
from tests.conftest import Api


async def test_fields_by_microversion(vapi: Api) -> None:
    vol = await make_volume(vapi)
    path = f"{V3}/volumes/{vol['id']}"
    old = (await vapi.ok("GET", path, headers=mv("3.0")))["volume"]
    new = (await vapi.ok("GET", path, headers=mv("3.71")))["volume"]
    added = {"group_id", "provider_id", "service_uuid", "shared_targets", "cluster_name",
             "volume_type_id", "encryption_key_id", "consumes_quota"}
    assert not added & set(old) and added <= set(new)
    assert set(old) <= set(new)
    r = await vapi.req("GET", path, headers=mv("3.63"))
    assert r.headers["openstack-api-version"] == "volume 3.63"
    assert "consumes_quota" not in r.json()["volume"] and "volume_type_id" in r.json()["volume"]
    await fault(vapi, "GET", path, 406, "notAcceptable", headers=mv("3.72"))
    await fault(vapi, "GET", path, 400, "badRequest", headers=mv("3.x"))


async def test_snapshot_metadata_replace_and_force_delete(vapi: Api) -> None:
    vol = await make_volume(vapi)
    snap = (await vapi.ok("POST", f"{V3}/snapshots", 202, json={"snapshot": {
        "volume_id": vol["id"], "metadata": {"a": "1"}}}))["snapshot"]
    await settle(vapi)
    m = f"{V3}/snapshots/{snap['id']}/metadata"
    assert (await vapi.ok("PUT", m, json={"metadata": {"b": "2"}}))["metadata"] == {"b": "2"}
    assert (await vapi.ok("PUT", f"{m}/b", json={"meta": {"b": "3"}})) == {"meta": {"b": "3"}}
    await fault(vapi, "PUT", f"{m}/b", 400, "badRequest", json={"meta": {"c": "3"}})
    assert (await vapi.ok("GET", m))["metadata"] == {"b": "3"}
    await fault(vapi, "DELETE", f"{m}/nope", 404, "itemNotFound")
    path = f"{V3}/snapshots/{snap['id']}"
    await vapi.ok("POST", f"{path}/action", 202, json={"os-reset_status": {"status": "creating"}})
    await vapi.ok("POST", f"{path}/action", 202, json={"os-force_delete": {}})
    await settle(vapi)
    await fault(vapi, "GET", path, 404, "itemNotFound")
    await fault(vapi, "POST", f"{path}/action", 400, "badRequest", json={"os-nope": {}})


async def test_type_update_rules(vapi: Api) -> None:
    a = (await vapi.ok("POST", f"{V3}/types", json={"volume_type": {"name": "a"}}))
    b = (await vapi.ok("POST", f"{V3}/types", json={"volume_type": {"name": "b"}}))
    ta = f"{V3}/types/{a['volume_type']['id']}"
    await fault(vapi, "PUT", ta, 409, "conflictingRequest", json={"volume_type": {"name": "b"}})
    upd = await vapi.ok("PUT", ta, json={"volume_type": {"name": "c", "is_public": False}})
    assert upd["volume_type"]["name"] == "c" and upd["volume_type"]["is_public"] is False
    default = (await vapi.ok("GET", f"{V3}/types/default"))["volume_type"]
    await fault(vapi, "PUT", f"{V3}/types/{default['id']}", 400, "badRequest",
                json={"volume_type": {"name": "renamed"}})
    await fault(vapi, "PUT", ta, 400, "badRequest", json={"volume_type": {}})
    await fault(vapi, "GET", f"{V3}/types/nope", 404, "itemNotFound")
    await fault(vapi, "GET", f"{V3}/types/nope/extra_specs", 404, "itemNotFound")
    await fault(vapi, "GET", f"{V3}/types?is_public=maybe", 400, "badRequest")
    private = (await vapi.ok("GET", f"{V3}/types?is_public=false"))["volume_types"]
    assert [t["name"] for t in private] == ["c"]
    every = (await vapi.ok("GET", f"{V3}/types?is_public=None"))["volume_types"]
    assert {t["name"] for t in every} == {"__DEFAULT__", "b", "c"}
    tb = f"{V3}/types/{b['volume_type']['id']}"
    msg = await fault(vapi, "POST", f"{tb}/action", 400, "badRequest",
                      json={"addProjectAccess": {"project": "p"}})
    assert "public volume type" in msg
    await fault(vapi, "GET", f"{tb}/os-volume-type-access", 404, "itemNotFound")
    await fault(vapi, "POST", f"{ta}/action", 404, "itemNotFound",
                json={"removeProjectAccess": {"project": "p"}})
