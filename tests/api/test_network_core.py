"""Neutron v2.0 core: networks, subnets, ports, IPAM, quotas, agents, zones, tags, and the
bootstrap's networks, through the in-process API."""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

from tests.conftest import Api

NET = "/networking/v2.0"


def fault(r: Any, status: int, type_: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()["NeutronError"]
    assert body["type"] == type_, body
    return body


async def net(api: Api, token: str | None = None, **kw: Any) -> dict[str, Any]:
    return (await api.ok("POST", f"{NET}/networks", 201, token,
                         json={"network": {"name": "n", **kw}}))["network"]


async def subnet(api: Api, network_id: str, cidr: str, token: str | None = None,
                 **kw: Any) -> dict[str, Any]:
    return (await api.ok("POST", f"{NET}/subnets", 201, token, json={"subnet": {
        "network_id": network_id, "cidr": cidr, "ip_version": 4, **kw}}))["subnet"]


async def port(api: Api, network_id: str, token: str | None = None, **kw: Any
               ) -> dict[str, Any]:
    return (await api.ok("POST", f"{NET}/ports", 201, token, json={"port": {
        "network_id": network_id, **kw}}))["port"]


async def test_bootstrap_networks(api: Api) -> None:
    nets = (await api.ok("GET", f"{NET}/networks"))["networks"]
    by = {n["name"]: n for n in nets}
    pub = by["public"]
    assert pub["router:external"] is True and pub["shared"] is False
    assert pub["provider:network_type"] == "flat"
    assert pub["provider:physical_network"] == "public" and pub["mtu"] == 1500
    subs = (await api.ok("GET", f"{NET}/subnets?network_id={pub['id']}"))["subnets"]
    assert subs[0]["name"] == "public-subnet" and subs[0]["cidr"] == "172.24.4.0/24"
    assert subs[0]["gateway_ip"] == "172.24.4.1"
    assert subs[0]["allocation_pools"] == [{"start": "172.24.4.2", "end": "172.24.4.254"}]
    priv = by["private"]
    assert priv["provider:network_type"] == "vxlan" and priv["mtu"] == 1450
    demo = await api.project_id("demo")
    assert priv["project_id"] == demo
    psub = (await api.ok("GET", f"{NET}/subnets?name=private-subnet"))["subnets"][0]
    assert psub["cidr"] == "10.0.0.0/26"


async def test_bootstrap_runs_once(api: Api) -> None:
    from nubo.network.service.bootstrap import bootstrap
    assert await bootstrap(api.node.controller.db, api.node.settings) is False
    names = [n["name"] for n in (await api.ok("GET", f"{NET}/networks"))["networks"]]
    assert names.count("public") == 1 and names.count("private") == 1


async def test_network_crud_and_vnis(api: Api) -> None:
    a = await net(api, name="a", description="d")
    b = await net(api, name="b")
    assert a["status"] == "ACTIVE" and a["mtu"] == 1450 and a["subnets"] == []
    assert a["provider:network_type"] == "vxlan"
    assert a["provider:segmentation_id"] != b["provider:segmentation_id"]
    assert a["availability_zones"] == ["nova"] and a["ipv4_address_scope"] is None
    assert a["revision_number"] == 0 and a["tags"] == []
    r = await api.ok("PUT", f"{NET}/networks/{a['id']}", json={"network": {"name": "a2"}})
    assert r["network"]["name"] == "a2" and r["network"]["revision_number"] == 1
    r2 = await api.req("PUT", f"{NET}/networks/{a['id']}", json={"network": {"name": "x"}},
                       headers={"If-Match": "revision_number=0"})
    fault(r2, 412, "RevisionNumberConstraintFailed")
    fault(await api.req("PUT", f"{NET}/networks/{a['id']}", json={"network": {"id": "x"}}),
          400, "HTTPBadRequest")
    await api.ok("DELETE", f"{NET}/networks/{a['id']}", 204)
    fault(await api.req("GET", f"{NET}/networks/{a['id']}"), 404, "NetworkNotFound")


async def test_provider_segments_unique(api: Api) -> None:
    body = {"provider:network_type": "vlan", "provider:physical_network": "phys",
            "provider:segmentation_id": 42}
    n = await net(api, **body)
    assert n["provider:segmentation_id"] == 42 and n["mtu"] == 1500
    r = await api.req("POST", f"{NET}/networks", json={"network": body})
    fault(r, 409, "VlanIdInUse")
    r = await api.req("POST", f"{NET}/networks", json={"network": {
        "provider:network_type": "flat", "provider:physical_network": "public"}})
    fault(r, 409, "FlatNetworkInUse")
    r = await api.req("POST", f"{NET}/networks", json={"network": {
        "provider:network_type": "gre"}})
    fault(r, 400, "InvalidInput")


async def test_member_visibility_and_admin_attrs(api: Api) -> None:
    await api.make_user("alice", "pw", "demo")
    tok = await api.token("alice", "pw", "demo")
    mine = await net(api, tok, name="mine")
    assert "provider:network_type" not in mine
    other = await net(api, name="admins")
    shared = await net(api, name="shared", shared=True)
    seen = {n["name"] for n in (await api.ok("GET", f"{NET}/networks", token=tok))["networks"]}
    assert {"mine", "shared", "public", "private"} <= seen and "admins" not in seen
    fault(await api.req("GET", f"{NET}/networks/{other['id']}", tok), 404, "NetworkNotFound")
    r = await api.req("POST", f"{NET}/networks", tok, json={"network": {"shared": True}})
    fault(r, 403, "PolicyNotAuthorized")
    # a port on a shared network: allowed; picking its address is the network owner's
    await subnet(api, shared["id"], "10.9.0.0/24")
    p = await port(api, shared["id"], tok)
    assert "binding:host_id" not in p and p["binding:vnic_type"] == "normal"
    r = await api.req("POST", f"{NET}/ports", tok, json={"port": {
        "network_id": shared["id"], "fixed_ips": [{"ip_address": "10.9.0.50"}]}})
    fault(r, 403, "PolicyNotAuthorized")


async def test_subnet_defaults_and_dhcp_port(api: Api) -> None:
    n = await net(api)
    s = await subnet(api, n["id"], "10.1.0.0/24", dns_nameservers=["8.8.8.8"],
                     host_routes=[{"destination": "10.2.0.0/16", "nexthop": "10.1.0.9"}])
    assert s["gateway_ip"] == "10.1.0.1" and s["enable_dhcp"] is True
    assert s["allocation_pools"] == [{"start": "10.1.0.2", "end": "10.1.0.254"}]
    assert s["subnetpool_id"] is None and "segment_id" not in s
    dhcp = (await api.ok("GET", f"{NET}/ports?network_id={n['id']}&device_owner=network:dhcp")
            )["ports"]
    assert len(dhcp) == 1 and dhcp[0]["fixed_ips"][0]["ip_address"] == "10.1.0.2"
    s2 = await subnet(api, n["id"], "10.3.0.0/24", gateway_ip=None, enable_dhcp=False)
    assert s2["gateway_ip"] is None
    assert s2["allocation_pools"] == [{"start": "10.3.0.1", "end": "10.3.0.254"}]
    shown = (await api.ok("GET", f"{NET}/networks/{n['id']}"))["network"]
    assert sorted(shown["subnets"]) == sorted([s["id"], s2["id"]])
    # the DHCP port does not keep a network or subnet from being deleted
    await api.ok("DELETE", f"{NET}/subnets/{s['id']}", 204)
    assert (await api.ok("GET", f"{NET}/ports?network_id={n['id']}"))["ports"] == []
    await api.ok("DELETE", f"{NET}/networks/{n['id']}", 204)


async def test_subnet_bad_input(api: Api) -> None:
    n = await net(api)
    nid = n["id"]

    async def bad(status: int, type_: str, **kw: Any) -> str:
        body = {"network_id": nid, "ip_version": 4, "cidr": "10.5.0.0/24", **kw}
        r = await api.req("POST", f"{NET}/subnets", json={"subnet": body})
        return str(fault(r, status, type_)["message"])
    msg = await bad(409, "OverlappingAllocationPools", allocation_pools=[
        {"start": "10.5.0.10", "end": "10.5.0.20"}, {"start": "10.5.0.15", "end": "10.5.0.30"}])
    assert "Found overlapping allocation pools" in msg
    msg = await bad(400, "OutOfBoundsAllocationPool",
                    allocation_pools=[{"start": "10.5.0.10", "end": "10.5.1.20"}])
    assert "spans beyond the subnet cidr 10.5.0.0/24" in msg
    await bad(409, "GatewayConflictWithAllocationPools", gateway_ip="10.5.0.15",
              allocation_pools=[{"start": "10.5.0.10", "end": "10.5.0.20"}])
    await bad(400, "InvalidInput", gateway_ip="10.6.0.1")
    await bad(400, "InvalidAllocationPool",
              allocation_pools=[{"start": "10.5.0.30", "end": "10.5.0.20"}])
    await bad(400, "HTTPBadRequest", cidr="10.5.0.0/33")
    await bad(400, "HTTPBadRequest", cidr="10/24")  # host bits are fine (issue 19), this not
    await subnet(api, nid, "10.5.0.0/24")
    msg = await bad(400, "InvalidInput", cidr="10.5.0.128/25")
    assert "overlaps with another subnet" in msg
    s = (await api.ok("GET", f"{NET}/subnets?network_id={nid}"))["subnets"][0]
    r = await api.req("PUT", f"{NET}/subnets/{s['id']}", json={"subnet": {"cidr": "10.7.0.0/24"}})
    assert "Cannot update read-only attribute cidr" in fault(r, 400, "HTTPBadRequest")["message"]


async def test_ports_fixed_ips_and_macs(api: Api) -> None:
    n = await net(api)
    s = await subnet(api, n["id"], "10.8.0.0/24", enable_dhcp=False)
    p = await port(api, n["id"], fixed_ips=[{"ip_address": "10.8.0.77"}], name="p")
    assert p["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "10.8.0.77"}]
    assert p["mac_address"].startswith("fa:16:3e:") and p["status"] == "DOWN"
    assert p["binding:vif_type"] == "unbound"
    r = await api.req("POST", f"{NET}/ports", json={"port": {
        "network_id": n["id"], "fixed_ips": [{"ip_address": "10.8.0.77"}]}})
    assert fault(r, 409, "IpAddressAlreadyAllocated")["message"] == \
        f"IP address 10.8.0.77 already allocated in subnet {s['id']}"
    r = await api.req("POST", f"{NET}/ports", json={"port": {
        "network_id": n["id"], "mac_address": p["mac_address"]}})
    fault(r, 409, "MacAddressInUse")
    q = await port(api, n["id"], fixed_ips=[{"subnet_id": s["id"]}])
    assert q["fixed_ips"][0]["ip_address"] == "10.8.0.2"
    bound = (await api.ok("PUT", f"{NET}/ports/{q['id']}", json={"port": {
        "binding:host_id": "node1", "fixed_ips": [{"ip_address": "10.8.0.99"}]}}))["port"]
    assert bound["binding:vif_type"] == "bridge" and bound["status"] == "ACTIVE"
    assert bound["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "10.8.0.99"}]
    # the address given back is free again
    await port(api, n["id"], fixed_ips=[{"ip_address": "10.8.0.2"}])
    found = (await api.ok("GET", f"{NET}/ports?fixed_ips=ip_address%3D10.8.0.99"))["ports"]
    assert [x["id"] for x in found] == [q["id"]]
    fault(await api.req("DELETE", f"{NET}/networks/{n['id']}"), 409, "NetworkInUse")
    fault(await api.req("DELETE", f"{NET}/subnets/{s['id']}"), 409, "SubnetInUse")


async def test_concurrent_port_creates_never_share_an_address(api: Api) -> None:
    n = await net(api)
    s = await subnet(api, n["id"], "10.20.0.0/26", enable_dhcp=False,
                     allocation_pools=[{"start": "10.20.0.2", "end": "10.20.0.60"}])

    async def create() -> Any:
        return await api.req("POST", f"{NET}/ports", json={"port": {"network_id": n["id"]}})
    first = await asyncio.gather(*(create() for _ in range(50)))
    assert all(r.status_code == 201 for r in first), [r.text for r in first if r.status_code
                                                       != 201][:1]
    rest = [await create() for _ in range(9)]
    assert all(r.status_code == 201 for r in rest)
    ips = [r.json()["port"]["fixed_ips"][0]["ip_address"] for r in first + rest]
    assert len(set(ips)) == 59
    lo, hi = ipaddress.ip_address("10.20.0.2"), ipaddress.ip_address("10.20.0.60")
    assert all(lo <= ipaddress.ip_address(ip) <= hi for ip in ips)
    sixtieth = await create()
    msg = fault(sixtieth, 409, "IpAddressGenerationFailure")["message"]
    assert msg == f"No more IP addresses available on network {n['id']}."
    avail = (await api.ok("GET", f"{NET}/network-ip-availabilities/{n['id']}")
             )["network_ip_availability"]
    assert avail["total_ips"] == 59 and avail["used_ips"] == 59
    assert avail["subnet_ip_availability"][0]["subnet_id"] == s["id"]


async def test_quotas(api: Api) -> None:
    await api.make_user("bob", "pw", "demo")
    tok = await api.token("bob", "pw", "demo")
    demo = await api.project_id("demo")
    q = (await api.ok("GET", f"{NET}/quotas/{demo}", token=tok))["quota"]
    assert q["network"] == 100 and q["port"] == 500 and q["security_group_rule"] == 100
    fault(await api.req("PUT", f"{NET}/quotas/{demo}", tok, json={"quota": {"network": 5}}),
          403, "PolicyNotAuthorized")
    up = (await api.ok("PUT", f"{NET}/quotas/{demo}", json={"quota": {"network": 2}}))["quota"]
    assert up["network"] == 2
    await net(api, tok)          # private + this one
    r = await api.req("POST", f"{NET}/networks", tok, json={"network": {}})
    assert fault(r, 409, "OverQuota")["message"] == "Quota exceeded for resources: ['network']."
    det = (await api.ok("GET", f"{NET}/quotas/{demo}/details"))["quota"]
    assert det["network"] == {"limit": 2, "used": 2, "reserved": 0}
    listed = (await api.ok("GET", f"{NET}/quotas"))["quotas"]
    assert [x["project_id"] for x in listed] == [demo]
    await api.ok("DELETE", f"{NET}/quotas/{demo}", 204)
    assert (await api.ok("GET", f"{NET}/quotas/{demo}"))["quota"]["network"] == 100
    assert (await api.ok("GET", f"{NET}/quotas/{demo}/default"))["quota"]["router"] == 10
    fault(await api.req("PUT", f"{NET}/quotas/{demo}", json={"quota": {"bogus": 1}}),
          400, "HTTPBadRequest")


async def test_agents_zones_extensions(api: Api) -> None:
    agents = (await api.ok("GET", f"{NET}/agents"))["agents"]
    types = {a["agent_type"] for a in agents}
    assert {"DHCP agent", "L3 agent", "Linux bridge agent", "Metadata agent"} <= types
    assert all(a["alive"] and a["host"] == api.node.controller.network.hostname for a in agents)
    a = agents[0]
    up = (await api.ok("PUT", f"{NET}/agents/{a['id']}",
                       json={"agent": {"description": "x"}}))["agent"]
    assert up["description"] == "x"
    zones = (await api.ok("GET", f"{NET}/availability_zones"))["availability_zones"]
    assert {(z["name"], z["resource"]) for z in zones} == {("nova", "network"),
                                                          ("nova", "router")}
    ext = {e["alias"] for e in (await api.ok("GET", f"{NET}/extensions"))["extensions"]}
    assert {"external-net", "provider", "quotas", "binding", "standard-attr-tag"} <= ext
    assert (await api.ok("GET", f"{NET}/extensions/quotas"))["extension"]["alias"] == "quotas"
    versions = await api.ok("GET", "/networking/", token="")
    assert versions["versions"][0]["id"] == "v2.0"


async def test_tags_fields_sort_and_pages(api: Api) -> None:
    ids = [(await net(api, name=f"pg{i}"))["id"] for i in range(5)]
    await api.ok("PUT", f"{NET}/networks/{ids[0]}/tags", json={"tags": ["red", "blue"]})
    await api.ok("PUT", f"{NET}/networks/{ids[1]}/tags/red", 201)
    await api.ok("GET", f"{NET}/networks/{ids[1]}/tags/red", 204)
    fault(await api.req("GET", f"{NET}/networks/{ids[1]}/tags/blue"), 404, "TagNotFound")
    red = (await api.ok("GET", f"{NET}/networks?tags=red&fields=id&fields=tags"))["networks"]
    assert sorted(x["id"] for x in red) == sorted(ids[:2])
    assert all(set(x) == {"id", "tags"} for x in red)
    both = (await api.ok("GET", f"{NET}/networks?tags=red,blue"))["networks"]
    assert [x["id"] for x in both] == [ids[0]]
    names = [x["name"] for x in (await api.ok(
        "GET", f"{NET}/networks?sort_key=name&sort_dir=desc"))["networks"]]
    assert names == sorted(names, reverse=True)
    got: list[str] = []
    url = f"{NET}/networks?sort_key=name&sort_dir=asc&limit=2"
    while url:
        page = await api.ok("GET", url)
        got += [x["name"] for x in page["networks"]]
        nxt = [link["href"] for link in page.get("networks_links", []) if link["rel"] == "next"]
        url = nxt[0].replace("http://127.0.0.1:8880", "") if nxt else ""
    assert got == sorted(got) and len(got) == len(set(got)) >= 7
    fault(await api.req("GET", f"{NET}/networks?bogus=1"), 400, "HTTPBadRequest")


async def test_bulk_create_is_all_or_nothing(api: Api) -> None:
    made = (await api.ok("POST", f"{NET}/networks", 201, json={"networks": [
        {"name": "bulk1"}, {"name": "bulk2"}]}))["networks"]
    assert [n["name"] for n in made] == ["bulk1", "bulk2"]
    r = await api.req("POST", f"{NET}/subnets", json={"subnets": [
        {"network_id": made[0]["id"], "cidr": "10.30.0.0/24", "ip_version": 4},
        {"network_id": made[0]["id"], "cidr": "10.30.0.0/25", "ip_version": 4}]})
    fault(r, 400, "InvalidInput")
    assert (await api.ok("GET", f"{NET}/subnets?network_id={made[0]['id']}"))["subnets"] == []
    agents = (await api.ok("GET", f"{NET}/agents", token=await _member(api)))["agents"]
    assert agents == []


async def _member(api: Api) -> str:
    await api.make_user("carol", "pw", "demo")
    return await api.token("carol", "pw", "demo")
