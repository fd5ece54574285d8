"""Multi-host desired state: the VXLAN peers a host floods to (other hosts' Linux bridge
agents' `tunneling_ip`, only hosts with ports on the same VXLAN networks) and remote-group
members bound to other hosts, read from the real tables through the API."""

from __future__ import annotations

from typing import Any

from nubo.network.agent.dataplane.base import HostSpec
from nubo.network.agent.dataplane.linux.render_nft import render_filter
from nubo.network.api.handlers.agents import ensure_agents
from nubo.network.service.hostsync.desired import build_desired
from tests.api.test_network_core import NET, net, subnet
from tests.conftest import Api


async def bound(api: Api, network_id: str, host: str, **kw: Any) -> dict[str, Any]:
    return (await api.ok("POST", f"{NET}/ports", 201, json={"port": {
        "network_id": network_id, "binding:host_id": host, "device_owner": "compute:nova",
        **kw}}))["port"]


async def test_peers_are_hosts_sharing_a_vxlan_network(api: Api) -> None:
    db = api.node.controller.db
    await ensure_agents(db, "h1", "192.0.2.1")
    await ensure_agents(db, "h2", "192.0.2.2")
    await ensure_agents(db, "h3", "192.0.2.3")
    await ensure_agents(db, "h4", "192.0.2.4")      # no ports anywhere
    await ensure_agents(db, "h5")                    # a port on n1, but no tunnel endpoint
    n1, n2 = await net(api), await net(api)
    assert n1["provider:network_type"] == "vxlan"
    for n, cidr in ((n1, "10.81.0.0/24"), (n2, "10.82.0.0/24")):
        await subnet(api, n["id"], cidr)
    await bound(api, n1["id"], "h1")
    await bound(api, n1["id"], "h2")
    await bound(api, n2["id"], "h3")                # not on a network h1 carries
    await bound(api, n1["id"], "h5")
    desired = await build_desired(db, ["h1"])
    assert desired.hosts == (HostSpec("h2", "192.0.2.2", (n1["id"],)),)
    # h3 carries n2 only: it floods to nobody yet; once h1 joins n2, to h1
    assert (await build_desired(db, ["h3"])).hosts == ()
    await bound(api, n2["id"], "h1")
    assert (await build_desired(db, ["h3"])).hosts == (HostSpec("h1", "192.0.2.1", (n2["id"],)),)
    assert (await build_desired(db, ["h1"])).hosts == (HostSpec("h2", "192.0.2.2", (n1["id"],)),
                                                       HostSpec("h3", "192.0.2.3", (n2["id"],)))
    # a host's endpoint moves: the agents say so on the next start
    await ensure_agents(db, "h2", "192.0.2.22")
    assert HostSpec("h2", "192.0.2.22", (n1["id"],)) in (await build_desired(db, ["h1"])).hosts
    agents = (await api.ok("GET", f"{NET}/agents?host=h2"))["agents"]
    bridge = next(a for a in agents if a["agent_type"] == "Linux bridge agent")
    assert bridge["configurations"]["tunneling_ip"] == "192.0.2.22"


async def test_remote_group_members_on_other_hosts(api: Api) -> None:
    n = await net(api)
    await subnet(api, n["id"], "10.83.0.0/24")
    sg = {}
    for name in ("web", "db"):
        sg[name] = (await api.ok("POST", f"{NET}/security-groups", 201, json={
            "security_group": {"name": name}}))["security_group"]["id"]
    await api.ok("POST", f"{NET}/security-group-rules", 201, json={"security_group_rule": {
        "security_group_id": sg["db"], "direction": "ingress", "ethertype": "IPv4",
        "remote_group_id": sg["web"]}})
    local = await bound(api, n["id"], "h1", security_groups=[sg["db"]])
    far = await bound(api, n["id"], "h2", security_groups=[sg["web"]],
                      allowed_address_pairs=[{"ip_address": "10.83.0.200"}])
    unbound = (await api.ok("POST", f"{NET}/ports", 201, json={"port": {
        "network_id": n["id"], "security_groups": [sg["web"]]}}))["port"]
    desired = await build_desired(api.node.controller.db, ["h1"])
    groups = {g.id: g for g in desired.security_groups}
    far_ip = far["fixed_ips"][0]["ip_address"]
    assert set(groups[sg["web"]].remote_members) == {far_ip, "10.83.0.200"}
    assert unbound["fixed_ips"][0]["ip_address"] not in groups[sg["web"]].remote_members
    assert groups[sg["db"]].remote_members == ()
    assert [p.id for p in desired.ports if p.id in (local["id"], far["id"])] == [local["id"]]
    doc = render_filter(desired.ports, desired.security_groups, table="t")
    [members] = [c["add"]["set"] for c in doc["nftables"]
                 if c.get("add", {}).get("set", {}).get("name") == f"g4-{sg['web']}"]
    assert far_ip in members["elem"] and "10.83.0.200" in members["elem"]
