"""Subnet pools (subnet_allocation, default-subnetpools, subnetpool-prefix-ops): CRUD with
Neutron's checks and messages, subnets allocated from a pool without overlap (also when
allocations race), visibility and policy, tags, quotas."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import pytest

from nubo.network.service import subnetpools
from tests.conftest import Api

NET = "/networking/v2.0"


def fault(r: Any, status: int, type_: str, message: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()["NeutronError"]
    assert body["type"] == type_, body
    assert body["detail"] == ""
    if message is not None:
        assert body["message"] == message, body
    return body


async def pool(api: Api, token: str | None = None, **kw: Any) -> dict[str, Any]:
    return (await api.ok("POST", f"{NET}/subnetpools", 201, token, json={"subnetpool": {
        "name": "p", **kw}}))["subnetpool"]


async def network(api: Api, token: str | None = None) -> str:
    return str((await api.ok("POST", f"{NET}/networks", 201, token,
                             json={"network": {"name": "n"}}))["network"]["id"])


async def subnet_req(api: Api, token: str | None = None, **kw: Any) -> Any:
    return await api.req("POST", f"{NET}/subnets", token, json={"subnet": kw})


async def count(api: Api, what: str) -> int:
    return len((await api.ok("GET", f"{NET}/{what}"))[what])


async def test_crud_shape_and_defaults(api: Api) -> None:
    p = await pool(api, prefixes=["10.10.0.0/16", "10.11.0.0/16", "10.10.4.0/24"],
                   description="d", tags=["a"])
    assert p["prefixes"] == ["10.10.0.0/15"]          # compacted, as Neutron
    assert p["ip_version"] == 4 and p["address_scope_id"] is None  # address-scope advertised
    assert (p["min_prefixlen"], p["max_prefixlen"], p["default_prefixlen"]) == ("8", "32", "8")
    assert p["shared"] is False and p["is_default"] is False and p["default_quota"] is None
    assert p["tags"] == ["a"] and p["revision_number"] == 0 and p["description"] == "d"
    assert p["project_id"] == p["tenant_id"]
    got = (await api.ok("GET", f"{NET}/subnetpools/{p['id']}"))["subnetpool"]
    assert got == p
    up = (await api.ok("PUT", f"{NET}/subnetpools/{p['id']}", json={"subnetpool": {
        "name": "q", "min_prefixlen": 20, "max_prefixlen": "28", "default_prefixlen": 24,
        "prefixes": ["10.10.0.0/15", "192.168.0.0/16"]}}))["subnetpool"]
    assert up["name"] == "q" and up["revision_number"] == 1
    assert (up["min_prefixlen"], up["max_prefixlen"], up["default_prefixlen"]) == \
        ("20", "28", "24")
    assert up["prefixes"] == ["10.10.0.0/15", "192.168.0.0/16"]
    listed = (await api.ok("GET", f"{NET}/subnetpools?name=q"))["subnetpools"]
    assert [x["id"] for x in listed] == [p["id"]]
    assert (await api.ok("GET", f"{NET}/subnetpools?ip_version=6"))["subnetpools"] == []
    await api.ok("PUT", f"{NET}/subnetpools/{p['id']}/tags/b", 201)
    assert (await api.ok("GET", f"{NET}/subnetpools?tags=b"))["subnetpools"][0]["id"] == p["id"]
    await api.ok("DELETE", f"{NET}/subnetpools/{p['id']}", 204)
    fault(await api.req("GET", f"{NET}/subnetpools/{p['id']}"), 404, "SubnetPoolNotFound",
          f"Subnet pool {p['id']} could not be found.")


async def test_create_and_update_refusals(api: Api) -> None:
    async def bad(status: int, type_: str, msg: str | None, **kw: Any) -> None:
        r = await api.req("POST", f"{NET}/subnetpools", json={"subnetpool": {"name": "x",
                                                                           **kw}})
        fault(r, status, type_, msg)
    await bad(400, "EmptySubnetPoolPrefixList", "Empty subnet pool prefix list.", prefixes=[])
    await bad(400, "PrefixVersionMismatch",
              "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.",
              prefixes=["10.0.0.0/8", "fd00::/48"])
    await bad(400, "HTTPBadRequest", "Invalid input for prefixes. Reason: '10.0.0.300/8' is "
              "not a valid IP subnet.", prefixes=["10.0.0.300/8"])
    await bad(400, "IllegalSubnetPoolPrefixBounds",
              "Illegal prefix bounds: min_prefixlen=26, max_prefixlen=24.",
              prefixes=["10.0.0.0/8"], min_prefixlen=26, max_prefixlen=24)
    await bad(400, "IllegalSubnetPoolPrefixBounds",
              "Illegal prefix bounds: max_prefixlen=33, ip_version_max=32.",
              prefixes=["10.0.0.0/8"], max_prefixlen=33)
    await bad(400, "IllegalSubnetPoolPrefixBounds",
              "Illegal prefix bounds: default_prefixlen=30, max_prefixlen=28.",
              prefixes=["10.0.0.0/8"], max_prefixlen=28, default_prefixlen=30)
    await bad(400, "HTTPBadRequest", "Invalid input for min_prefixlen. Reason: '-1' should be "
              "non-negative.", prefixes=["10.0.0.0/8"], min_prefixlen=-1)
    await bad(400, "HTTPBadRequest", "Invalid input for default_quota. Reason: 'x' is not an "
              "integer.", prefixes=["10.0.0.0/8"], default_quota="x")
    await bad(400, "HTTPBadRequest", "Unrecognized attribute(s) 'ip_version'",
              prefixes=["10.0.0.0/8"], ip_version=4)
    r = await api.req("POST", f"{NET}/subnetpools", json={"subnetpool": {"name": "x"}})
    fault(r, 400, "HTTPBadRequest",
          "Failed to parse request. Required attribute 'prefixes' not specified")
    p = await pool(api, prefixes=["10.0.0.0/16"])
    r = await api.req("PUT", f"{NET}/subnetpools/{p['id']}", json={"subnetpool": {
        "prefixes": ["10.0.0.0/17"]}})
    fault(r, 400, "IllegalSubnetPoolPrefixUpdate", "Illegal update to prefixes: Existing "
          "prefixes must be a subset of the new prefixes.")
    r = await api.req("PUT", f"{NET}/subnetpools/{p['id']}", json={"subnetpool": {
        "shared": True}})
    fault(r, 400, "HTTPBadRequest", "Cannot update read-only attribute shared")
    r = await api.req("PUT", f"{NET}/subnetpools/{p['id']}", json={"subnetpool": {
        "min_prefixlen": 30}})
    fault(r, 400, "IllegalSubnetPoolPrefixBounds",
          "Illegal prefix bounds: default_prefixlen=8, min_prefixlen=30.")
    # nothing of the refused requests was kept
    [kept] = (await api.ok("GET", f"{NET}/subnetpools"))["subnetpools"]
    assert kept == p


async def test_allocation_from_pool(api: Api) -> None:
    p = await pool(api, prefixes=["10.50.0.0/22"], min_prefixlen=24, default_prefixlen=26,
                   max_prefixlen=28)
    n = await network(api)
    made = []
    for kw in ({}, {"prefixlen": 24}, {"prefixlen": 28}, {"cidr": "10.50.3.128/25"}):
        r = await subnet_req(api, network_id=n, subnetpool_id=p["id"], ip_version=4, **kw)
        assert r.status_code == 201, r.text
        made.append(r.json()["subnet"])
    cidrs = [ipaddress.ip_network(s["cidr"]) for s in made]
    assert [str(c) for c in cidrs] == ["10.50.0.0/26", "10.50.1.0/24", "10.50.0.64/28",
                                       "10.50.3.128/25"]
    assert all(s["subnetpool_id"] == p["id"] for s in made)
    assert made[0]["gateway_ip"] == "10.50.0.1"
    assert made[0]["allocation_pools"] == [{"start": "10.50.0.2", "end": "10.50.0.62"}]
    assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1:])
    # the pool's remaining space: 10.50.0.80-127 (/28s), 10.50.0.128/25, 10.50.2.0/24,
    # 10.50.3.0/25 -- a /24 fits once more, then no more
    r = await subnet_req(api, network_id=await network(api), subnetpool_id=p["id"],
                         prefixlen=24)
    assert r.json()["subnet"]["cidr"] == "10.50.2.0/24"
    before = await count(api, "subnets")
    fault(await subnet_req(api, network_id=n, subnetpool_id=p["id"], prefixlen=24), 409,
          "SubnetAllocationError",
          "Failed to allocate subnet: Insufficient prefix space to allocate subnet size /24.")
    fault(await subnet_req(api, network_id=n, subnetpool_id=p["id"],
                           cidr="10.50.0.0/24"), 409, "SubnetAllocationError",
          "Failed to allocate subnet: Cannot allocate requested subnet from the available set "
          "of prefixes.")
    fault(await subnet_req(api, network_id=n, subnetpool_id=p["id"], prefixlen=29), 400,
          "MaxPrefixSubnetAllocationError", "Unable to allocate subnet with prefix length 29, "
          "maximum allowed prefix is 28.")
    fault(await subnet_req(api, network_id=n, subnetpool_id=p["id"], prefixlen=23), 400,
          "MinPrefixSubnetAllocationError", "Unable to allocate subnet with prefix length 23, "
          "minimum allowed prefix is 24.")
    fault(await subnet_req(api, network_id=n, subnetpool_id=p["id"], prefixlen=26,
                           cidr="10.50.3.0/26"), 400, "BadRequest",
          "Bad subnets request: cidr and prefixlen must not be supplied together.")
    fault(await subnet_req(api, network_id=n, subnetpool_id=p["id"], ip_version=6), 400,
          "BadRequest", "Bad subnets request: Cannot allocate IPv6 subnet from IPv4 subnet "
          "pool.")
    fault(await subnet_req(api, network_id=n, subnetpool_id=p["id"], allocation_pools=[
        {"start": "10.50.3.2", "end": "10.50.3.9"}]), 400, "BadRequest",
        "Bad subnets request: allocation_pools allowed only for specific subnet requests.")
    fault(await subnet_req(api, network_id=n, ip_version=4), 400, "BadRequest",
          "Bad subnets request: a subnetpool must be specified in the absence of a cidr.")
    fault(await subnet_req(api, network_id=n, cidr="10.99.0.0/24"), 400,
          "NetworkSubnetPoolAffinityError")
    assert await count(api, "subnets") == before
    # a pool with subnets cannot go, nor the prefix a subnet uses
    fault(await api.req("DELETE", f"{NET}/subnetpools/{p['id']}"), 400,
          "SubnetPoolDeleteError",
          "Unable to delete subnet pool: Subnet pool has existing allocations.")
    r = await api.req("PUT", f"{NET}/subnetpools/{p['id']}/remove_prefixes",
                      json={"prefixes": ["10.50.1.0/24"]})
    fault(r, 400, "IllegalSubnetPoolPrefixUpdate", "Illegal update to prefixes: One or more "
          "the prefixes to be removed is in use by a subnet.")
    # deleting a subnet gives its CIDR back to the pool
    await api.ok("DELETE", f"{NET}/subnets/{made[1]['id']}", 204)
    again = await subnet_req(api, network_id=n, subnetpool_id=p["id"], prefixlen=24)
    assert again.json()["subnet"]["cidr"] == "10.50.1.0/24"


async def test_prefix_ops(api: Api) -> None:
    p = await pool(api, prefixes=["192.168.0.0/24"])
    out = await api.ok("PUT", f"{NET}/subnetpools/{p['id']}/add_prefixes",
                       json={"prefixes": ["192.168.1.0/24", "172.16.0.0/21"]})
    assert out == {"prefixes": ["172.16.0.0/21", "192.168.0.0/23"]}
    out = await api.ok("PUT", f"{NET}/subnetpools/{p['id']}/remove_prefixes",
                       json={"prefixes": ["192.168.1.0/24"]})
    assert out == {"prefixes": ["172.16.0.0/21", "192.168.0.0/24"]}
    fault(await api.req("PUT", f"{NET}/subnetpools/{p['id']}/add_prefixes", json={}), 400,
          "HTTPBadRequest", "Request body contains invalid data")
    fault(await api.req("PUT", f"{NET}/subnetpools/{p['id']}/add_prefixes",
                        json={"prefixes": ["fd00::/64"]}), 400, "PrefixVersionMismatch")
    shown = (await api.ok("GET", f"{NET}/subnetpools/{p['id']}"))["subnetpool"]
    assert shown["prefixes"] == ["172.16.0.0/21", "192.168.0.0/24"]
    assert shown["revision_number"] == 2


async def test_default_pool(api: Api) -> None:
    n = await network(api)
    fault(await subnet_req(api, network_id=n, use_default_subnetpool=True, ip_version=4), 400,
          "BadRequest", "Bad subnets request: No default subnetpool found for IPv4.")
    p = await pool(api, prefixes=["10.60.0.0/16"], is_default=True, shared=True,
                   default_prefixlen=24)
    r = await api.req("POST", f"{NET}/subnetpools", json={"subnetpool": {
        "name": "second", "prefixes": ["10.61.0.0/16"], "is_default": True}})
    fault(r, 400, "InvalidInput", "Invalid input for operation: A default subnetpool for this "
          "IP family has already been set. Only one default may exist per IP family.")
    fault(await subnet_req(api, network_id=n, use_default_subnetpool=True,
                           subnetpool_id=p["id"]), 400, "BadRequest",
          "Bad subnets request: subnetpool_id and use_default_subnetpool cannot both be "
          "specified.")
    fault(await subnet_req(api, network_id=n, use_default_subnetpool=True), 400, "BadRequest",
          "Bad subnets request: ip_version must be specified in the absence of cidr and "
          "subnetpool_id.")
    fault(await subnet_req(api, network_id=n, use_default_subnetpool=True, ip_version="x"),
          400, "HTTPBadRequest", "Invalid input for ip_version. Reason: x is not in [4, 6].")
    fault(await subnet_req(api, network_id=n, subnetpool_id=p["id"], prefixlen=2**40), 400,
          "HTTPBadRequest", f"Invalid input for prefixlen. Reason: '{2**40}' is too large - "
          "must be no larger than '2147483647'.")
    s = (await api.ok("POST", f"{NET}/subnets", 201, json={"subnet": {
        "network_id": n, "use_default_subnetpool": True, "ip_version": 4}}))["subnet"]
    assert s["subnetpool_id"] == p["id"] and s["cidr"] == "10.60.0.0/24"


async def test_visibility_policy_and_quota(api: Api) -> None:
    await api.make_user("carol", "pw", "demo")
    tok = await api.token("carol", "pw", "demo")
    private = await pool(api, prefixes=["10.70.0.0/16"])
    shared = await pool(api, prefixes=["10.71.0.0/16"], shared=True, default_prefixlen=24)
    seen = {p["id"] for p in (await api.ok("GET", f"{NET}/subnetpools", token=tok))[
        "subnetpools"]}
    assert shared["id"] in seen and private["id"] not in seen
    fault(await api.req("GET", f"{NET}/subnetpools/{private['id']}", tok), 404,
          "SubnetPoolNotFound")
    fault(await api.req("PUT", f"{NET}/subnetpools/{shared['id']}", tok,
                        json={"subnetpool": {"name": "mine"}}), 403, "PolicyNotAuthorized")
    fault(await api.req("DELETE", f"{NET}/subnetpools/{shared['id']}", tok), 403,
          "PolicyNotAuthorized")
    r = await api.req("POST", f"{NET}/subnetpools", tok, json={"subnetpool": {
        "name": "s", "prefixes": ["10.72.0.0/16"], "shared": True}})
    fault(r, 403, "PolicyNotAuthorized")
    own = await pool(api, tok, prefixes=["10.73.0.0/16"], default_prefixlen=24,
                     default_quota=512)
    n = await network(api, tok)
    fault(await subnet_req(api, tok, network_id=n, subnetpool_id=private["id"]), 404,
          "SubnetPoolNotFound")
    s = (await api.ok("POST", f"{NET}/subnets", 201, tok, json={"subnet": {
        "network_id": n, "subnetpool_id": shared["id"]}}))["subnet"]
    assert s["cidr"] == "10.71.0.0/24"
    # default_quota counts /32s: two /24s fit in 512, a third does not
    n2 = await network(api, tok)
    for _ in range(2):
        await api.ok("POST", f"{NET}/subnets", 201, tok, json={"subnet": {
            "network_id": n2, "subnetpool_id": own["id"]}})
    fault(await subnet_req(api, tok, network_id=n2, subnetpool_id=own["id"]), 409,
          "SubnetPoolQuotaExceeded", "Per-project subnet pool prefix quota exceeded.")
    demo = await api.project_id("demo")
    await api.ok("PUT", f"{NET}/quotas/{demo}", json={"quota": {"subnetpool": 1}})
    r = await api.req("POST", f"{NET}/subnetpools", tok, json={"subnetpool": {
        "name": "two", "prefixes": ["10.74.0.0/16"]}})
    fault(r, 409, "OverQuota")


async def test_concurrent_allocations_never_overlap(api: Api) -> None:
    p = await pool(api, prefixes=["10.80.0.0/20"], default_prefixlen=24)
    nets = [await network(api) for _ in range(20)]
    rs = await asyncio.gather(*(subnet_req(api, network_id=n, subnetpool_id=p["id"])
                                for n in nets))
    ok = [r.json()["subnet"]["cidr"] for r in rs if r.status_code == 201]
    refused = [r for r in rs if r.status_code != 201]
    assert len(ok) == 16 and len(set(ok)) == 16           # a /20 holds sixteen /24s
    assert all(r.json()["NeutronError"]["type"] == "SubnetAllocationError" for r in refused)


async def test_lost_claim_is_retried_and_then_refused(api: Api,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim that finds the pool's hash changed (another transaction allocated in between)
    reads the pool again; when it keeps losing, 409 SubnetPoolInUse and nothing is made."""
    p = await pool(api, prefixes=["10.90.0.0/16"], default_prefixlen=24)
    n = await network(api)
    real = subnetpools.claim
    calls: list[str] = []

    async def lose_once(session: Any, pool_id: str, seen: str) -> bool:
        calls.append(seen)
        return False if len(calls) == 1 else await real(session, pool_id, seen)
    monkeypatch.setattr(subnetpools, "claim", lose_once)
    s = (await api.ok("POST", f"{NET}/subnets", 201, json={"subnet": {
        "network_id": n, "subnetpool_id": p["id"]}}))["subnet"]
    assert s["cidr"] == "10.90.0.0/24" and len(calls) == 2

    async def always_lose(session: Any, pool_id: str, seen: str) -> bool:
        return False
    monkeypatch.setattr(subnetpools, "claim", always_lose)
    before = await count(api, "subnets")
    fault(await subnet_req(api, network_id=await network(api), subnetpool_id=p["id"]), 409,
          "SubnetPoolInUse", f"Unable to complete operation on subnet pool {p['id']}. Two or "
          "more concurrent subnets allocated.")
    assert await count(api, "subnets") == before
