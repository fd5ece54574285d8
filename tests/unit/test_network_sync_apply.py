"""The sync's diff: which dataplane calls a change between two desired states makes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from nubo.config import Settings
from nubo.network.agent import wiring
from nubo.network.agent.apply import Applied, apply_diff
from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    DataplaneError,
    DesiredState,
    FixedIp,
    FloatingSpec,
    HostSpec,
    NetworkSpec,
    PortSpec,
    ReconcileReport,
    RouterGatewaySpec,
    RouterInterfaceSpec,
    RouterSpec,
    SecurityGroupRuleSpec,
    SecurityGroupSpec,
    SubnetSpec,
)


class Recorder:
    """A dataplane that records every call; `fail` names calls that raise."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail: set[tuple[str, str]] = set()

    def _rec(self, name: str, key: str) -> None:
        self.calls.append((name, key))
        if (name, key) in self.fail:
            raise DataplaneError(f"{name} {key} broke")

    async def set_hosts(self, hosts: Sequence[HostSpec]) -> None:
        self._rec("set_hosts", ",".join(h.name for h in hosts))

    async def ensure_network(self, net: NetworkSpec) -> None:
        self._rec("ensure_network", net.id)

    async def delete_network(self, network_id: str) -> None:
        self._rec("delete_network", network_id)

    async def plug_port(self, port: PortSpec) -> str:
        self._rec("plug_port", port.id)
        return "tap" + port.id[:11]

    async def unplug_port(self, port_id: str) -> None:
        self._rec("unplug_port", port_id)

    async def apply_security_groups(self, ports: Sequence[PortSpec],
                                    groups: Sequence[SecurityGroupSpec]) -> None:
        self._rec("apply_security_groups", ",".join(sorted(p.id for p in ports)))

    async def ensure_dhcp(self, net: NetworkSpec, ports: Sequence[PortSpec]) -> None:
        self._rec("ensure_dhcp", net.id)

    async def ensure_router(self, router: RouterSpec) -> None:
        self._rec("ensure_router", router.id)

    async def delete_router(self, router_id: str) -> None:
        self._rec("delete_router", router_id)

    async def set_floating_ips(self, router_id: str, floats: Sequence[FloatingSpec]) -> None:
        self._rec("set_floating_ips", f"{router_id}:{','.join(f.floating_ip for f in floats)}")

    async def reconcile(self, desired: DesiredState) -> ReconcileReport:
        self._rec("reconcile", "")
        return ReconcileReport()

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


SUB = SubnetSpec("sub-a", "10.0.0.0/24", "10.0.0.1")
NET = NetworkSpec("net-a", "vxlan", 7, subnets=(SUB,))
PUB_SUB = SubnetSpec("sub-pub", "172.24.4.0/24", "172.24.4.1", enable_dhcp=False)
PUB = NetworkSpec("net-pub", "flat", None, "public", 1500, (PUB_SUB,), external=True)
DHCP = PortSpec("port-dhcp", NET.id, "fa:16:3e:00:00:01", (FixedIp(SUB.id, "10.0.0.2"),),
                DHCP_OWNER, port_security_enabled=False, binding_host="h1")
SG = SecurityGroupSpec("sg-1", (SecurityGroupRuleSpec("r-1", "egress"),))
VM = PortSpec("port-vm", NET.id, "fa:16:3e:00:00:02", (FixedIp(SUB.id, "10.0.0.5"),),
              "compute:nova", (SG.id,), binding_host="h1")
GW = RouterGatewaySpec("port-gw", PUB.id, PUB_SUB.cidr, "172.24.4.10", "172.24.4.1")
RI_PORT = PortSpec("port-ri", NET.id, "fa:16:3e:00:00:03", (FixedIp(SUB.id, "10.0.0.1"),),
                   "network:router_interface")
BASE = DesiredState(networks=(NET,), ports=(DHCP,))


async def applied_for(dp: Recorder, desired: DesiredState) -> Applied:
    """The record after `desired` was applied from nothing, with the calls forgotten."""
    a = await apply_diff(dp, Applied(), desired)
    assert a.errors == []
    dp.calls.clear()
    return a


async def test_from_nothing_every_item_is_ensured_once() -> None:
    dp = Recorder()
    a = await apply_diff(dp, Applied(), BASE)
    assert dp.calls == [("set_hosts", ""), ("ensure_network", NET.id),
                        ("apply_security_groups", DHCP.id), ("ensure_dhcp", NET.id)]
    dp.calls.clear()
    assert await apply_diff(dp, a, BASE) == a       # nothing changed: no call
    assert dp.calls == []


async def test_port_create_plugs_filters_and_serves_dhcp() -> None:
    dp = Recorder()
    a = await applied_for(dp, BASE)
    new = replace(BASE, ports=(DHCP, VM), security_groups=(SG,))
    a = await apply_diff(dp, a, new)
    assert dp.calls == [("plug_port", VM.id), ("apply_security_groups", f"{DHCP.id},{VM.id}"),
                        ("ensure_dhcp", NET.id)]
    assert a.ports == {VM.id: VM}
    dp.calls.clear()
    # port delete: unplugged, the filter and DHCP forget it; the network stays (DHCP port)
    await apply_diff(dp, a, BASE)
    assert dp.calls == [("unplug_port", VM.id), ("apply_security_groups", DHCP.id),
                        ("ensure_dhcp", NET.id)]


async def test_security_group_rule_add_reapplies_only_the_filter() -> None:
    dp = Recorder()
    before = replace(BASE, ports=(DHCP, VM), security_groups=(SG,))
    a = await applied_for(dp, before)
    rule = SecurityGroupRuleSpec("r-2", "ingress", protocol="icmp")
    after = replace(before, security_groups=(replace(SG, rules=(*SG.rules, rule)),))
    await apply_diff(dp, a, after)
    assert dp.calls == [("apply_security_groups", f"{DHCP.id},{VM.id}")]


async def test_router_interface_add_ensures_the_router_and_dhcp_sees_it() -> None:
    dp = Recorder()
    a = await applied_for(dp, replace(BASE, networks=(NET, PUB)))
    router = RouterSpec("r1", GW)
    a = await apply_diff(dp, a, replace(BASE, networks=(NET, PUB), routers=(router,)))
    assert ("ensure_router", "r1") in dp.calls
    dp.calls.clear()
    itf = RouterInterfaceSpec(RI_PORT.id, NET.id, SUB.cidr, "10.0.0.1", RI_PORT.mac_address)
    with_itf = DesiredState(networks=(NET, PUB), ports=(DHCP, RI_PORT),
                            routers=(replace(router, interfaces=(itf,)),))
    a = await apply_diff(dp, a, with_itf)
    # the router port is the router's veth, never plugged on its own; DHCP learns the
    # network has a router (no more metadata route through the DHCP port)
    assert "plug_port" not in dp.names()
    assert ("ensure_router", "r1") in dp.calls and ("ensure_dhcp", NET.id) in dp.calls
    dp.calls.clear()
    # floating IP associate: only the router's floating IPs are replaced
    fip = FloatingSpec("172.24.4.20", "10.0.0.5", "r1")
    a = await apply_diff(dp, a, replace(with_itf, floating_ips=(fip,)))
    assert dp.calls == [("set_floating_ips", "r1:172.24.4.20")]
    dp.calls.clear()
    # router gone: deleted before anything else
    await apply_diff(dp, a, replace(BASE, networks=(NET, PUB)))
    assert dp.calls[0] == ("delete_router", "r1")


async def test_network_delete_after_its_ports() -> None:
    dp = Recorder()
    a = await applied_for(dp, replace(BASE, ports=(DHCP, VM), security_groups=(SG,)))
    await apply_diff(dp, a, DesiredState())
    assert dp.calls == [("unplug_port", VM.id), ("apply_security_groups", ""),
                        ("delete_network", NET.id)]


async def test_a_failure_is_retried_next_round_and_blocks_no_other() -> None:
    dp = Recorder()
    other_sub = SubnetSpec("sub-b", "10.1.0.0/24", enable_dhcp=False)
    other = NetworkSpec("net-b", "vxlan", 8, subnets=(other_sub,))
    vm_b = PortSpec("port-vb", other.id, "fa:16:3e:00:00:09", (FixedIp("sub-b", "10.1.0.5"),),
                    "compute:nova", binding_host="h1")
    want = DesiredState(networks=(NET, other), ports=(DHCP, VM, vm_b), security_groups=(SG,))
    dp.fail = {("ensure_network", NET.id)}
    a = await apply_diff(dp, Applied(), want)
    assert len(a.errors) == 1 and NET.id in a.errors[0]
    # the other network and its port went ahead; net-a's port waits for its network
    assert ("plug_port", vm_b.id) in dp.calls and ("plug_port", VM.id) not in dp.calls
    assert NET.id not in a.networks and NET.id not in a.dhcp
    dp.fail.clear()
    dp.calls.clear()
    a = await apply_diff(dp, a, want)
    assert a.errors == []
    assert dp.calls[:2] == [("ensure_network", NET.id), ("plug_port", VM.id)]
    assert ("ensure_dhcp", NET.id) in dp.calls and ("plug_port", vm_b.id) not in dp.calls


async def test_a_failed_removal_is_kept_for_the_next_round() -> None:
    dp = Recorder()
    a = await applied_for(dp, replace(BASE, ports=(DHCP, VM), security_groups=(SG,)))
    dp.fail = {("unplug_port", VM.id)}
    a = await apply_diff(dp, a, BASE)
    assert VM.id in a.ports and a.errors
    dp.fail.clear()
    dp.calls.clear()
    a = await apply_diff(dp, a, BASE)
    assert dp.calls == [("unplug_port", VM.id)] and a.ports == {}


def test_network_auto_is_linux_only_with_real_guests_and_tools(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wiring, "linux_unusable", lambda: None)
    auto = Settings(network="auto")
    assert wiring.resolve_network(auto, "fake") == "noop"       # fake hosts: no taps
    assert wiring.resolve_network(auto, "libvirt") == "linux"
    monkeypatch.setattr(wiring, "linux_unusable", lambda: "dnsmasq not found")
    assert wiring.resolve_network(auto, "libvirt") == "noop"
    assert wiring.resolve_network(Settings(network="linux"), "fake") == "linux"
    assert wiring.resolve_network(Settings(network="noop"), "libvirt") == "noop"
