"""`reconcile`: bring the host to the desired state and remove what the dataplane owns but
nobody wants. Ownership is by name (brq*, vxlan-*, taps on our bridges, qdhcp-*/qrouter-*
namespaces, pid files under the data dir), so it works after a restart with no state kept.

With `host_netns` set (a test sandbox) the namespaces are global to the machine, so only those
made by this instance count as leftovers: a sandbox never removes another sandbox's.
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from nubo.network import names
from nubo.network.agent.dataplane.base import (
    DesiredState,
    FloatingSpec,
    HostSpec,
    NetworkSpec,
    PortSpec,
    ReconcileReport,
    RouterSpec,
    SecurityGroupSpec,
)
from nubo.network.agent.dataplane.linux.apply_links import LinkApplier, list_links, list_netns
from nubo.network.agent.dataplane.linux.config import LinuxConfig
from nubo.network.agent.dataplane.linux.procs import MetadataProxy, stop
from nubo.network.agent.dataplane.linux.render_dhcp import dhcp_port_of
from nubo.network.agent.dataplane.linux.render_links import (
    DeleteLink,
    DeleteNetns,
    Topology,
    uplink,
)
from nubo.network.agent.dataplane.linux.rundir import runtime_dir

T = TypeVar("T")


class Dataplane(Protocol):
    """What reconcile needs of the Linux dataplane (driver.py's LinuxDataplane): its
    configuration and what it made, the steps that apply one part of the desired state,
    and `off_loop`, which runs a blocking call in a worker thread one change at a time."""

    cfg: LinuxConfig
    links: LinkApplier
    dhcp_root: Path
    routers: dict[str, RouterSpec]
    floats: dict[str, tuple[FloatingSpec, ...]]
    namespaces: set[str]

    def forget(self) -> None: ...
    async def off_loop(self, fn: Callable[..., T], *args: object) -> T: ...
    def topology(self, network_id: str | None = None) -> Topology: ...
    def bridge_of(self, network_id: str) -> str: ...
    def dhcp_port(self, net: NetworkSpec, ports: Sequence[PortSpec]) -> PortSpec | None: ...
    async def set_hosts(self, hosts: Sequence[HostSpec]) -> None: ...
    async def ensure_network(self, net: NetworkSpec) -> None: ...
    async def plug_port(self, port: PortSpec) -> str: ...
    async def apply_security_groups(self, ports: Sequence[PortSpec],
                                    groups: Sequence[SecurityGroupSpec]) -> None: ...
    async def ensure_dhcp(self, net: NetworkSpec, ports: Sequence[PortSpec]) -> None: ...
    async def ensure_router(self, router: RouterSpec) -> None: ...


async def _step(report: ReconcileReport, what: str, aw: Awaitable[object]) -> None:
    """One step failing does not stop the others; the report says what failed."""
    try:
        await aw
    except Exception as e:
        report.errors.append(f"{what}: {e}")


async def reconcile(dp: Dataplane, desired: DesiredState) -> ReconcileReport:
    report = ReconcileReport()
    dp.forget()         # check and apply everything, not only what changed since last time
    start = len(dp.links.changes)
    await _step(report, "hosts", dp.set_hosts(desired.hosts))
    for net in desired.networks:
        await _step(report, f"network {net.id}", dp.ensure_network(net))
    for port in desired.ports:
        if not port.device_owner.startswith("network:"):
            await _step(report, f"port {port.id}", dp.plug_port(port))
    await _step(report, "security groups",
                dp.apply_security_groups(desired.ports, desired.security_groups))
    for net in desired.networks:
        if any(s.enable_dhcp for s in net.subnets) and dp.dhcp_port(net, desired.ports):
            await _step(report, f"dhcp {net.id}", dp.ensure_dhcp(net, desired.served_ports))
    for router in desired.routers:
        dp.floats[router.id] = tuple(f for f in desired.floating_ips if f.router_id == router.id)
        await _step(report, f"router {router.id}", dp.ensure_router(router))
    await _step(report, "leftovers", _remove_leftovers(dp, desired, report))
    report.repaired = dp.links.changes[start:]
    return report


def _wanted(dp: Dataplane, desired: DesiredState) -> tuple[set[str], set[str], set[str]]:
    """Wanted (links, namespaces, process pid-file stems)."""
    topo = dp.topology()
    links = {dp.bridge_of(n.id) for n in desired.networks}
    links |= {dev for n in desired.networks if (dev := uplink(n, topo))}
    links |= {names.tap_name(p.id) for p in desired.ports}
    spaces = {names.router_ns(r.id) for r in desired.routers}
    procs = {f"router-{r.id}" for r in desired.routers}
    for n in desired.networks:
        if any(s.enable_dhcp for s in n.subnets) and dp.dhcp_port(n, desired.ports):
            spaces.add(names.dhcp_ns(n.id))
            procs.add(f"network-{n.id}")
            links.add(names.tap_name(dhcp_port_of(n, desired.ports).id))
    return links, spaces, procs


async def _remove_leftovers(dp: Dataplane, desired: DesiredState,
                            report: ReconcileReport) -> None:
    links, spaces, procs = _wanted(dp, desired)
    ours = set(dp.cfg.bridge_mappings.values())
    have = await dp.off_loop(list_links, dp.cfg.host_netns)
    doomed = []
    for name, master in sorted(have.items()):
        if name in links:
            continue
        if name.startswith((names.BRIDGE_PREFIX, names.VXLAN_PREFIX)):
            doomed.append(name)
        elif name.startswith(names.TAP_PREFIX) and master and (
                master.startswith(names.BRIDGE_PREFIX) or master in ours):
            doomed.append(name)
    # Ports first: deleting a bridge would only detach them.
    doomed.sort(key=lambda n: not n.startswith(names.TAP_PREFIX))
    await dp.off_loop(dp.links.apply, [DeleteLink(n) for n in doomed])
    report.removed += doomed
    await dp.off_loop(_remove_procs, dp, procs, report)
    candidates = (await dp.off_loop(list_netns) if dp.cfg.host_netns is None
                  else sorted(dp.namespaces))
    stale = [ns for ns in candidates if ns.startswith((names.DHCP_NS_PREFIX,
                                                       names.ROUTER_NS_PREFIX))
             and ns not in spaces]
    await dp.off_loop(dp.links.apply, [DeleteNetns(ns) for ns in stale])
    dp.namespaces -= set(stale)
    report.removed += stale
    for ns in stale:
        if ns.startswith(names.ROUTER_NS_PREFIX):
            dp.routers.pop(ns[len(names.ROUTER_NS_PREFIX):], None)


def _remove_procs(dp: Dataplane, procs: set[str], report: ReconcileReport) -> None:
    meta = dp.cfg.data_dir / "metadata"
    for pid_file in sorted(meta.glob("*.pid")) if meta.is_dir() else []:
        if pid_file.stem not in procs:
            stop(pid_file, MetadataProxy(pid_file, "", "").tag)
            report.removed.append(f"metadata proxy {pid_file.stem}")
    # the other place dnsmasq's files could be (the data dir's mode changed since) holds
    # nothing that runs any more
    other = {dp.cfg.data_dir / "dhcp", runtime_dir(dp.cfg.data_dir) / "dhcp"} - {dp.dhcp_root}
    for dhcp in [dp.dhcp_root, *sorted(other)]:
        for d in sorted(dhcp.iterdir()) if dhcp.is_dir() else []:
            if dhcp != dp.dhcp_root or f"network-{d.name}" not in procs:
                stop(d / "pid", str(d))
                shutil.rmtree(d, ignore_errors=True)
                report.removed.append(f"dnsmasq {d.name}")
