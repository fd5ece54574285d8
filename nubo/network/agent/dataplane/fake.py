"""A dataplane in memory, with fault injection: what a host would hold (networks, plugged
ports as taps, DHCP servers, routers), for tests of what happens above the dataplane.

`faults[step] = message` makes that step (a method name: `plug_port`, `ensure_dhcp`, ...)
fail with DataplaneError(message) until the fault is removed, as a host whose kernel or
dnsmasq refuses would. `reconcile` runs every step, as the Linux dataplane's does, and
reports the failures instead of raising.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence

from nubo.network.agent.dataplane.base import (
    DHCP_OWNER,
    DataplaneError,
    DesiredState,
    FloatingSpec,
    HostSpec,
    NetworkSpec,
    PortSpec,
    ReconcileReport,
    RouterSpec,
    SecurityGroupSpec,
)
from nubo.network.names import tap_name


class FakeDataplane:
    def __init__(self) -> None:
        self.networks: set[str] = set()
        self.taps: dict[str, str] = {}      # port id -> device name
        self.dhcp: set[str] = set()         # networks served
        self.routers: set[str] = set()
        self.faults: dict[str, str] = {}

    def _step(self, name: str) -> None:
        if name in self.faults:
            raise DataplaneError(self.faults[name])

    async def set_hosts(self, hosts: Sequence[HostSpec]) -> None:
        self._step("set_hosts")

    async def ensure_network(self, net: NetworkSpec) -> None:
        self._step("ensure_network")
        self.networks.add(net.id)

    async def delete_network(self, network_id: str) -> None:
        self._step("delete_network")
        self.networks.discard(network_id)
        self.dhcp.discard(network_id)

    async def plug_port(self, port: PortSpec) -> str:
        self._step("plug_port")
        self.taps[port.id] = tap_name(port.id)
        return self.taps[port.id]

    async def unplug_port(self, port_id: str) -> None:
        self._step("unplug_port")
        self.taps.pop(port_id, None)

    async def apply_security_groups(self, ports: Sequence[PortSpec],
                                    groups: Sequence[SecurityGroupSpec]) -> None:
        self._step("apply_security_groups")

    async def ensure_dhcp(self, net: NetworkSpec, ports: Sequence[PortSpec]) -> None:
        self._step("ensure_dhcp")
        self.dhcp.add(net.id)

    async def ensure_router(self, router: RouterSpec) -> None:
        self._step("ensure_router")
        self.routers.add(router.id)

    async def delete_router(self, router_id: str) -> None:
        self._step("delete_router")
        self.routers.discard(router_id)

    async def set_floating_ips(self, router_id: str, floats: Sequence[FloatingSpec]) -> None:
        self._step("set_floating_ips")

    async def reconcile(self, desired: DesiredState) -> ReconcileReport:
        report = ReconcileReport()

        async def step(what: str, aw: Awaitable[object]) -> None:
            try:
                await aw
            except DataplaneError as e:
                report.errors.append(f"{what}: {e}")
        await step("hosts", self.set_hosts(desired.hosts))
        for net in desired.networks:
            await step(f"network {net.id}", self.ensure_network(net))
        plugged = [p for p in desired.ports if not p.device_owner.startswith("network:")]
        for port in plugged:
            await step(f"port {port.id}", self.plug_port(port))
        await step("security groups",
                   self.apply_security_groups(desired.ports, desired.security_groups))
        for net in desired.networks:
            # as the Linux dataplane: a DHCP server only where this host has the DHCP port
            if any(p.device_owner == DHCP_OWNER and p.network_id == net.id
                   for p in desired.ports):
                await step(f"dhcp {net.id}", self.ensure_dhcp(net, desired.served_ports))
        for router in desired.routers:
            await step(f"router {router.id}", self.ensure_router(router))
        wanted = {p.id for p in plugged}
        for pid in sorted(set(self.taps) - wanted):
            report.removed.append(self.taps.pop(pid))
        return report
