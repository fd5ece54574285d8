"""Placement API: providers, inventories, traits, aggregates, classes, allocations, usages,
microversion differences and bad input (always a 4xx in Placement's error format)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import Api

PL = "/placement"
RPS = f"{PL}/resource_providers"


def mv(v: str = "1.39") -> dict[str, str]:
    return {"OpenStack-API-Version": f"placement {v}"}


async def make_rp(api: Api, name: str, parent: str | None = None,
                  inventories: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"name": name}
    if parent:
        body["parent_provider_uuid"] = parent
    rp = await api.ok("POST", RPS, 200, json=body, headers=mv())
    if inventories:
        await api.ok("PUT", f"{RPS}/{rp['uuid']}/inventories", json={
            "resource_provider_generation": rp["generation"], "inventories": inventories},
            headers=mv())
    return str(rp["uuid"])


async def error(api: Api, method: str, path: str, status: int, v: str = "1.39",
                **kw: Any) -> dict[str, Any]:
    r = await api.req(method, path, headers=mv(v), **kw)
    assert r.status_code == status, r.text
    err = r.json()["errors"][0]
    assert err["status"] == status and err["code"].startswith("placement.")
    assert err["detail"] and err["request_id"]
    return dict(err)


async def test_root_document_needs_no_token(api: Api) -> None:
    r = await api.client.get(PL)
    assert r.status_code == 200
    v = r.json()["versions"][0]
    assert v["id"] == "v1.0" and v["min_version"] == "1.0" and v["max_version"] == "1.39"
    assert r.headers["openstack-api-version"] == "placement 1.0"
    r = await api.client.get(PL, headers=mv("latest"))
    assert r.headers["openstack-api-version"] == "placement 1.39"
    assert (await api.client.get(PL, headers=mv("1.40"))).status_code == 406
    assert (await api.client.get(f"{RPS}")).status_code == 401


async def test_placement_in_catalog(api: Api) -> None:
    r = await api.client.post("/identity/v3/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "admin", "password": "admin-secret", "domain": {"name": "Default"}}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}})
    types = {e["type"] for e in r.json()["token"]["catalog"]}
    assert "placement" in types


async def test_non_admin_is_forbidden(api: Api) -> None:
    await api.make_user("plain", "pw", project="demo")
    tok = await api.token("plain", "pw", "demo")
    r = await api.req("GET", RPS, token=tok, headers=mv())
    assert r.status_code == 403
    assert r.json()["errors"][0]["status"] == 403


async def test_provider_crud_and_microversions(api: Api) -> None:
    # 1.0-1.19: 201 with a Location and no body
    r = await api.req("POST", RPS, json={"name": "old"}, headers=mv("1.19"))
    assert r.status_code == 201 and r.headers["location"].startswith(RPS + "/")
    old = r.headers["location"].rsplit("/", 1)[1]
    body = await api.ok("GET", f"{RPS}/{old}", headers=mv("1.0"))
    assert "parent_provider_uuid" not in body
    assert [lk["rel"] for lk in body["links"]] == ["self", "inventories", "usages"]
    body = await api.ok("GET", f"{RPS}/{old}", headers=mv("1.15"))
    assert body["root_provider_uuid"] == old and body["parent_provider_uuid"] is None
    r = await api.req("GET", f"{RPS}/{old}", headers=mv("1.15"))
    assert r.headers["cache-control"] == "no-cache" and "last-modified" in r.headers
    # 1.20+: 200 with the provider
    fixed = str(uuid.uuid4())
    rp = await api.ok("POST", RPS, json={"name": "new", "uuid": fixed}, headers=mv())
    assert rp["uuid"] == fixed and rp["generation"] == 0
    rp = await api.ok("PUT", f"{RPS}/{fixed}", json={"name": "renamed"}, headers=mv())
    assert rp["name"] == "renamed"
    found = await api.ok("GET", f"{RPS}?name=renamed", headers=mv())
    assert [p["uuid"] for p in found["resource_providers"]] == [fixed]
    found = await api.ok("GET", f"{RPS}?uuid={old}", headers=mv())
    assert [p["uuid"] for p in found["resource_providers"]] == [old]
    err = await error(api, "POST", RPS, 409, json={"name": "renamed"})
    assert err["code"] == "placement.duplicate_name"
    await error(api, "POST", RPS, 409, json={"name": "other", "uuid": fixed})
    await api.ok("DELETE", f"{RPS}/{fixed}", 204, headers=mv())
    err = await error(api, "GET", f"{RPS}/{fixed}", 404)
    assert err["code"] == "placement.resource_provider.not_found"


@pytest.mark.parametrize("body", [
    {}, {"name": ""}, {"name": "x" * 201}, {"name": 5}, {"name": "a", "uuid": "nope"},
    {"name": "a", "bogus": 1}, {"name": "a", "parent_provider_uuid": "nope"}, [], "x",
])
async def test_provider_bad_bodies(api: Api, body: Any) -> None:
    await error(api, "POST", RPS, 400, json=body)


async def test_bad_input_is_never_500(api: Api) -> None:
    r = await api.req("POST", RPS, content=b"{not json", headers={
        **mv(), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["errors"][0]["code"] == "placement.undefined_code"
    await error(api, "GET", f"{RPS}?bogus=1", 400)
    await error(api, "GET", f"{RPS}?member_of=notauuid", 400)
    await error(api, "GET", f"{RPS}?resources=VCPU", 400)
    await error(api, "GET", f"{RPS}?resources=VCPU:0", 400)
    await error(api, "GET", f"{RPS}?resources=NOPE_CLASS:1", 400)
    await error(api, "GET", f"{RPS}?required=NOT_A_TRAIT", 400)
    await error(api, "GET", f"{RPS}?required=", 400)
    await error(api, "GET", f"{RPS}?in_tree=xyz", 400)
    await error(api, "GET", f"{PL}/usages", 400)
    await error(api, "GET", f"{PL}/allocation_candidates", 400)
    await error(api, "GET", f"{PL}/allocation_candidates?resources=VCPU:x", 400)
    await error(api, "GET", f"{PL}/allocation_candidates?resources=VCPU:1&limit=0", 400)
    await error(api, "GET", f"{PL}/allocation_candidates?resources=VCPU:1&group_policy=x", 400)
    await error(api, "GET", f"{PL}/allocation_candidates?resources=VCPU:1&required=!A,A", 400)
    await error(api, "PUT", f"{PL}/allocations/not-a-uuid", 400, json={
        "allocations": {}, "project_id": "p", "user_id": "u", "consumer_generation": None,
        "consumer_type": "INSTANCE"})
    await error(api, "PUT", f"{PL}/traits/lower_case", 400)
    await error(api, "PUT", f"{PL}/traits/HW_CPU_X86_AVX", 400)
    await error(api, "POST", f"{PL}/resource_classes", 400, json={"name": "VCPU2"})


async def test_inventories(api: Api) -> None:
    rp = await make_rp(api, "cn")
    base = f"{RPS}/{rp}/inventories"
    inv = await api.ok("POST", base, 201, json={"resource_class": "VCPU", "total": 8},
                       headers=mv())
    assert inv["resource_provider_generation"] == 1 and inv["max_unit"] == 2147483647
    got = await api.ok("GET", base, headers=mv())
    assert got["inventories"]["VCPU"]["allocation_ratio"] == 1.0
    await error(api, "POST", base, 409, json={"resource_class": "VCPU", "total": 8})
    err = await error(api, "PUT", base, 409, json={"resource_provider_generation": 0,
                                                   "inventories": {}})
    assert err["code"] == "placement.concurrent_update"
    got = await api.ok("PUT", base, json={"resource_provider_generation": 1, "inventories": {
        "VCPU": {"total": 16, "allocation_ratio": 4.0}, "DISK_GB": {"total": 100}}},
        headers=mv())
    assert got["resource_provider_generation"] == 2
    one = await api.ok("PUT", f"{base}/DISK_GB", json={
        "resource_provider_generation": 2, "total": 200, "reserved": 10}, headers=mv())
    assert one["total"] == 200 and one["resource_provider_generation"] == 3
    assert (await api.ok("GET", f"{base}/DISK_GB", headers=mv()))["reserved"] == 10
    await error(api, "GET", f"{base}/MEMORY_MB", 404)
    # reserved == total: only from 1.26
    await error(api, "PUT", f"{base}/DISK_GB", 400, "1.25",
                json={"resource_provider_generation": 3, "total": 10, "reserved": 10})
    await api.ok("PUT", f"{base}/DISK_GB", headers=mv("1.26"),
                 json={"resource_provider_generation": 3, "total": 10, "reserved": 10})
    await error(api, "PUT", f"{base}/DISK_GB", 400,
                json={"resource_provider_generation": 4, "total": 10, "reserved": 11})
    for bad in ({"total": 0}, {"total": -1}, {"total": 1, "min_unit": 0},
                {"total": 1, "allocation_ratio": "x"}, {"total": 1, "foo": 1},
                {"total": 1, "min_unit": 5, "max_unit": 2}):
        await error(api, "PUT", base, 400, json={
            "resource_provider_generation": 4, "inventories": {"VCPU": bad}})
    await error(api, "PUT", base, 400, json={"resource_provider_generation": 4,
                                             "inventories": {"CUSTOM_NOPE": {"total": 1}}})
    await api.ok("DELETE", f"{base}/DISK_GB", 204, headers=mv())
    await error(api, "DELETE", f"{base}/DISK_GB", 404)
    await error(api, "DELETE", base, 404, "1.4")
    await api.ok("DELETE", base, 204, headers=mv("1.5"))
    assert (await api.ok("GET", base, headers=mv()))["inventories"] == {}


async def test_resource_classes(api: Api) -> None:
    rcs = await api.ok("GET", f"{PL}/resource_classes", headers=mv())
    assert "VCPU" in [r["name"] for r in rcs["resource_classes"]]
    await error(api, "GET", f"{PL}/resource_classes", 404, "1.1")
    r = await api.req("POST", f"{PL}/resource_classes", json={"name": "CUSTOM_GOLD"},
                      headers=mv())
    assert r.status_code == 201 and r.headers["location"].endswith("/CUSTOM_GOLD")
    await error(api, "POST", f"{PL}/resource_classes", 409, json={"name": "CUSTOM_GOLD"})
    await api.ok("GET", f"{PL}/resource_classes/CUSTOM_GOLD", headers=mv())
    # 1.2-1.6 PUT renames; 1.7+ PUT creates or verifies
    renamed = await api.ok("PUT", f"{PL}/resource_classes/CUSTOM_GOLD", headers=mv("1.6"),
                           json={"name": "CUSTOM_SILVER"})
    assert renamed["name"] == "CUSTOM_SILVER"
    await error(api, "GET", f"{PL}/resource_classes/CUSTOM_GOLD", 404)
    assert (await api.req("PUT", f"{PL}/resource_classes/CUSTOM_X",
                          headers=mv("1.7"))).status_code == 201
    assert (await api.req("PUT", f"{PL}/resource_classes/CUSTOM_X",
                          headers=mv("1.7"))).status_code == 204
    assert (await api.req("PUT", f"{PL}/resource_classes/VCPU",
                          headers=mv("1.7"))).status_code == 204
    await error(api, "DELETE", f"{PL}/resource_classes/VCPU", 400)
    rp = await make_rp(api, "cn", inventories={"CUSTOM_X": {"total": 1}})
    await error(api, "DELETE", f"{PL}/resource_classes/CUSTOM_X", 409)
    await api.ok("DELETE", f"{RPS}/{rp}", 204, headers=mv())
    await api.ok("DELETE", f"{PL}/resource_classes/CUSTOM_X", 204, headers=mv())


async def test_traits(api: Api) -> None:
    await error(api, "GET", f"{PL}/traits", 404, "1.5")
    assert (await api.req("PUT", f"{PL}/traits/CUSTOM_FAST", headers=mv())).status_code == 201
    assert (await api.req("PUT", f"{PL}/traits/CUSTOM_FAST", headers=mv())).status_code == 204
    assert (await api.req("GET", f"{PL}/traits/CUSTOM_FAST", headers=mv())).status_code == 204
    await error(api, "GET", f"{PL}/traits/CUSTOM_SLOW", 404)
    found = await api.ok("GET", f"{PL}/traits?name=in:CUSTOM_FAST,HW_CPU_X86_AVX",
                         headers=mv())
    assert found["traits"] == ["CUSTOM_FAST", "HW_CPU_X86_AVX"]
    await error(api, "GET", f"{PL}/traits?name=CUSTOM", 400)
    rp = await make_rp(api, "cn")
    err = await error(api, "PUT", f"{RPS}/{rp}/traits", 409, json={
        "traits": ["CUSTOM_FAST"], "resource_provider_generation": 7})
    assert err["code"] == "placement.concurrent_update"
    got = await api.ok("PUT", f"{RPS}/{rp}/traits", json={
        "traits": ["CUSTOM_FAST", "HW_CPU_X86_AVX"], "resource_provider_generation": 0},
        headers=mv())
    assert got == {"traits": ["CUSTOM_FAST", "HW_CPU_X86_AVX"],
                   "resource_provider_generation": 1}
    await error(api, "PUT", f"{RPS}/{rp}/traits", 400, json={
        "traits": ["CUSTOM_UNKNOWN"], "resource_provider_generation": 1})
    associated = (await api.ok("GET", f"{PL}/traits?associated=true", headers=mv()))["traits"]
    assert {"CUSTOM_FAST", "HW_CPU_X86_AVX"} <= set(associated)
    unused = (await api.ok("GET", f"{PL}/traits?associated=false", headers=mv()))["traits"]
    assert "CUSTOM_FAST" not in unused and "HW_CPU_X86_SSE42" in unused
    await error(api, "DELETE", f"{PL}/traits/CUSTOM_FAST", 409)
    await error(api, "DELETE", f"{PL}/traits/HW_CPU_X86_AVX", 400)
    found = await api.ok("GET", f"{RPS}?required=CUSTOM_FAST", headers=mv())
    assert [p["uuid"] for p in found["resource_providers"]] == [rp]
    found = await api.ok("GET", f"{RPS}?required=!CUSTOM_FAST", headers=mv())
    assert rp not in [p["uuid"] for p in found["resource_providers"]]
    found = await api.ok("GET", f"{RPS}?required=in:CUSTOM_FAST,HW_CPU_X86_SSE", headers=mv())
    assert len(found["resource_providers"]) == 1
    await api.ok("DELETE", f"{RPS}/{rp}/traits", 204, headers=mv())
    await api.ok("DELETE", f"{PL}/traits/CUSTOM_FAST", 204, headers=mv())


async def test_aggregates_generation_from_1_19(api: Api) -> None:
    rp = await make_rp(api, "cn")
    agg1, agg2 = str(uuid.uuid4()), str(uuid.uuid4())
    await error(api, "GET", f"{RPS}/{rp}/aggregates", 404, "1.0")
    got = await api.ok("PUT", f"{RPS}/{rp}/aggregates", json=[agg1], headers=mv("1.1"))
    assert got == {"aggregates": [agg1]}
    await error(api, "PUT", f"{RPS}/{rp}/aggregates", 400, json=[agg1])
    await error(api, "PUT", f"{RPS}/{rp}/aggregates", 409, json={
        "aggregates": [agg2], "resource_provider_generation": 0})
    got = await api.ok("PUT", f"{RPS}/{rp}/aggregates", headers=mv(), json={
        "aggregates": [agg1, agg2], "resource_provider_generation": 1})
    assert got["resource_provider_generation"] == 2 and set(got["aggregates"]) == {agg1, agg2}
    other = await make_rp(api, "other")
    found = await api.ok("GET", f"{RPS}?member_of={agg1}", headers=mv())
    assert [p["uuid"] for p in found["resource_providers"]] == [rp]
    found = await api.ok("GET", f"{RPS}?member_of=!{agg1}", headers=mv())
    assert other in [p["uuid"] for p in found["resource_providers"]]
    assert rp not in [p["uuid"] for p in found["resource_providers"]]
    found = await api.ok("GET", f"{RPS}?member_of=in:{agg2},{uuid.uuid4()}", headers=mv())
    assert len(found["resource_providers"]) == 1


async def test_nested_providers(api: Api) -> None:
    root = await make_rp(api, "root")
    child = await make_rp(api, "child", parent=root)
    grandchild = await make_rp(api, "grandchild", parent=child)
    other = await make_rp(api, "other")
    body = await api.ok("GET", f"{RPS}/{grandchild}", headers=mv())
    assert body["root_provider_uuid"] == root and body["parent_provider_uuid"] == child
    tree = await api.ok("GET", f"{RPS}?in_tree={child}", headers=mv())
    assert {p["uuid"] for p in tree["resource_providers"]} == {root, child, grandchild}
    err = await error(api, "DELETE", f"{RPS}/{child}", 409)
    assert err["code"] == "placement.resource_provider.cannot_delete_parent"
    # re-parenting: refused before 1.37, allowed from 1.37 (but not into its own subtree)
    await error(api, "PUT", f"{RPS}/{child}", 400, "1.36",
                json={"name": "child", "parent_provider_uuid": other})
    await error(api, "PUT", f"{RPS}/{child}", 400,
                json={"name": "child", "parent_provider_uuid": grandchild})
    moved = await api.ok("PUT", f"{RPS}/{child}", headers=mv(),
                         json={"name": "child", "parent_provider_uuid": other})
    assert moved["root_provider_uuid"] == other
    g = await api.ok("GET", f"{RPS}/{grandchild}", headers=mv())
    assert g["root_provider_uuid"] == other
    unparented = await api.ok("PUT", f"{RPS}/{child}", headers=mv(),
                              json={"name": "child", "parent_provider_uuid": None})
    assert unparented["root_provider_uuid"] == child
    await error(api, "POST", RPS, 400, json={"name": "x",
                                             "parent_provider_uuid": str(uuid.uuid4())})


async def test_allocations_and_usages(api: Api) -> None:
    rp = await make_rp(api, "cn", inventories={"VCPU": {"total": 4},
                                               "MEMORY_MB": {"total": 2048}})
    c1, c2 = str(uuid.uuid4()), str(uuid.uuid4())
    alloc = {"allocations": {rp: {"resources": {"VCPU": 2, "MEMORY_MB": 512}}},
             "project_id": "proj", "user_id": "user", "consumer_generation": None,
             "consumer_type": "INSTANCE"}
    await api.ok("PUT", f"{PL}/allocations/{c1}", 204, json=alloc, headers=mv())
    got = await api.ok("GET", f"{PL}/allocations/{c1}", headers=mv())
    assert got["consumer_generation"] == 1 and got["consumer_type"] == "INSTANCE"
    assert got["allocations"][rp]["resources"] == {"VCPU": 2, "MEMORY_MB": 512}
    # consumer generation: null means "new consumer"; a stale number is a 409
    err = await error(api, "PUT", f"{PL}/allocations/{c1}", 409, json=alloc)
    assert err["code"] == "placement.concurrent_update"
    await api.ok("PUT", f"{PL}/allocations/{c1}", 204, headers=mv(),
                 json={**alloc, "consumer_generation": 1})
    # over capacity: 409; missing inventory or unit constraints: 400
    too_much = {**alloc, "allocations": {rp: {"resources": {"VCPU": 3}}}}
    await error(api, "PUT", f"{PL}/allocations/{c2}", 409, json=too_much)
    await error(api, "PUT", f"{PL}/allocations/{c2}", 400, json={
        **alloc, "allocations": {rp: {"resources": {"DISK_GB": 1}}}})
    await error(api, "PUT", f"{PL}/allocations/{c2}", 400, json={
        **alloc, "allocations": {str(uuid.uuid4()): {"resources": {"VCPU": 1}}}})
    await error(api, "PUT", f"{PL}/allocations/{c2}", 400, json={**alloc, "consumer_type": 1})
    # list format before 1.12, project/user optional before 1.8
    await api.ok("PUT", f"{PL}/allocations/{c2}", 204, headers=mv("1.7"), json={
        "allocations": [{"resource_provider": {"uuid": rp}, "resources": {"VCPU": 1}}]})
    await error(api, "PUT", f"{PL}/allocations/{c2}", 400, "1.8", json={
        "allocations": [{"resource_provider": {"uuid": rp}, "resources": {"VCPU": 1}}]})
    old = await api.ok("GET", f"{PL}/allocations/{c2}", headers=mv("1.11"))
    assert "project_id" not in old and old["allocations"][rp]["resources"] == {"VCPU": 1}
    used = await api.ok("GET", f"{RPS}/{rp}/usages", headers=mv())
    assert used["usages"] == {"MEMORY_MB": 512, "VCPU": 3}
    per_rp = await api.ok("GET", f"{RPS}/{rp}/allocations", headers=mv())
    assert set(per_rp["allocations"]) == {c1, c2}
    assert (await api.ok("GET", f"{PL}/usages?project_id=proj", headers=mv("1.9")))[
        "usages"] == {"VCPU": 2, "MEMORY_MB": 512}
    typed = await api.ok("GET", f"{PL}/usages?project_id=proj", headers=mv())
    assert typed["usages"] == {"INSTANCE": {"consumer_count": 1, "VCPU": 2,
                                            "MEMORY_MB": 512}}
    everything = await api.ok("GET", f"{PL}/usages?project_id=proj&consumer_type=all",
                              headers=mv())
    assert everything["usages"]["all"]["consumer_count"] == 1
    await error(api, "GET", f"{PL}/usages?project_id=proj", 404, "1.8")
    # deleting inventory in use is a 409; deleting a provider with allocations too
    err = await error(api, "DELETE", f"{RPS}/{rp}/inventories/VCPU", 409)
    assert err["code"] == "placement.inventory.inuse"
    err = await error(api, "DELETE", f"{RPS}/{rp}", 409)
    assert err["code"] == "placement.resource_provider.inuse"
    # POST /allocations: several consumers at once; empty allocations remove a consumer's
    await api.ok("POST", f"{PL}/allocations", 204, headers=mv(), json={
        c1: {**alloc, "allocations": {}, "consumer_generation": 2},
        c2: {**alloc, "allocations": {rp: {"resources": {"VCPU": 4}}},
             "consumer_generation": 1}})
    assert (await api.ok("GET", f"{PL}/allocations/{c1}", headers=mv()))["allocations"] == {}
    await api.ok("DELETE", f"{PL}/allocations/{c2}", 204, headers=mv())
    await error(api, "DELETE", f"{PL}/allocations/{c2}", 404)
    await api.ok("DELETE", f"{RPS}/{rp}", 204, headers=mv())


async def test_reshaper_moves_inventory_and_allocations(api: Api) -> None:
    root = await make_rp(api, "cn", inventories={"VGPU": {"total": 4}})
    child = await make_rp(api, "gpu0", parent=root)
    consumer = str(uuid.uuid4())
    await api.ok("PUT", f"{PL}/allocations/{consumer}", 204, headers=mv(), json={
        "allocations": {root: {"resources": {"VGPU": 2}}}, "project_id": "p",
        "user_id": "u", "consumer_generation": None, "consumer_type": "INSTANCE"})
    await error(api, "POST", f"{PL}/reshaper", 404, "1.29", json={})
    gens = {rp: (await api.ok("GET", f"{RPS}/{rp}", headers=mv()))["generation"]
            for rp in (root, child)}
    await api.ok("POST", f"{PL}/reshaper", 204, headers=mv(), json={
        "inventories": {
            root: {"resource_provider_generation": gens[root], "inventories": {}},
            child: {"resource_provider_generation": gens[child],
                    "inventories": {"VGPU": {"total": 4}}}},
        "allocations": {consumer: {
            "allocations": {child: {"resources": {"VGPU": 2}}}, "project_id": "p",
            "user_id": "u", "consumer_generation": 1, "consumer_type": "INSTANCE"}}})
    got = await api.ok("GET", f"{PL}/allocations/{consumer}", headers=mv())
    assert list(got["allocations"]) == [child]
    assert (await api.ok("GET", f"{RPS}/{root}/inventories", headers=mv()))[
        "inventories"] == {}
