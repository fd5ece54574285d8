"""Every attribute a resource shows belongs to an advertised extension (issue 19): a Neutron
without l3-ha, dvr, l3-flavors, l3-ndp-proxy, qos, segment, ... loaded has
none of their attributes (neutron-lib's api definitions extend the resources only when the
extension is loaded), and Tempest picks its tests from the advertised list."""

from __future__ import annotations

from tests.api.test_network_core import NET, net, port, subnet
from tests.conftest import Api

#: attribute -> the extension (neutron-lib api definition) that adds it
OWNER = {
    "ha": "l3-ha", "distributed": "dvr", "flavor_id": "l3-flavors",
    "enable_ndp_proxy": "l3-ndp-proxy", "ipv4_address_scope": "address-scope",
    "ipv6_address_scope": "address-scope", "address_scope_id": "address-scope",
    "qos_policy_id": "qos", "qos_network_policy_id": "qos-port-network-policy",
    "is_default@network": "auto-allocated-topology", "segment_id": "segment",
    "service_types": "subnet-service-types",
    "dns_publish_fixed_ip": "subnet-dns-publish-fixed-ip",
    "propagate_uplink_status": "uplink-status-propagation",
    "remote_address_group_id": "security-groups-remote-address-group",
    "l2_adjacency": "l2_adjacency", "availability_zone_hints@router": "router_availability_zone",
}


async def test_no_attribute_of_an_unadvertised_extension(api: Api) -> None:
    exts = {e["alias"] for e in (await api.ok("GET", f"{NET}/extensions"))["extensions"]}
    n = await net(api)
    s = await subnet(api, n["id"], "10.77.0.0/24")
    p = await port(api, n["id"])
    router = (await api.ok("POST", f"{NET}/routers", 201, json={"router": {"name": "r"}}))[
        "router"]
    pool = (await api.ok("POST", f"{NET}/subnetpools", 201, json={"subnetpool": {
        "name": "p", "prefixes": ["10.78.0.0/16"]}}))["subnetpool"]
    sg = (await api.ok("POST", f"{NET}/security-groups", 201, json={"security_group": {
        "name": "g"}}))["security_group"]
    shown = {"network": n, "subnet": s, "port": p, "router": router, "subnetpool": pool,
             "security_group_rule": sg["security_group_rules"][0]}
    for kind, body in shown.items():
        for attr in body:
            owner = OWNER.get(f"{attr}@{kind}", OWNER.get(attr))
            assert owner is None or owner in exts, f"{kind}.{attr} needs {owner}"
    assert "ha" not in router and "distributed" not in router
    assert {"l3-ha", "dvr"}.isdisjoint(exts)
    # address-scope is advertised (issue 19's address scopes): its attributes are shown
    assert "address-scope" in exts
    assert n["ipv4_address_scope"] is None and n["ipv6_address_scope"] is None
    assert pool["address_scope_id"] is None
