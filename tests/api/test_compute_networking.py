"""Compute's side of networking on a real node: requested networks, ports, addresses."""

from __future__ import annotations

from typing import Any

import pytest

from nubo.compute.service.networking import ComputeNetworking
from nubo.core.context import RequestContext
from nubo.core.errors import BadRequest, Conflict
from tests.conftest import Api

N = "/networking/v2.0"


async def ctx_for(api: Api, project: str, roles: tuple[str, ...] = ("member", "reader")
                  ) -> RequestContext:
    return RequestContext(request_id="req-test", user_id="u-test",
                          project_id=await api.project_id(project), roles=roles)


async def network(api: Api, name: str, cidr: str, **kw: Any) -> tuple[str, str]:
    net = (await api.ok("POST", f"{N}/networks", 201, json={"network": {
        "name": name, **kw}}))["network"]
    sub = (await api.ok("POST", f"{N}/subnets", 201, json={"subnet": {
        "network_id": net["id"], "cidr": cidr, "ip_version": 4}}))["subnet"]
    return str(net["id"]), str(sub["id"])


async def test_requested_networks_are_checked(api: Api) -> None:
    glue = ComputeNetworking(api.node.controller.db)
    admin = await ctx_for(api, "admin", ("admin", "member", "reader"))
    demo = await ctx_for(api, "demo")
    assert await glue.check(admin, "none") == []
    # admin owns only the external `public` network: nothing to pick by default
    assert await glue.check(admin, None) == []
    assert await glue.check(admin, "auto") == []
    # the demo project has DevStack's `private` network
    [req] = await glue.check(demo, None)
    private = (await api.ok("GET", f"{N}/networks?name=private"))["networks"][0]
    assert req.network_id == private["id"]
    net, _ = await network(api, "n1", "192.168.50.0/24")
    with pytest.raises(BadRequest, match="could not be found"):
        await glue.check(admin, [{"uuid": "5a4b7a52-0000-4000-8000-000000000000"}])
    with pytest.raises(BadRequest, match="could not be found"):  # admin's, not demo's
        await glue.check(demo, [{"uuid": net}])
    with pytest.raises(BadRequest):
        await glue.check(admin, [{"uuid": net, "fixed_ip": "10.9.9.9"}])
    [ok] = await glue.check(admin, [{"uuid": net, "fixed_ip": "192.168.50.20"}])
    assert ok.fixed_ip == "192.168.50.20"
    await network(api, "n2", "192.168.51.0/24")
    with pytest.raises(Conflict):                # two networks: the user must choose
        await glue.check(admin, None)


async def test_ports_made_bound_shown_and_removed(api: Api) -> None:
    glue = ComputeNetworking(api.node.controller.db)
    admin = await ctx_for(api, "admin", ("admin", "member", "reader"))
    net, sub = await network(api, "n1", "192.168.60.0/24")
    given = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": net}}))["port"]
    reqs = [{"network_id": net, "fixed_ip": "192.168.60.30"}, {"port_id": given["id"]}]
    ids = await glue.allocate(admin, "inst-1", "host-a", "nova", reqs, ["default"])
    assert ids[1] == given["id"]
    assert await glue.allocate(admin, "inst-1", "host-a", "nova", reqs, ["default"]) == ids
    made = (await api.ok("GET", f"{N}/ports/{ids[0]}"))["port"]
    assert made["device_id"] == "inst-1" and made["device_owner"] == "compute:nova"
    assert made["binding:host_id"] == "host-a" and made["status"] == "ACTIVE"
    assert made["fixed_ips"] == [{"subnet_id": sub, "ip_address": "192.168.60.30"}]
    assert len(made["security_groups"]) == 1
    addrs = (await glue.addresses(["inst-1"]))["inst-1"]["n1"]
    assert {"version": 4, "addr": "192.168.60.30", "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS-MAC:mac_addr": made["mac_address"]} in addrs
    assert len(addrs) == 2
    facts = {f.id: f for f in await glue.port_facts("inst-1")}
    assert facts[ids[0]].fixed_ips == (("192.168.60.30", "192.168.60.0/24"),)
    assert facts[ids[0]].gateway == "192.168.60.1" and facts[ids[0]].mac == made["mac_address"]
    assert set(facts) == set(ids)
    assert await glue.resolve("192.168.60.30", net, None) == "inst-1"
    assert await glue.resolve("192.168.60.30", "other-net", None) is None
    await glue.deallocate("inst-1", given=[given["id"]])
    r = await api.req("GET", f"{N}/ports/{ids[0]}")
    assert r.status_code == 404
    kept = (await api.ok("GET", f"{N}/ports/{given['id']}"))["port"]
    assert kept["device_id"] == "" and kept["binding:host_id"] == ""
    assert await glue.addresses(["inst-1"]) == {"inst-1": {}}


async def test_port_in_use_is_refused(api: Api) -> None:
    glue = ComputeNetworking(api.node.controller.db)
    admin = await ctx_for(api, "admin", ("admin", "member", "reader"))
    net, _ = await network(api, "n1", "192.168.70.0/24")
    port = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": net, "device_id": "someone-else"}}))["port"]
    with pytest.raises(Conflict):
        await glue.check(admin, [{"port": port["id"]}])
    free = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": net}}))["port"]
    with pytest.raises(BadRequest):
        await glue.check(admin, [{"uuid": net}, {"port": free["id"]}, {"port": free["id"]}])


async def test_servers_get_ports_addresses_and_lose_them(api: Api) -> None:
    from tests.api.test_compute_servers import create, flavor_id, image_id, wait
    img, flv = await image_id(api), await flavor_id(api)
    net, sub = await network(api, "srvnet", "192.168.80.0/24")
    srv = (await create(api, img, flv, networks=[{"uuid": net,
                                                   "fixed_ip": "192.168.80.44"}]))["server"]
    shown = await wait(api, srv["id"], "ACTIVE")
    [addr] = shown["addresses"]["srvnet"]
    assert addr["addr"] == "192.168.80.44" and addr["OS-EXT-IPS:type"] == "fixed"
    listed = (await api.ok("GET", "/compute/v2.1/servers/detail"))["servers"]
    assert next(s for s in listed if s["id"] == srv["id"])["addresses"] == shown["addresses"]
    [port] = (await api.ok("GET", f"{N}/ports?device_id={srv['id']}"))["ports"]
    assert port["binding:host_id"] == shown["OS-EXT-SRV-ATTR:host"]
    assert port["device_owner"].startswith("compute:")
    # the address is taken now: a second server asking for it is refused at the API
    r = await api.req("POST", "/compute/v2.1/servers", json={"server": {
        "name": "b", "imageRef": img, "flavorRef": flv,
        "networks": [{"uuid": net, "fixed_ip": "192.168.80.44"}]}})
    assert r.status_code == 400 and "already in use" in r.text, r.text
    r = await api.req("POST", "/compute/v2.1/servers", json={"server": {
        "name": "c", "imageRef": img, "flavorRef": flv, "max_count": 2,
        "networks": [{"uuid": net, "fixed_ip": "192.168.80.45"}]}})
    assert r.status_code == 400, r.text
    await api.ok("DELETE", f"/compute/v2.1/servers/{srv['id']}", 204)
    await wait(api, srv["id"], "DELETED")
    assert (await api.ok("GET", f"{N}/ports?device_id={srv['id']}"))["ports"] == []
