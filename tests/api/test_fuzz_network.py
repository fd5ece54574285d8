"""Property-based fuzzing of the network API: no body, path or query gets a 500, and every
error is a NeutronError with a type and a message."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nubo.network.api.routes import ROUTES
from tests.api.test_fuzz_identity import FUZZ, _path, _quote, env, json_values, segments

__all__ = ["env"]   # the module-scoped node fixture, shared

KEYS = ["network", "subnet", "port", "quota", "agent", "tags", "name", "network_id",
        "subnet_id", "cidr", "ip_version", "gateway_ip", "allocation_pools", "start", "end",
        "fixed_ips", "ip_address", "mac_address", "shared", "router:external",
        "provider:network_type", "provider:physical_network", "provider:segmentation_id",
        "admin_state_up", "dns_nameservers", "host_routes", "destination", "nexthop",
        "enable_dhcp", "security_groups", "allowed_address_pairs", "binding:host_id",
        "binding:profile", "binding:vnic_type", "port_security_enabled", "mtu", "description",
        "project_id", "device_owner", "ipv6_address_mode", "ipv6_ra_mode", "port", "subnet",
        "subnetpool", "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen",
        "is_default", "default_quota", "subnetpool_id", "prefixlen", "use_default_subnetpool"]
VALUES = json_values | st.sampled_from(
    ["10.0.0.0/24", "10.0.0.5", "fd00::/64", "vxlan", "flat", "vlan", "fa:16:3e:00:00:01",
     "network:dhcp", "slaac", ["10.0.0.0/8"], ["fd00::/48", "10.0.0.0/8"], 24, 2**40]
) | st.lists(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=3), max_size=3)
bodies = json_values | st.dictionaries(
    st.sampled_from(KEYS), VALUES | st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6),
    max_size=3)
QUERY = ["limit", "marker", "name", "status", "sort_key", "sort_dir", "fields", "page_reverse",
         "tags", "tags-any", "not-tags", "shared", "router:external", "network_id",
         "fixed_ips", "id", "bogus"]


@pytest.fixture(scope="module")
def ids(env: dict[str, Any]) -> list[str]:
    async def fetch() -> list[str]:
        h = {"X-Auth-Token": env["token"]}
        out: list[str] = []
        for coll in ("networks", "subnets", "ports", "agents"):
            r = await env["client"].get(f"/networking/v2.0/{coll}", headers=h)
            out += [x["id"] for x in r.json()[coll]]
        return out
    found: list[str] = env["loop"].run_until_complete(fetch())
    return found + ["networks", "subnets", "ports"]


@FUZZ
@given(route=st.sampled_from(ROUTES), data=st.data(),
       query=st.dictionaries(st.sampled_from(QUERY), st.text(max_size=20), max_size=3))
def test_network_never_500(env: dict[str, Any], ids: list[str], route: Any, data: Any,
                           query: dict[str, str]) -> None:
    values = [_quote(data.draw(st.sampled_from(ids) | segments))
              for _ in range(route.path.count("{"))]
    url = "/networking" + _path(route.path, values)
    body = data.draw(bodies) if route.method in ("POST", "PUT") else None

    async def go() -> httpx.Response:
        return await env["client"].request(route.method, url, params=query, json=body,
                                           headers={"X-Auth-Token": env["token"]})
    r = env["loop"].run_until_complete(go())
    assert r.status_code < 500, f"{route.method} {url} {query} {body}: {r.status_code} {r.text}"
    if r.status_code >= 400 and route.method != "HEAD" and r.content:
        fault = r.json()["NeutronError"]
        assert fault["type"] and fault["message"] and fault["detail"] == ""
