"""Flavors as Nova serves them at 2.1: defaults, listing filters and pages, create/delete with
Nova's validation, extra specs, access to private flavors, and who may do what."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.compute_schemas import check
from tests.conftest import Api

C = "/compute/v2.1"


def flavor(name: str, **kw: Any) -> dict[str, Any]:
    return {"flavor": {"name": name, "ram": 64, "vcpus": 1, "disk": 1, **kw}}


async def member(api: Api, name: str = "alice", project: str = "demo") -> str:
    try:
        await api.make_project(project)
    except AssertionError:
        pass
    await api.make_user(name, "pw", project=project)
    return await api.token(name, "pw", project)


async def test_defaults_are_devstacks(api: Api) -> None:
    body = await api.ok("GET", f"{C}/flavors/detail")
    check("flavors", "list_flavors_details", body, 200)
    by_name = {f["name"]: f for f in body["flavors"]}
    assert {"m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge", "m1.nano",
            "m1.micro"} <= set(by_name)
    nano = by_name["m1.nano"]
    assert (nano["id"], nano["ram"], nano["disk"], nano["vcpus"]) == ("42", 128, 1, 1)
    assert nano["swap"] == "" and nano["rxtx_factor"] == 1.0
    assert nano["links"][0]["href"].endswith("/compute/v2.1/flavors/42")
    assert nano["links"][1]["href"].endswith("/compute/flavors/42")
    # the node starts again on the same data: nothing duplicated, a deleted default stays
    await api.ok("DELETE", f"{C}/flavors/84", 202)
    await api.node.controller.compute.start()
    names = [f["name"] for f in (await api.ok("GET", f"{C}/flavors"))["flavors"]]
    assert names.count("m1.tiny") == 1 and "m1.micro" not in names


async def test_list_filters_sort_and_pages(api: Api) -> None:
    body = await api.ok("GET", f"{C}/flavors")
    check("flavors", "list_flavors", body, 200)
    assert [f["id"] for f in body["flavors"]][:3] == ["1", "2", "3"]   # flavorid, as text
    big = await api.ok("GET", f"{C}/flavors/detail?minRam=8192&minDisk=100")
    assert [f["name"] for f in big["flavors"]] == ["m1.xlarge"]
    desc = await api.ok("GET", f"{C}/flavors/detail?sort_key=memory_mb&sort_dir=desc")
    rams = [f["ram"] for f in desc["flavors"]]
    assert rams == sorted(rams, reverse=True)
    page = await api.ok("GET", f"{C}/flavors?limit=2")
    assert len(page["flavors"]) == 2
    nxt = page["flavors_links"][0]
    assert nxt["rel"] == "next" and "marker=2" in nxt["href"] and "limit=2" in nxt["href"]
    rest = await api.ok("GET", f"{C}/flavors?marker=2")
    assert rest["flavors"][0]["id"] == "3" and "flavors_links" not in rest
    for q, msg in (("minRam=abc", "Invalid minRam filter [abc]"),
                   ("minDisk=x", "Invalid minDisk filter [x]"),
                   ("is_public=maybe", "Invalid is_public filter [maybe]"),
                   ("marker=nope", "marker [nope] not found"),
                   ("limit=-1", "limit"), ("sort_key=bogus", "sort_key"),
                   ("sort_dir=up", "sort_dir")):
        r = await api.req("GET", f"{C}/flavors?{q}")
        assert r.status_code == 400 and msg in r.json()["badRequest"]["message"], (q, r.text)


async def test_create_show_delete(api: Api) -> None:
    body = await api.ok("POST", f"{C}/flavors", json=flavor(
        "f1", id="my-flavor", swap=512, rxtx_factor="2.5", **{
            "OS-FLV-EXT-DATA:ephemeral": "3", "os-flavor-access:is_public": "false"}))
    check("flavors", "create_update_get_flavor_details", body, 200)
    f = body["flavor"]
    assert (f["id"], f["swap"], f["rxtx_factor"], f["OS-FLV-EXT-DATA:ephemeral"]) == \
        ("my-flavor", 512, 2.5, 3)
    assert f["os-flavor-access:is_public"] is False
    assert (await api.ok("GET", f"{C}/flavors/my-flavor"))["flavor"] == f
    auto = (await api.ok("POST", f"{C}/flavors", json=flavor("f2", id=None)))["flavor"]
    assert len(auto["id"]) == 36
    num = (await api.ok("POST", f"{C}/flavors", json=flavor("f3", id=77)))["flavor"]
    assert num["id"] == "77"
    r = await api.req("DELETE", f"{C}/flavors/my-flavor")
    assert r.status_code == 202 and r.content == b""
    r = await api.req("GET", f"{C}/flavors/my-flavor")
    assert r.status_code == 404
    assert r.json() == {"itemNotFound": {"code": 404,
                                         "message": "Flavor my-flavor could not be found."}}
    assert (await api.req("DELETE", f"{C}/flavors/my-flavor")).status_code == 404


@pytest.mark.parametrize(("body", "fragment"), [
    ({}, "'flavor' is a required property"),
    ({"flavor": {"ram": 1, "vcpus": 1, "disk": 1}}, "'name' is a required property"),
    (flavor(""), "Invalid input for field/attribute name. Value: ."),
    (flavor(" padded"), "Can not start or end with whitespace"),
    (flavor("x" * 256), "too long"),
    (flavor("x", ram=0), "Invalid input for field/attribute ram. Value: 0. 0 is less than "
                         "the minimum of 1"),
    (flavor("x", vcpus="two"), "Invalid input for field/attribute vcpus"),
    (flavor("x", disk=-1), "disk"),
    (flavor("x", ram=2**31), "maximum"),
    (flavor("x", swap=-1), "swap"),
    (flavor("x", rxtx_factor=0), "'rxtx_factor' argument must be a float"),
    (flavor("x", rxtx_factor="-1"), "rxtx_factor"),
    (flavor("x", id=""), "Invalid input for field/attribute id"),
    (flavor("x", id=" a"), "does not match"),
    (flavor("x", **{"os-flavor-access:is_public": "perhaps"}), "is_public"),
    (flavor("x", color="red"), "Additional properties are not allowed"),
])
async def test_bad_create_is_400_and_creates_nothing(api: Api, body: dict[str, Any],
                                                      fragment: str) -> None:
    before = await api.ok("GET", f"{C}/flavors/detail?is_public=None")
    r = await api.req("POST", f"{C}/flavors", json=body)
    assert r.status_code == 400, r.text
    assert fragment in r.json()["badRequest"]["message"]
    assert await api.ok("GET", f"{C}/flavors/detail?is_public=None") == before


async def test_duplicates_are_409(api: Api) -> None:
    await api.ok("POST", f"{C}/flavors", json=flavor("dup", id="d1"))
    r = await api.req("POST", f"{C}/flavors", json=flavor("dup", id="d2"))
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == "Flavor with name dup already exists."
    r = await api.req("POST", f"{C}/flavors", json=flavor("other", id="d1"))
    assert r.json()["conflictingRequest"]["message"] == "Flavor with ID d1 already exists."
    r = await api.req("POST", f"{C}/flavors", content=b"{not json",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400


async def test_member_cannot_manage_flavors(api: Api) -> None:
    tok = await member(api)
    r = await api.req("POST", f"{C}/flavors", tok, json=flavor("mine"))
    assert r.status_code == 403 and "os-flavor-manage:create" in r.json()["forbidden"]["message"]
    assert (await api.req("DELETE", f"{C}/flavors/1", tok)).status_code == 403
    r = await api.req("POST", f"{C}/flavors/1/os-extra_specs", tok,
                      json={"extra_specs": {"a": "b"}})
    assert r.status_code == 403
    assert (await api.ok("GET", f"{C}/flavors/1", token=tok))["flavor"]["name"] == "m1.tiny"


async def test_extra_specs(api: Api) -> None:
    u = f"{C}/flavors/1/os-extra_specs"
    body = await api.ok("POST", u, json={"extra_specs": {"hw:cpu_policy": "shared",
                                                         "quota:disk": 10}})
    assert body == {"extra_specs": {"hw:cpu_policy": "shared", "quota:disk": 10}}
    listed = await api.ok("GET", u)
    check("flavors_extra_specs", "set_get_flavor_extra_specs", listed, 200)
    assert listed["extra_specs"] == {"hw:cpu_policy": "shared", "quota:disk": "10"}
    one = await api.ok("PUT", f"{u}/hw:cpu_policy", json={"hw:cpu_policy": "dedicated"})
    assert one == {"hw:cpu_policy": "dedicated"}
    got = await api.ok("GET", f"{u}/hw:cpu_policy")
    check("flavors_extra_specs", "set_get_flavor_extra_specs_key", got, 200)
    assert got == {"hw:cpu_policy": "dedicated"}
    r = await api.req("PUT", f"{u}/a", json={"b": "c"})
    assert r.status_code == 400 and "Request body and URI mismatch" in r.text
    r = await api.req("PUT", f"{u}/a", json={"a": "1", "b": "2"})
    assert r.status_code == 400
    r = await api.req("POST", u, json={"extra_specs": {"bad/key": "x"}})
    assert r.status_code == 400
    r = await api.req("POST", u, json={"extra_specs": {"k": "v" * 256}})
    assert r.status_code == 400
    r = await api.req("DELETE", f"{u}/quota:disk")
    assert r.status_code == 200 and r.content == b""
    r = await api.req("GET", f"{u}/quota:disk")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == \
        "Flavor 1 has no extra specs with key quota:disk."
    assert (await api.req("DELETE", f"{u}/quota:disk")).status_code == 404
    assert (await api.req("GET", f"{C}/flavors/nope/os-extra_specs")).status_code == 404
    tok = await member(api)
    assert (await api.ok("GET", u, token=tok))["extra_specs"] == \
        {"hw:cpu_policy": "dedicated"}


async def test_private_flavor_access(api: Api) -> None:
    tok = await member(api)
    demo = await api.project_id("demo")
    await api.ok("POST", f"{C}/flavors", json=flavor(
        "secret", id="p1", **{"os-flavor-access:is_public": False}))
    # invisible to the member: not listed, a 404, a 400 for server create
    assert "p1" not in [f["id"] for f in (await api.ok("GET", f"{C}/flavors",
                                                       token=tok))["flavors"]]
    assert (await api.req("GET", f"{C}/flavors/p1", tok)).status_code == 404
    # admins see it with is_public=false or None, not in the default listing
    assert "p1" not in [f["id"] for f in (await api.ok("GET", f"{C}/flavors"))["flavors"]]
    for q in ("false", "None", "none"):
        ids = [f["id"] for f in (await api.ok("GET", f"{C}/flavors?is_public={q}"))["flavors"]]
        assert "p1" in ids, q
    only_private = await api.ok("GET", f"{C}/flavors?is_public=false")
    assert [f["id"] for f in only_private["flavors"]] == ["p1"]
    body = await api.ok("POST", f"{C}/flavors/p1/action",
                        json={"addTenantAccess": {"tenant": demo}})
    check("flavors_access", "add_remove_list_flavor_access", body, 200)
    assert body == {"flavor_access": [{"flavor_id": "p1", "tenant_id": demo}]}
    assert (await api.ok("GET", f"{C}/flavors/p1/os-flavor-access")) == body
    r = await api.req("POST", f"{C}/flavors/p1/action",
                      json={"addTenantAccess": {"tenant": demo}})
    assert r.status_code == 409
    # now the member sees it
    assert "p1" in [f["id"] for f in (await api.ok("GET", f"{C}/flavors",
                                                   token=tok))["flavors"]]
    assert (await api.ok("GET", f"{C}/flavors/p1", token=tok))["flavor"]["name"] == "secret"
    # the member cannot read or change the access list
    assert (await api.req("GET", f"{C}/flavors/p1/os-flavor-access", tok)).status_code == 403
    r = await api.req("POST", f"{C}/flavors/p1/action", tok,
                      json={"removeTenantAccess": {"tenant": demo}})
    assert r.status_code == 403
    body = await api.ok("POST", f"{C}/flavors/p1/action",
                        json={"removeTenantAccess": {"tenant": demo}})
    assert body == {"flavor_access": []}
    r = await api.req("POST", f"{C}/flavors/p1/action",
                      json={"removeTenantAccess": {"tenant": demo}})
    assert r.status_code == 404
    assert (await api.req("GET", f"{C}/flavors/p1", tok)).status_code == 404


async def test_access_bad_input(api: Api) -> None:
    r = await api.req("GET", f"{C}/flavors/1/os-flavor-access")
    assert r.status_code == 404
    assert r.json()["itemNotFound"]["message"] == \
        "Access list not available for public flavors."
    await api.ok("POST", f"{C}/flavors", json=flavor(
        "priv", id="p2", **{"os-flavor-access:is_public": False}))
    r = await api.req("POST", f"{C}/flavors/p2/action",
                      json={"addTenantAccess": {"tenant": "no-such-project"}})
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == \
        "Project ID no-such-project is not a valid project."
    r = await api.req("POST", f"{C}/flavors/p2/action", json={"addTenantAccess": {}})
    assert r.status_code == 400
    r = await api.req("POST", f"{C}/flavors/p2/action", json={"reboot": {}})
    assert r.status_code == 400 and "There is no such action: reboot" in r.text
    r = await api.req("POST", f"{C}/flavors/nope/action",
                      json={"removeTenantAccess": {"tenant": "x"}})
    assert r.status_code == 404


async def test_get_for_servers(api: Api) -> None:
    from nubo.compute.service.flavors import Flavor
    from nubo.core.context import RequestContext
    from nubo.core.errors import BadRequest

    compute = api.node.controller.compute
    await api.ok("POST", f"{C}/flavors/42/os-extra_specs", json={"extra_specs": {"a": "b"}})
    ctx = RequestContext(request_id="r", user_id="u", project_id="p", roles=("member",))
    f = await compute.flavors.get_for(ctx, "http://x/compute/v2.1/flavors/42")
    assert isinstance(f, Flavor)
    assert (f.id, f.memory_mb, f.root_gb, f.vcpus, f.extra_specs) == ("42", 128, 1, 1,
                                                                      {"a": "b"})
    with pytest.raises(BadRequest, match="Flavor nope could not be found."):
        await compute.flavors.get_for(ctx, "nope")
