"""A CIDR with host bits set (issue 19). neutron-lib 5.0.1's validate_subnet accepts it ("Valid -
IPv4 with non-zero masked bits is ok"); convert_cidr_to_canonical_format keeps the address as
given (IPv6 in canonical form); Neutron's IPAM stores the request's IPNetwork as it came, so
`cidr` reads back as written while the range (gateway, pools, overlaps) is the network's.
A subnet pool's prefixes go through SubnetPoolReader's IPSet, which keeps network addresses."""

from __future__ import annotations

from tests.api.test_network_core import NET, fault, net, port
from tests.conftest import Api


async def test_subnet_cidr_with_host_bits_is_kept(api: Api) -> None:
    n = await net(api)
    s = (await api.ok("POST", f"{NET}/subnets", 201, json={"subnet": {
        "network_id": n["id"], "cidr": "10.99.99.0/16", "ip_version": 4}}))["subnet"]
    assert s["cidr"] == "10.99.99.0/16"
    assert s["gateway_ip"] == "10.99.0.1"
    assert s["allocation_pools"] == [{"start": "10.99.0.2", "end": "10.99.255.254"}]
    got = (await api.ok("GET", f"{NET}/subnets/{s['id']}"))["subnet"]
    assert got["cidr"] == "10.99.99.0/16"
    listed = (await api.ok("GET", f"{NET}/subnets?cidr=10.99.99.0/16"))["subnets"]
    assert [x["id"] for x in listed] == [s["id"]]
    p = await port(api, n["id"], fixed_ips=[{"ip_address": "10.99.200.7"}])
    assert p["fixed_ips"][0]["subnet_id"] == s["id"]
    # the range is the /16's: an overlapping subnet is refused
    r = await api.req("POST", f"{NET}/subnets", json={"subnet": {
        "network_id": n["id"], "cidr": "10.99.1.0/24", "ip_version": 4}})
    fault(r, 400, "InvalidInput")


async def test_subnet_v6_cidr_canonical_and_bad_forms(api: Api) -> None:
    n = await net(api)
    s = (await api.ok("POST", f"{NET}/subnets", 201, json={"subnet": {
        "network_id": n["id"], "cidr": "2001:DB8:0:0::1/64", "ip_version": 6}}))["subnet"]
    assert s["cidr"] == "2001:db8::1/64"
    assert s["gateway_ip"] == "2001:db8::1"
    for bad in ("10/24", "10.0.2.0.0/24", "invalid"):
        r = await api.req("POST", f"{NET}/subnets", json={"subnet": {
            "network_id": n["id"], "cidr": bad, "ip_version": 4}})
        body = fault(r, 400, "HTTPBadRequest")
        assert f"'{bad}' is not a valid IP subnet" in body["message"], body


async def test_subnetpool_prefix_with_host_bits(api: Api) -> None:
    pool = (await api.ok("POST", f"{NET}/subnetpools", 201, json={"subnetpool": {
        "name": "p", "prefixes": ["10.98.98.0/16"], "min_prefixlen": 24}}))["subnetpool"]
    assert pool["prefixes"] == ["10.98.0.0/16"]
    n = await net(api)
    s = (await api.ok("POST", f"{NET}/subnets", 201, json={"subnet": {
        "network_id": n["id"], "cidr": "10.98.7.9/24", "ip_version": 4,
        "subnetpool_id": pool["id"]}}))["subnet"]
    assert s["cidr"] == "10.98.7.9/24" and s["gateway_ip"] == "10.98.7.1"
