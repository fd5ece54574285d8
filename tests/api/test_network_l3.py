"""Routers and floating IPs as Neutron serves them: gateways on external networks, interfaces
by subnet or port (nothing half made on refusal), static routes, floating IP association
through a router, and Neutron's faults for each bad input."""

from __future__ import annotations

from typing import Any

from tests.api.test_network_secgroups import N, fault
from tests.conftest import Api

MISSING = "1b2d6a43-7d0e-4f38-9e25-0f9dbb4c2a11"


async def network(api: Api, name: str, cidr: str | None, external: bool = False,
                  gateway: Any = "auto", token: str | None = None) -> tuple[str, str | None]:
    body: dict[str, Any] = {"name": name}
    if external:
        body["router:external"] = True
    net = (await api.ok("POST", f"{N}/networks", 201, token,
                        json={"network": body}))["network"]["id"]
    if cidr is None:
        return net, None
    sub: dict[str, Any] = {"network_id": net, "cidr": cidr, "ip_version": 4}
    if gateway != "auto":
        sub["gateway_ip"] = gateway
    sid = (await api.ok("POST", f"{N}/subnets", 201, token,
                        json={"subnet": sub}))["subnet"]["id"]
    return net, sid


async def router(api: Api, **kw: Any) -> dict[str, Any]:
    return (await api.ok("POST", f"{N}/routers", 201,
                         json={"router": {"name": "r1", **kw}}))["router"]


async def ports_of(api: Api, device_id: str) -> list[dict[str, Any]]:
    return (await api.ok("GET", f"{N}/ports?device_id={device_id}"))["ports"]


async def test_router_gateway_interfaces_and_delete(api: Api) -> None:
    ext, ext_sub = await network(api, "public", "172.24.4.0/24", external=True)
    net, sub = await network(api, "private", "10.0.0.0/24")
    r = await router(api, external_gateway_info={"network_id": ext})
    gw = r["external_gateway_info"]
    assert gw["network_id"] == ext and gw["enable_snat"] is True
    assert gw["external_fixed_ips"][0]["subnet_id"] == ext_sub
    assert r["status"] == "ACTIVE" and r["routes"] == [] and "ha" not in r
    [gw_port] = await ports_of(api, r["id"])
    assert gw_port["device_owner"] == "network:router_gateway"
    added = await api.ok("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                         json={"subnet_id": sub})
    assert added["subnet_id"] == sub and added["network_id"] == net
    port = (await api.ok("GET", f"{N}/ports/{added['port_id']}"))["port"]
    assert port["device_owner"] == "network:router_interface"
    assert port["device_id"] == r["id"]
    assert port["fixed_ips"] == [{"subnet_id": sub, "ip_address": "10.0.0.1"}]
    # a router's ports go with the router interface, never through the port API
    fault(await api.req("DELETE", f"{N}/ports/{added['port_id']}"), 409, "ServicePortInUse",
          f"Port {added['port_id']} cannot be deleted directly via the port API: has device "
          "owner network:router_interface.")
    fault(await api.req("DELETE", f"{N}/routers/{r['id']}"), 409, "RouterInUse",
          f"Router {r['id']} has ports still attached: {added['port_id']}")
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                        json={"subnet_id": sub}), 400, "BadRequest",
          f"Bad router request: Router already has a port on subnet {sub}.")
    removed = await api.ok("PUT", f"{N}/routers/{r['id']}/remove_router_interface",
                           json={"subnet_id": sub})
    assert removed["port_id"] == added["port_id"]
    fault(await api.req("GET", f"{N}/ports/{added['port_id']}"), 404, "PortNotFound")
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/remove_router_interface",
                        json={"subnet_id": sub}), 404, "RouterInterfaceNotFoundForSubnet")
    cleared = await api.ok("PUT", f"{N}/routers/{r['id']}",
                           json={"router": {"external_gateway_info": {}}})
    assert cleared["router"]["external_gateway_info"] is None
    assert await ports_of(api, r["id"]) == []
    await api.ok("DELETE", f"{N}/routers/{r['id']}", 204)
    fault(await api.req("GET", f"{N}/routers/{r['id']}"), 404, "RouterNotFound",
          f"Router {r['id']} could not be found")


async def test_interface_refusals_leave_nothing_behind(api: Api) -> None:
    _, sub = await network(api, "a", "10.1.0.0/24")
    _, overlapping = await network(api, "b", "10.1.0.0/16")
    _, no_gw = await network(api, "c", "10.2.0.0/24", gateway=None)
    r = await router(api)
    await api.ok("PUT", f"{N}/routers/{r['id']}/add_router_interface", json={"subnet_id": sub})
    before = len((await api.ok("GET", f"{N}/ports"))["ports"])
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                        json={"subnet_id": overlapping}), 400, "BadRequest",
          f"Bad router request: Cidr 10.1.0.0/16 of subnet {overlapping} overlaps with cidr "
          f"10.1.0.0/24 of subnet {sub}.")
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                        json={"subnet_id": no_gw}), 400, "BadRequest",
          "Bad router request: Subnet for router interface must have a gateway IP.")
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                        json={"subnet_id": MISSING}), 404, "SubnetNotFound")
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                        json={}), 400, "BadRequest", "Either subnet_id or port_id must be")
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                        json={"subnet_id": sub, "port_id": MISSING}), 400, "BadRequest",
          "Cannot specify both subnet-id and port-id")
    assert len((await api.ok("GET", f"{N}/ports"))["ports"]) == before


async def test_interface_by_port_and_gateway_checks(api: Api) -> None:
    net, sub = await network(api, "p", "10.3.0.0/24")
    internal, _ = await network(api, "notext", "10.9.0.0/24")
    port = (await api.ok("POST", f"{N}/ports", 201,
                         json={"port": {"network_id": net}}))["port"]
    r = await router(api)
    added = await api.ok("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                         json={"port_id": port["id"]})
    assert added["port_id"] == port["id"] and added["subnet_ids"] == [sub]
    shown = (await api.ok("GET", f"{N}/ports/{port['id']}"))["port"]
    assert shown["device_owner"] == "network:router_interface"
    r2 = await router(api)
    fault(await api.req("PUT", f"{N}/routers/{r2['id']}/add_router_interface",
                        json={"port_id": port["id"]}), 409, "PortInUse")
    fault(await api.req("PUT", f"{N}/routers/{r2['id']}",
                        json={"router": {"external_gateway_info": {"network_id": internal}}}),
          400, "BadRequest", f"Bad router request: Network {internal} is not an external "
          "network.")
    fault(await api.req("POST", f"{N}/routers", json={"router": {
        "external_gateway_info": {"network_id": MISSING}}}), 404, "NetworkNotFound")
    await api.ok("PUT", f"{N}/routers/{r['id']}/remove_router_interface",
                 json={"port_id": port["id"]})
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/remove_router_interface",
                        json={"port_id": port["id"]}), 404, "RouterInterfaceNotFound",
          f"Router {r['id']} does not have an interface with id {port['id']}")
    fault(await api.req("GET", f"{N}/ports/{port['id']}"), 404, "PortNotFound")


async def test_static_routes(api: Api) -> None:
    _, sub = await network(api, "rt", "10.4.0.0/24")
    r = await router(api)
    route = {"destination": "192.168.0.0/16", "nexthop": "10.4.0.9"}
    fault(await api.req("PUT", f"{N}/routers/{r['id']}", json={"router": {"routes": [route]}}),
          400, "InvalidRoutes", "the nexthop is not connected with router")
    await api.ok("PUT", f"{N}/routers/{r['id']}/add_router_interface", json={"subnet_id": sub})
    fault(await api.req("PUT", f"{N}/routers/{r['id']}", json={"router": {"routes": [
        {"destination": "192.168.0.0/16", "nexthop": "10.4.0.1"}]}}),
          400, "InvalidRoutes", "the nexthop is used by router")
    done = await api.ok("PUT", f"{N}/routers/{r['id']}", json={"router": {"routes": [route]}})
    assert done["router"]["routes"] == [route]
    more = {"destination": "172.16.0.0/12", "nexthop": "10.4.0.10"}
    done = await api.ok("PUT", f"{N}/routers/{r['id']}/add_extraroutes",
                        json={"router": {"routes": [more]}})
    assert done["router"]["routes"] == [route, more]
    fault(await api.req("PUT", f"{N}/routers/{r['id']}/remove_router_interface",
                        json={"subnet_id": sub}), 409, "RouterInterfaceInUseByRoute")
    done = await api.ok("PUT", f"{N}/routers/{r['id']}/remove_extraroutes",
                        json={"router": {"routes": [route, more]}})
    assert done["router"]["routes"] == []


async def test_floating_ips(api: Api) -> None:
    ext, _ = await network(api, "public", "172.24.4.0/24", external=True)
    net, sub = await network(api, "private", "10.0.0.0/24")
    internal, _ = await network(api, "notext", "10.9.0.0/24")
    fault(await api.req("POST", f"{N}/floatingips", json={"floatingip": {
        "floating_network_id": internal}}), 400, "BadRequest",
        f"Bad floatingip request: Network {internal} is not a valid external network.")
    vm = (await api.ok("POST", f"{N}/ports", 201, json={"port": {
        "network_id": net, "device_owner": "compute:nova", "device_id": "vm1"}}))["port"]
    # a filter on an attribute is valid whether or not any item shows it
    assert (await api.ok("GET", f"{N}/floatingips?port_id={vm['id']}"))["floatingips"] == []
    fip = (await api.ok("POST", f"{N}/floatingips", 201, json={"floatingip": {
        "floating_network_id": ext}}))["floatingip"]
    assert fip["status"] == "DOWN" and fip["port_id"] is None and fip["router_id"] is None
    assert fip["floating_ip_address"].startswith("172.24.4.")
    assert fip["port_details"] is None and fip["dns_name"] is None
    [fport] = await ports_of(api, fip["id"])
    assert fport["device_owner"] == "network:floatingip"
    r = await api.req("PUT", f"{N}/floatingips/{fip['id']}",
                      json={"floatingip": {"port_id": vm["id"]}})
    fault(r, 404, "ExternalGatewayForFloatingIPNotFound",
          f"External network {ext} is not reachable from subnet {sub}.  Therefore, cannot "
          f"associate Port {vm['id']} with a Floating IP.")
    rt = await router(api, external_gateway_info={"network_id": ext})
    await api.ok("PUT", f"{N}/routers/{rt['id']}/add_router_interface", json={"subnet_id": sub})
    done = (await api.ok("PUT", f"{N}/floatingips/{fip['id']}",
                         json={"floatingip": {"port_id": vm["id"]}}))["floatingip"]
    assert done["status"] == "ACTIVE" and done["router_id"] == rt["id"]
    assert done["fixed_ip_address"] == vm["fixed_ips"][0]["ip_address"]
    assert done["port_details"]["device_id"] == "vm1"
    second = await api.req("POST", f"{N}/floatingips", json={"floatingip": {
        "floating_network_id": ext, "port_id": vm["id"]}})
    fault(second, 409, "FloatingIPPortAlreadyAssociated")
    fault(await api.req("PUT", f"{N}/routers/{rt['id']}/remove_router_interface",
                        json={"subnet_id": sub}), 409, "RouterInterfaceInUseByFloatingIP")
    fault(await api.req("PUT", f"{N}/routers/{rt['id']}", json={"router": {
        "external_gateway_info": {}}}), 409, "RouterExternalGatewayInUseByFloatingIp")
    off = (await api.ok("PUT", f"{N}/floatingips/{fip['id']}",
                        json={"floatingip": {"port_id": None}}))["floatingip"]
    assert off["status"] == "DOWN" and off["port_id"] is None and off["fixed_ip_address"] is None
    listed = await api.ok("GET", f"{N}/floatingips?floating_network_id={ext}")
    assert [f["id"] for f in listed["floatingips"]] == [fip["id"]]
    await api.ok("DELETE", f"{N}/floatingips/{fip['id']}", 204)
    assert await ports_of(api, fip["id"]) == []
    fault(await api.req("GET", f"{N}/floatingips/{fip['id']}"), 404, "FloatingIPNotFound")


async def test_only_admin_picks_addresses(api: Api) -> None:
    ext, ext_sub = await network(api, "public", "172.24.4.0/24", external=True)
    await api.make_user("l3demo", "pw", "demo")
    demo = await api.token("l3demo", "pw", "demo")
    r = await api.req("POST", f"{N}/floatingips", token=demo, json={"floatingip": {
        "floating_network_id": ext, "floating_ip_address": "172.24.4.50"}})
    assert r.status_code == 403, r.text
    r = await api.req("POST", f"{N}/routers", token=demo, json={"router": {
        "external_gateway_info": {"network_id": ext, "external_fixed_ips": [
            {"subnet_id": ext_sub, "ip_address": "172.24.4.60"}]}}})
    assert r.status_code == 403, r.text
    assert [x["name"] for x in (await api.ok("GET", f"{N}/routers", token=demo))[
        "routers"]] == ["router1"]      # DevStack's, made by the bootstrap
    fip = (await api.ok("POST", f"{N}/floatingips", 201, json={"floatingip": {
        "floating_network_id": ext, "floating_ip_address": "172.24.4.50"}}))["floatingip"]
    assert fip["floating_ip_address"] == "172.24.4.50"
    r = await router(api, external_gateway_info={"network_id": ext, "external_fixed_ips": [
        {"subnet_id": ext_sub, "ip_address": "172.24.4.60"}]})
    assert r["external_gateway_info"]["external_fixed_ips"][0]["ip_address"] == "172.24.4.60"
    fault(await api.req("GET", f"{N}/floatingips/{fip['id']}", token=demo), 404,
          "FloatingIPNotFound")


async def test_bootstrap_router1(api: Api) -> None:
    """DevStack's router1: the demo project's, gateway on public, interface on private-subnet."""
    [r1] = (await api.ok("GET", f"{N}/routers?name=router1"))["routers"]
    assert r1["project_id"] == await api.project_id("demo")
    [public] = (await api.ok("GET", f"{N}/networks?name=public"))["networks"]
    [private_subnet] = (await api.ok("GET", f"{N}/subnets?name=private-subnet"))["subnets"]
    assert r1["external_gateway_info"]["network_id"] == public["id"]
    owners = {p["device_owner"]: p for p in await ports_of(api, r1["id"])}
    assert set(owners) == {"network:router_gateway", "network:router_interface"}
    assert owners["network:router_interface"]["fixed_ips"] == [
        {"subnet_id": private_subnet["id"], "ip_address": private_subnet["gateway_ip"]}]
