"""Bad input to the network API gets Neutron's fault (type, message, empty detail) and leaves
nothing behind: every refusal here is checked against the row counts of the network tables
before and after. Also the Tempest gaps closed with it: an external network goes with its
unassociated floating IPs, an IPv6 SLAAC subnet with the addresses its ports made."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from nubo.network import models as m
from nubo.network.models_l3 import FloatingIP, Router, RouterPort
from nubo.network.models_subnetpools import SubnetPool
from tests.conftest import Api

N = "/networking/v2.0"
TABLES = (m.Network, m.Subnet, m.Port, m.IPAllocation, m.Tag, FloatingIP, Router, RouterPort,
          SubnetPool)


async def rows(api: Api) -> dict[str, int]:
    async with api.node.controller.db.read() as s:
        return {t.__tablename__: int((await s.execute(
            select(func.count()).select_from(t))).scalar_one()) for t in TABLES}


async def refused(api: Api, method: str, path: str, status: int, type_: str, message: str,
                  body: dict[str, Any]) -> None:
    """The request is refused with exactly this fault and no table changes."""
    before = await rows(api)
    r = await api.req(method, path, json=body)
    assert r.status_code == status, r.text
    assert r.json() == {"NeutronError": {"type": type_, "message": message, "detail": ""}}
    assert await rows(api) == before


async def make(api: Api, what: str, **kw: Any) -> dict[str, Any]:
    one = what[:-1]
    return (await api.ok("POST", f"{N}/{what}", 201, json={one: kw}))[one]  # type: ignore


async def test_subnet_refusals(api: Api) -> None:
    n = await make(api, "networks", name="n")
    sub = {"network_id": n["id"], "ip_version": 4, "cidr": "10.5.0.0/24"}
    await refused(api, "POST", f"{N}/subnets", 409, "OverlappingAllocationPools",
                  "Found overlapping allocation pools: 10.5.0.10-10.5.0.20 "
                  "10.5.0.15-10.5.0.30 for subnet 10.5.0.0/24.",
                  {"subnet": {**sub, "allocation_pools": [
                      {"start": "10.5.0.10", "end": "10.5.0.20"},
                      {"start": "10.5.0.15", "end": "10.5.0.30"}]}})
    # Neutron takes a gateway outside the CIDR; Nubo refuses it (docs/conformance.md)
    for gw in ("10.6.0.1", "10.5.0.0", "10.5.0.255"):
        await refused(api, "POST", f"{N}/subnets", 400, "InvalidInput",
                      "Invalid input for operation: Gateway is not valid on subnet.",
                      {"subnet": {**sub, "gateway_ip": gw}})
    await refused(api, "POST", f"{N}/subnets", 409, "GatewayConflictWithAllocationPools",
                  "Gateway ip 10.5.0.15 conflicts with allocation pool 10.5.0.10-10.5.0.20.",
                  {"subnet": {**sub, "gateway_ip": "10.5.0.15", "allocation_pools": [
                      {"start": "10.5.0.10", "end": "10.5.0.20"}]}})
    s = await make(api, "subnets", **sub)
    await refused(api, "PUT", f"{N}/subnets/{s['id']}", 400, "InvalidInput",
                  "Invalid input for operation: Gateway is not valid on subnet.",
                  {"subnet": {"gateway_ip": "10.9.9.9"}})
    await refused(api, "PUT", f"{N}/subnets/{s['id']}", 409, "OverlappingAllocationPools",
                  "Found overlapping allocation pools: 10.5.0.2-10.5.0.9 10.5.0.9-10.5.0.12 "
                  "for subnet 10.5.0.0/24.", {"subnet": {"allocation_pools": [
                      {"start": "10.5.0.2", "end": "10.5.0.9"},
                      {"start": "10.5.0.9", "end": "10.5.0.12"}]}})
    shown = (await api.ok("GET", f"{N}/subnets/{s['id']}"))["subnet"]
    assert shown == s


async def test_port_address_refusals(api: Api) -> None:
    n = await make(api, "networks", name="n")
    s = await make(api, "subnets", network_id=n["id"], ip_version=4, cidr="10.8.0.0/24",
                   enable_dhcp=False)
    p = await make(api, "ports", network_id=n["id"], fixed_ips=[{"ip_address": "10.8.0.77"}])
    await refused(api, "POST", f"{N}/ports", 409, "IpAddressAlreadyAllocated",
                  f"IP address 10.8.0.77 already allocated in subnet {s['id']}",
                  {"port": {"network_id": n["id"], "fixed_ips": [{"ip_address": "10.8.0.77"}]}})
    # two addresses asked for, the second taken: the port is not made with the first
    await refused(api, "POST", f"{N}/ports", 409, "IpAddressAlreadyAllocated",
                  f"IP address 10.8.0.77 already allocated in subnet {s['id']}",
                  {"port": {"network_id": n["id"], "fixed_ips": [
                      {"ip_address": "10.8.0.78"}, {"ip_address": "10.8.0.77"}]}})
    other = await make(api, "ports", network_id=n["id"])
    await refused(api, "PUT", f"{N}/ports/{other['id']}", 409, "IpAddressAlreadyAllocated",
                  f"IP address 10.8.0.77 already allocated in subnet {s['id']}",
                  {"port": {"fixed_ips": [{"ip_address": "10.8.0.77"}]}})
    await refused(api, "POST", f"{N}/ports", 400, "InvalidIpForSubnet",
                  "IP address 10.9.0.5 is not a valid IP for the specified subnet.",
                  {"port": {"network_id": n["id"], "fixed_ips": [
                      {"subnet_id": s["id"], "ip_address": "10.9.0.5"}]}})
    await refused(api, "POST", f"{N}/ports", 400, "InvalidIpForNetwork",
                  "IP address 10.9.0.5 is not a valid IP for any of the subnets on the "
                  "specified network.",
                  {"port": {"network_id": n["id"], "fixed_ips": [{"ip_address": "10.9.0.5"}]}})
    assert (await api.ok("GET", f"{N}/ports/{other['id']}"))["port"]["fixed_ips"] == \
        other["fixed_ips"]
    assert p["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "10.8.0.77"}]


async def test_router_and_floating_ip_refusals(api: Api) -> None:
    n = await make(api, "networks", name="n")
    no_gw = await make(api, "subnets", network_id=n["id"], ip_version=4, cidr="10.2.0.0/24",
                       gateway_ip=None)
    r = await make(api, "routers", name="r")
    await refused(api, "PUT", f"{N}/routers/{r['id']}/add_router_interface", 400, "BadRequest",
                  "Bad router request: Subnet for router interface must have a gateway IP.",
                  {"subnet_id": no_gw["id"]})
    await refused(api, "POST", f"{N}/floatingips", 400, "BadRequest",
                  f"Bad floatingip request: Network {n['id']} is not a valid external "
                  "network.", {"floatingip": {"floating_network_id": n["id"]}})
    assert (await api.ok("GET", f"{N}/routers/{r['id']}"))["router"]["revision_number"] == \
        r["revision_number"]


async def test_external_network_goes_with_its_unassociated_floating_ips(api: Api) -> None:
    ext = await make(api, "networks", name="ext", **{"router:external": True})
    await make(api, "subnets", network_id=ext["id"], ip_version=4, cidr="172.30.0.0/24",
               enable_dhcp=False)
    fip = await make(api, "floatingips", floating_network_id=ext["id"])
    before = await rows(api)
    await api.ok("DELETE", f"{N}/networks/{ext['id']}", 204)
    after = await rows(api)
    assert (await api.ok("GET", f"{N}/floatingips?id={fip['id']}"))["floatingips"] == []
    assert before["floating_ip"] - after["floating_ip"] == 1
    assert before["port"] - after["port"] == 1 and before["subnet"] - after["subnet"] == 1


async def test_external_network_with_an_associated_floating_ip_stays(api: Api) -> None:
    ext = await make(api, "networks", name="ext", **{"router:external": True})
    await make(api, "subnets", network_id=ext["id"], ip_version=4, cidr="172.31.0.0/24",
               enable_dhcp=False)
    n = await make(api, "networks", name="in")
    sub = await make(api, "subnets", network_id=n["id"], ip_version=4, cidr="10.3.0.0/24")
    r = await make(api, "routers", name="r", external_gateway_info={"network_id": ext["id"]})
    await api.ok("PUT", f"{N}/routers/{r['id']}/add_router_interface",
                 json={"subnet_id": sub["id"]})
    vm = await make(api, "ports", network_id=n["id"], device_owner="compute:nova")
    await make(api, "floatingips", floating_network_id=ext["id"], port_id=vm["id"])
    r2 = await api.req("DELETE", f"{N}/networks/{ext['id']}")
    assert r2.status_code == 409 and r2.json()["NeutronError"]["type"] == "NetworkInUse"
    assert len((await api.ok("GET", f"{N}/floatingips?floating_network_id={ext['id']}"))[
        "floatingips"]) == 1


async def test_slaac_subnet_goes_with_the_addresses_of_its_ports(api: Api) -> None:
    n = await make(api, "networks", name="v6")
    v4 = await make(api, "subnets", network_id=n["id"], ip_version=4, cidr="10.4.0.0/24")
    v6 = await make(api, "subnets", network_id=n["id"], ip_version=6, cidr="fd00:4::/64",
                    ipv6_ra_mode="slaac", ipv6_address_mode="slaac")
    p = await make(api, "ports", network_id=n["id"])
    assert {f["subnet_id"] for f in p["fixed_ips"]} == {v4["id"], v6["id"]}
    await api.ok("DELETE", f"{N}/subnets/{v6['id']}", 204)
    left = (await api.ok("GET", f"{N}/ports/{p['id']}"))["port"]
    assert [f["subnet_id"] for f in left["fixed_ips"]] == [v4["id"]]
    assert left["revision_number"] > p["revision_number"]
    # a stateful (DHCPv6) subnet's addresses keep it, as any IPv4 subnet's
    v6s = await make(api, "subnets", network_id=n["id"], ip_version=6, cidr="fd00:5::/64",
                     ipv6_ra_mode="dhcpv6-stateful", ipv6_address_mode="dhcpv6-stateful")
    await make(api, "ports", network_id=n["id"], fixed_ips=[{"subnet_id": v6s["id"]}])
    r = await api.req("DELETE", f"{N}/subnets/{v6s['id']}")
    assert r.status_code == 409 and r.json()["NeutronError"]["type"] == "SubnetInUse"


async def test_port_filter_by_address_substring_and_service_providers(api: Api) -> None:
    n = await make(api, "networks", name="n")
    await make(api, "subnets", network_id=n["id"], ip_version=4, cidr="10.7.0.0/24",
               enable_dhcp=False)
    a = await make(api, "ports", network_id=n["id"], fixed_ips=[{"ip_address": "10.7.0.15"}])
    b = await make(api, "ports", network_id=n["id"], fixed_ips=[{"ip_address": "10.7.0.25"}])
    got = await api.ok("GET", f"{N}/ports?network_id={n['id']}"
                              "&fixed_ips=ip_address_substr%3D7.0.1")
    assert [x["id"] for x in got["ports"]] == [a["id"]]
    got = await api.ok("GET", f"{N}/ports?fixed_ips=ip_address_substr%3D10.7.0.")
    assert {x["id"] for x in got["ports"]} == {a["id"], b["id"]}
    assert await api.ok("GET", f"{N}/service-providers") == {"service_providers": []}


async def test_attribute_types_refused_in_neutron_lib_s_words(api: Api) -> None:
    """The attribute schemas enforced through network/api/schemas/enforce.py: a value of the
    wrong type or length gets neutron-lib's validator message, the first bad attribute in
    Neutron's order wins, and nothing is written (creates and updates alike)."""
    n = await make(api, "networks", name="typed")
    r = await make(api, "routers", name="typed")
    sg = (await api.ok("POST", f"{N}/security-groups", 201,
                       json={"security_group": {"name": "typed"}}))["security_group"]
    cases: list[tuple[str, str, str, dict[str, Any]]] = [
        ("POST", f"{N}/networks", "Invalid input for name. Reason: '5' is not a valid string.",
         {"network": {"name": 5}}),
        ("PUT", f"{N}/networks/{n['id']}", "Invalid input for dns_domain. Reason: '"
         + "d" * 256 + "' exceeds maximum length of 255.", {"network": {"dns_domain": "d" * 256}}),
        ("POST", f"{N}/ports", "Invalid input for device_owner. Reason: 'True' is not a valid "
         "string.", {"port": {"network_id": n["id"], "device_owner": True}}),
        ("POST", f"{N}/routers", "Invalid input for name. Reason: '[]' is not a valid string.",
         {"router": {"name": [], "description": 7}}),
        ("PUT", f"{N}/routers/{r['id']}", "Invalid input for description. Reason: '7' is not a "
         "valid string.", {"router": {"description": 7}}),
        ("POST", f"{N}/floatingips", "Invalid input for floating_network_id. Reason: 'None' is "
         "not a valid UUID.", {"floatingip": {"floating_network_id": None}}),
        ("POST", f"{N}/floatingips", "Invalid input for port_id. Reason: 'nope' is not a valid "
         "UUID.", {"floatingip": {"floating_network_id": n["id"], "port_id": "nope"}}),
        ("POST", f"{N}/security-groups", "Invalid input for name. Reason: '1' is not a valid "
         "string.", {"security_group": {"name": 1}}),
        ("POST", f"{N}/security-group-rules", "Invalid input for description. Reason: '{}' is "
         "not a valid string.", {"security_group_rule": {
             "security_group_id": sg["id"], "direction": "ingress", "description": {}}}),
    ]
    sub = await make(api, "subnets", network_id=n["id"], ip_version=4, cidr="10.77.0.0/24")
    cases += [
        ("POST", f"{N}/subnets", "Invalid input for description. Reason: 'None' is not a "
         "valid string.", {"subnet": {"network_id": n["id"], "ip_version": 4,
                                      "cidr": "10.78.0.0/24", "description": None}}),
        ("PUT", f"{N}/subnets/{sub['id']}", "Cannot update read-only attribute cidr",
         {"subnet": {"cidr": 5, "name": 5}}),
        ("PUT", f"{N}/subnets/{sub['id']}", "Invalid input for name. Reason: '5' is not a "
         "valid string.", {"subnet": {"name": 5, "enable_dhcp": "maybe"}}),
        ("POST", f"{N}/subnetpools", "Invalid input for name. Reason: '0' is not a valid "
         "string.", {"subnetpool": {"name": 0, "prefixes": ["10.90.0.0/16"]}}),
    ]
    for method, path, message, body in cases:
        await refused(api, method, path, 400, "HTTPBadRequest", message, body)
