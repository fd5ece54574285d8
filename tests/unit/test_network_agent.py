"""The network agent's side of the bus: the desired state crosses as JSON unchanged, the
agent applies it and reports port status and health up, and its metadata agent names and
signs the instance owning a guest's address."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from nubo.core.bus import InProcessBus
from nubo.network import rpc
from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    AddressPair,
    DesiredState,
    DhcpOption,
    FixedIp,
    FloatingSpec,
    HostRoute,
    HostSpec,
    NetworkSpec,
    PortSpec,
    RouterGatewaySpec,
    RouterInterfaceSpec,
    RouterSpec,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
    SubnetSpec,
)
from nubo.network.agent.dataplane.fake import FakeDataplane
from nubo.network.agent.manager import NetworkAgent
from nubo.network.agent.metadata_agent import MetadataAgent

SUBNET = SubnetSpec("s1", "10.0.0.0/24", "10.0.0.1", dns_nameservers=("192.0.2.53",),
                    host_routes=(HostRoute("10.9.0.0/16", "10.0.0.254"),))
NET = NetworkSpec("n1", "vlan", 100, "public", 1500, (SUBNET,), external=False)
EXT = NetworkSpec("ext", "flat", None, "public", 1500,
                  (SubnetSpec("s2", "172.24.4.0/24", "172.24.4.1"),), external=True)
VM = PortSpec("p1", "n1", "fa:16:3e:00:00:01", (FixedIp("s1", "10.0.0.5"),),
              "compute:nova", ("sg1",), True,
              (AddressPair("10.0.0.100/32"), AddressPair("10.0.0.101", "fa:16:3e:00:00:09")),
              "h1", True, (DhcpOption("mtu", "1400"), DhcpOption("26", "1400", 6)),
              device_id="vm-1", project_id="proj-1")
DHCP = PortSpec("d1", "n1", "fa:16:3e:00:00:02", (FixedIp("s1", "10.0.0.2"),), DHCP_OWNER,
                binding_host="h1", device_id="dhcp-n1", project_id="proj-1")
ROUTER = RouterSpec("r1", RouterGatewaySpec("g1", "ext", "172.24.4.0/24", "172.24.4.10",
                                            "172.24.4.1", True, "fa:16:3e:00:00:03", "scope"),
                    (RouterInterfaceSpec("i1", "n1", "10.0.0.0/24", "10.0.0.1"),),
                    (HostRoute("10.8.0.0/16", "10.0.0.253"),))
STATE = DesiredState(
    networks=(NET, EXT), ports=(VM, DHCP),
    security_groups=(SecurityGroupSpec("sg1", (
        SecurityGroupRuleSpec("r1", "ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0"),
        SecurityGroupRuleSpec("r2", "egress", "IPv6", None, remote_group_id="sg1")),
        ("10.0.0.77",)),),
    routers=(ROUTER,),
    floating_ips=(FloatingSpec("172.24.4.20", "10.0.0.5", "r1"),
                  FloatingSpec("172.24.4.21", "10.0.0.5", "r1", "tcp", 2222, 22)),
    hosts=(HostSpec("h2", "192.0.2.2"),))


def test_desired_state_round_trips_through_json() -> None:
    wire = json.loads(json.dumps(STATE.to_dict(), allow_nan=False))
    back = DesiredState.from_dict(wire)
    assert back == STATE
    assert isinstance(back.ports[0].fixed_ips, tuple)
    assert isinstance(back.routers[0].gateway, RouterGatewaySpec)
    assert back.ports[0].allowed_address_pairs[1].mac_address == "fa:16:3e:00:00:09"
    assert DesiredState.from_dict({}) == DesiredState()
    # a newer controller's extra keys are ignored; an older one's missing keys default
    wire["ports"][0]["newer_field"] = 1
    del wire["ports"][0]["project_id"]
    assert DesiredState.from_dict(wire).ports[0] == PortSpec(**{
        **VM.__dict__, "project_id": ""})


class Reports:
    def __init__(self, bus: InProcessBus) -> None:
        self.seen: list[tuple[str, str, dict[str, Any]]] = []
        for event in (rpc.PORT_STATUS, rpc.NETWORK_HEALTH):
            bus.on(event, self._handler(event))

    def _handler(self, event: str) -> Any:
        async def handle(host: str, **args: Any) -> None:
            self.seen.append((host, event, args))
        return handle


async def test_agent_applies_over_the_bus_and_reports_up() -> None:
    bus = InProcessBus()
    reports = Reports(bus)
    dp = FakeDataplane()
    agent = NetworkAgent("h1", dp, bus)
    bus.register(agent.address, agent)
    assert agent.address == "h1:network"
    reply = await bus.call("h1:network", rpc.APPLY_DESIRED, state=STATE.to_dict(), full=False)
    assert reply == {"full": True, "errors": []}        # the first round reconciles
    assert agent.desired == STATE and "p1" in dp.taps
    [(host, event, status), (_, health, report)] = reports.seen
    assert (host, event, health) == ("h1:network", rpc.PORT_STATUS, rpc.NETWORK_HEALTH)
    assert sorted(status["up"]) == ["d1", "p1"] and sorted(status["present"]) == ["d1", "p1"]
    assert report == {"errors": []}

    # the next round is a diff; a failing step is reported up as the agent's health
    dp.faults["ensure_dhcp"] = "dnsmasq: Permission denied"
    down = STATE.__class__(**{**STATE.__dict__, "ports": (VM, DHCP.__class__(**{
        **DHCP.__dict__, "fixed_ips": (FixedIp("s1", "10.0.0.3"),)}))})
    reports.seen.clear()
    reply = await bus.call("h1:network", rpc.APPLY_DESIRED, state=down.to_dict())
    assert reply["full"] is False and any("Permission denied" in e for e in reply["errors"])
    [(_, _, status), (_, _, report)] = reports.seen
    assert status["up"] == []           # DHCP does not serve what is desired: not up
    assert report["errors"] == reply["errors"]


def test_metadata_agent_names_and_signs_the_instance(tmp_path: Path) -> None:
    agent = NetworkAgent("h1", FakeDataplane(), InProcessBus())
    agent.desired = STATE
    assert agent.instance_of("10.0.0.5", "n1", None) == ("vm-1", "proj-1")
    assert agent.instance_of("10.0.0.5", None, "r1") == ("vm-1", "proj-1")   # via the router
    assert agent.instance_of("10.0.0.2", "n1", None) is None     # the DHCP port: no instance
    assert agent.instance_of("10.0.0.5", "other", None) is None
    meta = MetadataAgent(agent.instance_of, "http://127.0.0.1:8080/metadata", b"sec",
                         tmp_path / "m.sock")
    head = (b"GET /openstack/latest/meta_data.json HTTP/1.1\r\nHost: 169.254.169.254\r\n"
            b"Accept: */*\r\nX-Instance-ID: forged\r\nX-Forwarded-For: 10.0.0.5\r\n"
            b"X-Neutron-Network-ID: n1")
    out = meta.rewrite(head)
    assert out is not None
    lines = out.decode().split("\r\n")
    assert lines[0] == "GET /metadata/openstack/latest/meta_data.json HTTP/1.1"
    sig = hmac.new(b"sec", b"vm-1", hashlib.sha256).hexdigest()
    assert {"Host: 127.0.0.1:8080", "Accept: */*", "X-Forwarded-For: 10.0.0.5",
            "X-Instance-ID: vm-1", "X-Tenant-ID: proj-1", f"X-Instance-ID-Signature: {sig}",
            "Connection: close"} == {x for x in lines[1:] if x}
    assert "X-Instance-ID: forged" not in lines
    # an address no instance owns on that network is not forwarded
    assert meta.rewrite(head.replace(b"10.0.0.5", b"10.0.0.6")) is None


def test_the_network_agent_imports_no_database_code() -> None:
    """What a host runs for networking loads neither SQLAlchemy nor the service layer."""
    import subprocess
    import sys
    code = ("import sys, nubo.network.agent.manager, nubo.network.agent.metadata_agent, "
            "nubo.network.agent.dataplane.linux.driver, nubo.network.agent.dataplane.fake\n"
            "print([m for m in sys.modules if m.startswith(('sqlalchemy', 'nubo.core.db', "
            "'starlette')) or (m.startswith('nubo.') and ('models' in m or '.service' in m))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
