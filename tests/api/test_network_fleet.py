"""Networks across hosts, controller side: each host's own desired state (its ports, the
VXLAN peers per network, no router or DHCP server off the network node), and the network
fleet that registers the hosts' network agents from their beats and drives each one over the
bus (in-process here, the same messages as over RabbitMQ)."""

from __future__ import annotations

import asyncio
from typing import Any

from nubo.core.bus import InProcessBus
from nubo.network.agent.dataplane.base import DHCP_OWNER, HostSpec
from nubo.network.agent.dataplane.fake import FakeDataplane
from nubo.network.agent.manager import NetworkAgent
from nubo.network.service.agents import beat_agents
from nubo.network.service.hostsync.desired import build_desired
from nubo.network.service.hostsync.fleet import NetworkFleet
from tests.api.test_network_core import NET, net, subnet
from tests.api.test_network_vxlan_peers import bound
from tests.conftest import Api


async def routed_net(api: Api, cidr: str) -> tuple[dict[str, Any], str]:
    """A VXLAN network with a subnet on a router with a gateway to `public`."""
    n = await net(api)
    s = await subnet(api, n["id"], cidr)
    public = (await api.ok("GET", f"{NET}/networks?name=public"))["networks"][0]["id"]
    r = (await api.ok("POST", f"{NET}/routers", 201, json={"router": {
        "name": "r", "external_gateway_info": {"network_id": public}}}))["router"]
    await api.ok("PUT", f"{NET}/routers/{r['id']}/add_router_interface", 200,
                 json={"subnet_id": s["id"]})
    return n, r["id"]


async def test_each_host_gets_its_own_part(api: Api) -> None:
    db = api.node.controller.db
    for host, ip, node in (("h1", "192.0.2.1", False), ("h2", "192.0.2.2", False),
                           ("nn", "192.0.2.9", True)):
        await beat_agents(db, host, tunneling_ip=ip, network_node=node, dataplane="linux")
    n1, rid = await routed_net(api, "10.91.0.0/24")
    n2 = await net(api)                 # no router: only the hosts with ports on it
    await subnet(api, n2["id"], "10.92.0.0/24")
    p1 = await bound(api, n1["id"], "h1", device_id="vm-1")
    p2 = await bound(api, n1["id"], "h2", device_id="vm-2")
    await bound(api, n2["id"], "h1")

    h1 = await build_desired(db, ["h1"], network_node="nn")
    assert h1.routers == () and h1.floating_ips == ()
    assert {p.binding_host for p in h1.ports} == {"h1"}
    assert not [p for p in h1.ports if p.device_owner == DHCP_OWNER]
    # n1 floods to h2 (a guest) and to the network node (the router); n2 to nobody
    assert h1.hosts == (HostSpec("h2", "192.0.2.2", (n1["id"],)),
                        HostSpec("nn", "192.0.2.9", (n1["id"],)))
    assert h1.remote_ports == ()

    nn = await build_desired(db, ["nn"], network_node="nn")
    assert rid in [r.id for r in nn.routers]
    assert n1["id"] in {n.id for n in nn.networks}
    assert nn.hosts == (HostSpec("h1", "192.0.2.1", (n1["id"],)),
                        HostSpec("h2", "192.0.2.2", (n1["id"],)))
    # its DHCP servers and metadata agent know the other hosts' ports on its networks
    assert {p.id for p in nn.remote_ports if p.network_id == n1["id"]} == {p1["id"], p2["id"]}
    assert not {p.id for p in nn.remote_ports} & {p.id for p in nn.ports}
    agent = NetworkAgent("nn", FakeDataplane(), InProcessBus())
    agent.desired = nn
    assert agent.instance_of(p1["fixed_ips"][0]["ip_address"], None, rid) == (
        "vm-1", p1["project_id"])

    # a port goes: the peer goes from the other hosts' lists
    await api.ok("DELETE", f"{NET}/ports/{p2['id']}", 204)
    assert [h.name for h in (await build_desired(db, ["h1"], network_node="nn")).hosts] \
        == ["nn"]


async def test_agent_rows_follow_the_beats(api: Api) -> None:
    db = api.node.controller.db
    await beat_agents(db, "c1", tunneling_ip="192.0.2.5", network_node=True,
                      dataplane="linux")
    agents = (await api.ok("GET", f"{NET}/agents?host=c1"))["agents"]
    assert len(agents) == 4 and all(a["alive"] for a in agents)
    # the same beat again changes nothing but the heartbeat
    assert not await beat_agents(db, "c1", tunneling_ip="192.0.2.5", network_node=True,
                                 dataplane="linux")
    # no longer the network node: its DHCP, L3 and metadata agents go
    assert await beat_agents(db, "c1", tunneling_ip="192.0.2.5", network_node=False,
                             dataplane="linux")
    [bridge] = (await api.ok("GET", f"{NET}/agents?host=c1"))["agents"]
    assert bridge["agent_type"] == "Linux bridge agent"
    assert bridge["configurations"]["tunneling_ip"] == "192.0.2.5"
    assert bridge["configurations"]["dataplane"] == "linux"


async def test_fleet_drives_each_host_over_the_bus(api: Api) -> None:
    db = api.node.controller.db
    bus = InProcessBus()

    async def vif(instance: str, port: str, status: str) -> None:
        pass

    fleet = NetworkFleet(db, bus, on_vif_event=vif, period=3600)
    await fleet.start()
    planes: dict[str, FakeDataplane] = {}
    agents: dict[str, NetworkAgent] = {}
    for host, ip, node in (("a1", "198.51.100.1", False), ("a2", "198.51.100.2", False),
                           ("nn1", "198.51.100.9", True)):
        planes[host] = FakeDataplane()
        agents[host] = NetworkAgent(host, planes[host], bus, beat=3600, identity={
            "dataplane": "linux", "vtep_ip": ip, "network_node": node})
        bus.register(agents[host].address, agents[host])
    try:
        n1, rid = await routed_net(api, "10.93.0.0/24")
        p1 = await bound(api, n1["id"], "a1", device_id="vm-a1")
        for agent in agents.values():
            await agent.start()         # the first beat registers the host
        for _ in range(50):
            await asyncio.sleep(0.05)
            if len(fleet.syncs) == 3:
                break
        assert sorted(fleet.syncs) == ["a1", "a2", "nn1"]
        assert fleet.network_node == "nn1"
        await fleet.settle()
        assert set(planes["a1"].taps) == {p1["id"]}
        assert planes["a2"].taps == {}
        assert planes["a1"].routers == set() and planes["a1"].dhcp == set()
        assert rid in planes["nn1"].routers and n1["id"] in planes["nn1"].dhcp
        assert [h.name for h in agents["a1"].desired.hosts] == ["nn1"]
        assert all(sync.last and not sync.last.errors for sync in fleet.syncs.values())
        # a port on a2: a1 and the network node flood to it too
        p2 = await bound(api, n1["id"], "a2", device_id="vm-a2")
        await fleet.settle()
        await fleet.settle()
        assert set(planes["a2"].taps) == {p2["id"]}
        assert [h.name for h in agents["a1"].desired.hosts] == ["a2", "nn1"]
        assert [(h.name, h.vtep_ip) for h in agents["nn1"].desired.hosts] == [
            ("a1", "198.51.100.1"), ("a2", "198.51.100.2")]
        hosts = {a["host"] for a in (await api.ok("GET", f"{NET}/agents"))["agents"]
                 if a["agent_type"] == "Linux bridge agent" and a["alive"]}
        assert {"a1", "a2", "nn1"} <= hosts
    finally:
        for agent in agents.values():
            await agent.stop()
        await fleet.stop()



async def test_noop_hosts_are_recorded_not_driven(api: Api) -> None:
    """`nubo controller --network noop`: the agents' beats show them in the agent list; no
    host is sent a desired state."""
    bus = InProcessBus()
    fleet = NetworkFleet(api.node.controller.db, bus, on_vif_event=None)
    await fleet.start()
    agent = NetworkAgent("q1", FakeDataplane(), bus, beat=3600, identity={
        "dataplane": "noop", "vtep_ip": None, "network_node": False})
    try:
        await agent.start()
        for _ in range(50):
            await asyncio.sleep(0.05)
            if (await api.ok("GET", f"{NET}/agents?host=q1"))["agents"]:
                break
        [row] = (await api.ok("GET", f"{NET}/agents?host=q1"))["agents"]
        assert row["alive"] and row["configurations"]["dataplane"] == "noop"
        assert "tunneling_ip" not in row["configurations"]
        assert fleet.syncs == {} and fleet.state == "off"
        assert agent.applied is None
    finally:
        await agent.stop()
        await fleet.stop()


async def test_a_silent_host_is_no_longer_driven_until_it_beats_again(api: Api) -> None:
    bus = InProcessBus()

    async def vif(instance: str, port: str, status: str) -> None:
        pass

    fleet = NetworkFleet(api.node.controller.db, bus, on_vif_event=vif, period=3600,
                         down_after=0.5)
    await fleet.start()
    plane = FakeDataplane()
    agent = NetworkAgent("s1", plane, bus, beat=3600, identity={
        "dataplane": "linux", "vtep_ip": "198.51.100.7", "network_node": False})
    bus.register(agent.address, agent)
    try:
        await agent.start()
        for _ in range(50):
            await asyncio.sleep(0.05)
            if "s1" in fleet.syncs and fleet.syncs["s1"].rounds:
                break
        assert fleet.syncs["s1"].rounds
        await agent.stop()      # silent from now on
        for _ in range(50):
            await asyncio.sleep(0.1)
            if not fleet.syncs:
                break
        assert fleet.syncs == {}
        await agent.start()     # back: driven again, from a full round
        for _ in range(50):
            await asyncio.sleep(0.05)
            if "s1" in fleet.syncs and fleet.syncs["s1"].rounds:
                break
        assert fleet.syncs["s1"].last is not None and fleet.syncs["s1"].last.full
    finally:
        await agent.stop()
        await fleet.stop()


async def test_a_restarted_agent_gets_a_full_round_at_once(api: Api) -> None:
    bus = InProcessBus()

    async def vif(instance: str, port: str, status: str) -> None:
        pass

    fleet = NetworkFleet(api.node.controller.db, bus, on_vif_event=vif, period=3600)
    await fleet.start()

    def agent_of(start: str) -> NetworkAgent:
        agent = NetworkAgent("r1", FakeDataplane(), bus, beat=3600, identity={
            "dataplane": "linux", "vtep_ip": "198.51.100.8", "network_node": False,
            "instance": start})
        bus.register(agent.address, agent)
        return agent

    first = agent_of("start-1")
    second: NetworkAgent | None = None
    try:
        await first.start()
        for _ in range(50):
            await asyncio.sleep(0.05)
            if "r1" in fleet.syncs and fleet.syncs["r1"].rounds:
                break
        sync = fleet.syncs["r1"]
        await fleet.settle()
        await first.stop()
        rounds = sync.rounds
        await first.start()         # the same start beating again: nothing to do
        await asyncio.sleep(0.3)
        assert sync.rounds == rounds
        await first.stop()
        second = agent_of("start-2")    # a new process: its host's state at once, in full
        await second.start()
        for _ in range(50):
            await asyncio.sleep(0.05)
            if sync.rounds > rounds:
                break
        assert sync.rounds > rounds and sync.last is not None and sync.last.full
        assert second.applied is not None
    finally:
        for a in (first, second):
            if a is not None:
                await a.stop()
        await fleet.stop()
