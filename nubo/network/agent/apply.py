"""Apply the difference between the last applied state and the desired one to a dataplane.

`Applied` records what the dataplane was last told and accepted, per item. A call that fails
is logged and its item is left out of (or, for a removal, kept in) the record, so the next
round tries it again; one bad network never stops the others. Removals come first (ports,
routers), then networks, ports, filters, DHCP and routers are ensured, then networks that
nobody wants any more are deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field, replace

from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    Dataplane,
    DesiredState,
    FloatingSpec,
    HostSpec,
    NetworkSpec,
    PortSpec,
    RouterSpec,
    SecurityGroupSpec,
)

LOG = logging.getLogger("nubo.network.agent")

#: What apply_security_groups depends on: every port, every group, the networks (uplinks).
FilterInputs = tuple[tuple[PortSpec, ...], tuple[SecurityGroupSpec, ...],
                     tuple[NetworkSpec, ...]]
#: What ensure_dhcp depends on: the network and its ports.
DhcpInputs = tuple[NetworkSpec, tuple[PortSpec, ...]]


@dataclass
class Applied:
    hosts: tuple[HostSpec, ...] | None = None
    networks: dict[str, NetworkSpec] = field(default_factory=dict)
    ports: dict[str, PortSpec] = field(default_factory=dict)      # plugged devices
    filters: FilterInputs | None = None
    dhcp: dict[str, DhcpInputs] = field(default_factory=dict)
    routers: dict[str, RouterSpec] = field(default_factory=dict)
    floats: dict[str, tuple[FloatingSpec, ...]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, desired: DesiredState) -> Applied:
        """The record after a successful full reconcile of `desired`."""
        a = cls(hosts=desired.hosts, networks={n.id: n for n in desired.networks},
                ports={p.id: p for p in desired.ports if plugged_device(p)},
                filters=filter_inputs(desired))
        for net in desired.networks:
            if serves_dhcp(net, desired.ports):
                a.dhcp[net.id] = dhcp_inputs(net, desired.served_ports)
        for r in desired.routers:
            a.routers[r.id] = r
            a.floats[r.id] = floats_of(desired, r.id)
        return a


def plugged_device(p: PortSpec) -> bool:
    """Ports plugged as their own device; DHCP and router ports are the veths that
    ensure_dhcp and ensure_router make."""
    return not p.device_owner.startswith("network:")


def filter_inputs(d: DesiredState) -> FilterInputs:
    return d.ports, d.security_groups, d.networks


def serves_dhcp(net: NetworkSpec, ports: tuple[PortSpec, ...]) -> bool:
    return any(s.enable_dhcp and s.ip_version == 4 for s in net.subnets) and any(
        p.network_id == net.id and p.device_owner == DHCP_OWNER for p in ports)


def dhcp_inputs(net: NetworkSpec, ports: tuple[PortSpec, ...]) -> DhcpInputs:
    return net, tuple(p for p in ports if p.network_id == net.id)


def floats_of(d: DesiredState, router_id: str) -> tuple[FloatingSpec, ...]:
    return tuple(f for f in d.floating_ips if f.router_id == router_id)


async def _call(applied: Applied, what: str, aw: Awaitable[object]) -> bool:
    try:
        await aw
    except Exception as e:  # noqa: BLE001 - logged; the next round retries
        LOG.warning("network sync: %s failed: %s", what, e)
        applied.errors.append(f"{what}: {e}")
        return False
    return True


async def apply_diff(dp: Dataplane, applied: Applied, desired: DesiredState) -> Applied:
    """Tell `dp` what changed from `applied` to `desired`; returns the new record (its
    `errors` say what failed and stays out of the record)."""
    a = replace(applied, networks=dict(applied.networks), ports=dict(applied.ports),
                dhcp=dict(applied.dhcp), routers=dict(applied.routers),
                floats=dict(applied.floats), errors=[])
    nets = {n.id: n for n in desired.networks}
    ports = {p.id: p for p in desired.ports if plugged_device(p)}
    routers = {r.id: r for r in desired.routers}
    if a.hosts != desired.hosts and await _call(a, "hosts", dp.set_hosts(desired.hosts)):
        a.hosts = desired.hosts
    for pid, old in sorted(a.ports.items()):
        if pid not in ports or ports[pid].network_id != old.network_id:
            if await _call(a, f"unplug port {pid}", dp.unplug_port(pid)):
                del a.ports[pid]
    for rid in sorted(set(a.routers) - set(routers)):
        if await _call(a, f"delete router {rid}", dp.delete_router(rid)):
            a.routers.pop(rid, None)
            a.floats.pop(rid, None)
    for nid, net in sorted(nets.items()):
        if a.networks.get(nid) != net:
            a.networks.pop(nid, None)
            if await _call(a, f"network {nid}", dp.ensure_network(net)):
                a.networks[nid] = net
    for pid, port in sorted(ports.items()):
        if a.ports.get(pid) != port and port.network_id in a.networks:
            a.ports.pop(pid, None)
            if await _call(a, f"plug port {pid}", dp.plug_port(port)):
                a.ports[pid] = port
    await _filters(dp, a, desired)
    await _dhcp(dp, a, desired, nets)
    await _routers(dp, a, desired, routers)
    for nid in sorted(set(a.networks) - set(nets)):
        a.dhcp.pop(nid, None)
        if await _call(a, f"delete network {nid}", dp.delete_network(nid)):
            del a.networks[nid]
    return a


async def _filters(dp: Dataplane, a: Applied, desired: DesiredState) -> None:
    want = filter_inputs(desired)
    if a.filters != want:
        a.filters = None
        if await _call(a, "security groups",
                       dp.apply_security_groups(desired.ports, desired.security_groups)):
            a.filters = want


async def _dhcp(dp: Dataplane, a: Applied, desired: DesiredState,
                nets: dict[str, NetworkSpec]) -> None:
    for nid, net in sorted(nets.items()):
        if nid not in a.networks:
            continue
        if serves_dhcp(net, desired.ports):
            want = dhcp_inputs(net, desired.served_ports)
            if a.dhcp.get(nid) != want:
                a.dhcp.pop(nid, None)
                if await _call(a, f"dhcp {nid}", dp.ensure_dhcp(net, want[1])):
                    a.dhcp[nid] = want
        elif nid in a.dhcp:
            # No DHCP subnet or port left: a network without DHCP subnets stops the server.
            if await _call(a, f"stop dhcp {nid}", dp.ensure_dhcp(NetworkSpec(nid), ())):
                del a.dhcp[nid]


async def _routers(dp: Dataplane, a: Applied, desired: DesiredState,
                   routers: dict[str, RouterSpec]) -> None:
    for rid, router in sorted(routers.items()):
        nets = [i.network_id for i in router.interfaces]
        nets += [router.gateway.network_id] if router.gateway else []
        if any(n not in a.networks for n in nets):
            a.errors.append(f"router {rid}: a network of it is not on this host")
            continue
        if a.routers.get(rid) != router:
            a.routers.pop(rid, None)
            if not await _call(a, f"router {rid}", dp.ensure_router(router)):
                continue
            a.routers[rid] = router
        floats = floats_of(desired, rid)
        if a.floats.get(rid) != floats:
            a.floats.pop(rid, None)
            if await _call(a, f"floating IPs of router {rid}",
                           dp.set_floating_ips(rid, floats)):
                a.floats[rid] = floats
