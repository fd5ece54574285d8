"""Bridges, segment devices, veths, namespaces and addresses rendered as a list of operations.

Each operation states a desired fact ("this bridge exists and is up", "these are exactly the
addresses of that interface"), so applying a list twice changes nothing the second time.
`netns=None` means the dataplane's host namespace (the real host, or a test's sandbox).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from nubo.network.agent.dataplane.base import (
    METADATA_IP,
    DataplaneError,
    FloatingSpec,
    NetworkSpec,
    PortSpec,
    RouterSpec,
)
from nubo.network.agent.dataplane.linux.render_dhcp import DhcpConfig
from nubo.network.names import (
    bridge_name,
    gateway_dev_name,
    router_dev_name,
    router_ns,
    tap_name,
    vlan_name,
    vxlan_name,
)

VXLAN_PORT = 4789


@dataclass(frozen=True)
class Netns:
    name: str


@dataclass(frozen=True)
class Bridge:
    name: str
    mtu: int | None = None


@dataclass(frozen=True)
class Vxlan:
    name: str
    vni: int
    local: str | None
    dev: str | None
    mtu: int | None = None
    port: int = VXLAN_PORT


@dataclass(frozen=True)
class Vlan:
    name: str
    parent: str
    vlan_id: int
    mtu: int | None = None


@dataclass(frozen=True)
class Tap:
    """A port's device on the host: reused when it exists (libvirt's tap, a test's veth),
    else created as a persistent tap for libvirt's `<interface type='ethernet'>`."""

    name: str
    mtu: int | None = None


@dataclass(frozen=True)
class Veth:
    name: str                   # host side, plugged into a bridge
    peer: str                   # the namespace side
    peer_netns: str
    peer_mac: str | None = None
    mtu: int | None = None


@dataclass(frozen=True)
class Master:
    ifname: str
    master: str


@dataclass(frozen=True)
class Up:
    ifname: str
    netns: str | None = None


@dataclass(frozen=True)
class Down:
    """The interface exists and is administratively down (a port with admin_state_up off)."""

    ifname: str
    netns: str | None = None


@dataclass(frozen=True)
class NoMaster:
    """The interface is in no bridge (if it exists)."""

    ifname: str


@dataclass(frozen=True)
class Addresses:
    """Exactly these global addresses on the interface (others are removed)."""

    ifname: str
    cidrs: tuple[str, ...]
    netns: str | None = None


@dataclass(frozen=True)
class Fdb:
    """Exactly these flooding destinations (00:00:00:00:00:00 dst <vtep>) on a VXLAN device."""

    ifname: str
    remotes: tuple[str, ...]


@dataclass(frozen=True)
class Routes:
    """Exactly these gateway routes (destination, nexthop) in the namespace's main table."""

    netns: str
    routes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sysctl:
    netns: str
    key: str                    # e.g. net.ipv4.ip_forward
    value: str


@dataclass(frozen=True)
class DeleteLink:
    ifname: str
    netns: str | None = None


@dataclass(frozen=True)
class DeleteNetns:
    name: str


Op = (Netns | Bridge | Vxlan | Vlan | Tap | Veth | Master | NoMaster | Up | Down | Addresses
      | Fdb | Routes | Sysctl | DeleteLink | DeleteNetns)


@dataclass(frozen=True)
class Topology:
    """How this host maps segments onto devices (the linuxbridge agent's settings)."""

    physical_interfaces: Mapping[str, str] = field(default_factory=dict)   # physnet -> iface
    bridge_mappings: Mapping[str, str] = field(default_factory=lambda: {"public": "br-ex"})
    vtep_ip: str | None = None
    vtep_dev: str | None = None
    remotes: tuple[str, ...] = ()


def network_bridge(net: NetworkSpec, topo: Topology) -> str:
    """The bridge a network's ports plug into: br-ex for a mapped physnet, else brq<id>."""
    mapped = topo.bridge_mappings.get(net.physical_network or "")
    if net.segmentation_type == "flat" and mapped:
        return mapped
    return bridge_name(net.id)


def uplink(net: NetworkSpec, topo: Topology) -> str | None:
    """The device carrying the network off this host, if any."""
    phys = topo.physical_interfaces.get(net.physical_network or "")
    if net.segmentation_type == "vxlan":
        return vxlan_name(_segment(net))
    if net.segmentation_type == "vlan":
        if not phys:
            raise DataplaneError(f"no interface for physical network {net.physical_network!r}")
        return vlan_name(phys, _segment(net))
    if net.segmentation_type == "flat" and net.physical_network not in topo.bridge_mappings:
        if not phys:
            raise DataplaneError(f"no interface for physical network {net.physical_network!r}")
        return phys
    return None


def _segment(net: NetworkSpec) -> int:
    if net.segmentation_id is None:
        raise DataplaneError(f"{net.segmentation_type} network {net.id} has no segmentation id")
    return net.segmentation_id


def render_network(net: NetworkSpec, topo: Topology) -> list[Op]:
    br = network_bridge(net, topo)
    ops: list[Op] = [Bridge(br, net.mtu)]
    dev = uplink(net, topo)
    if net.segmentation_type == "vxlan" and dev:
        ops.append(Vxlan(dev, _segment(net), topo.vtep_ip, topo.vtep_dev, net.mtu))
        ops.append(Fdb(dev, tuple(sorted(set(topo.remotes)))))
    elif net.segmentation_type == "vlan" and dev:
        phys = topo.physical_interfaces[net.physical_network or ""]
        ops += [Up(phys), Vlan(dev, phys, _segment(net), net.mtu)]
    if dev:
        ops += [Master(dev, br), Up(dev)]
    if net.external and br in topo.bridge_mappings.values():
        # DevStack's br-ex: the host holds the public subnet's gateway to reach floating IPs.
        cidrs = [f"{s.gateway_ip}/{ipaddress.ip_network(s.cidr, strict=False).prefixlen}"
                 for s in net.subnets if s.gateway_ip]
        ops.append(Addresses(br, tuple(cidrs)))
    ops.append(Up(br))
    return ops


def render_port(port: PortSpec, bridge: str, mtu: int | None) -> list[Op]:
    """A port with admin_state_up off forwards nothing, as Neutron's Linux bridge agent
    leaves it: its device is taken off the bridge and set down (the guest sees no carrier)."""
    tap = tap_name(port.id)
    if not port.admin_state_up:
        return [Tap(tap, mtu), NoMaster(tap), Down(tap)]
    return [Tap(tap, mtu), Master(tap, bridge), Up(tap)]


def render_dhcp_links(cfg: DhcpConfig, netns: str, bridge: str, mtu: int | None) -> list[Op]:
    tap = tap_name(cfg.dhcp_port.id)
    cidrs = cfg.addresses
    return [Netns(netns), Veth(tap, cfg.interface, netns, cfg.dhcp_port.mac_address, mtu),
            Master(tap, bridge), Up(tap), Up("lo", netns), Up(cfg.interface, netns),
            Addresses(cfg.interface, cidrs, netns),
            Addresses("lo", (f"{METADATA_IP}/32",) if cfg.isolated else (), netns)]


def _prefixed(ip: str, cidr: str) -> str:
    return f"{ip}/{ipaddress.ip_network(cidr, strict=False).prefixlen}"


def render_router_links(router: RouterSpec, bridges: Mapping[str, str],
                        floats: Sequence[FloatingSpec] = ()) -> list[Op]:
    """`bridges` maps network id -> bridge for the router's networks."""
    ns = router_ns(router.id)
    ops: list[Op] = [Netns(ns), Sysctl(ns, "net.ipv4.ip_forward", "1"), Up("lo", ns),
                     Addresses("lo", (f"{METADATA_IP}/32",), ns)]
    by_port: dict[str, list[str]] = {}
    for itf in router.interfaces:
        by_port.setdefault(itf.port_id, []).append(_prefixed(itf.ip_address, itf.subnet_cidr))
    macs = {i.port_id: i.mac_address for i in router.interfaces}
    nets = {i.port_id: i.network_id for i in router.interfaces}
    attach = [(pid, router_dev_name(pid), nets[pid], macs[pid], cidrs)
              for pid, cidrs in sorted(by_port.items())]
    gw = router.gateway
    routes: list[tuple[str, str]] = []
    if gw:
        fips = sorted({f"{f.floating_ip}/32" for f in floats})
        attach.append((gw.port_id, gateway_dev_name(gw.port_id), gw.network_id, gw.mac_address,
                       [_prefixed(gw.ip_address, gw.subnet_cidr), *fips]))
        if gw.gateway_ip:
            routes.append(("0.0.0.0/0", gw.gateway_ip))
    for pid, dev, net_id, mac, cidrs in attach:
        if net_id not in bridges:
            raise DataplaneError(f"router {router.id}: network {net_id} is not on this host")
        tap = tap_name(pid)
        ops += [Veth(tap, dev, ns, mac), Master(tap, bridges[net_id]), Up(tap), Up(dev, ns),
                Addresses(dev, tuple(cidrs), ns)]
    routes += [(r.destination, r.nexthop) for r in router.routes]
    ops.append(Routes(ns, tuple(routes)))
    return ops
