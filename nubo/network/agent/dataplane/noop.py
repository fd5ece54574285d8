"""`--network noop`: a dataplane that keeps nothing and changes nothing on the host.

The API works without touching the host (CI, laptops without root); every call succeeds.
"""

from __future__ import annotations

from collections.abc import Sequence

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
from nubo.network.names import tap_name


class NoopDataplane:
    async def set_hosts(self, hosts: Sequence[HostSpec]) -> None:
        return None

    async def ensure_network(self, net: NetworkSpec) -> None:
        return None

    async def delete_network(self, network_id: str) -> None:
        return None

    async def plug_port(self, port: PortSpec) -> str:
        # The name a real dataplane would give, so callers (libvirt XML) behave the same.
        return tap_name(port.id)

    async def unplug_port(self, port_id: str) -> None:
        return None

    async def apply_security_groups(self, ports: Sequence[PortSpec],
                                    groups: Sequence[SecurityGroupSpec]) -> None:
        return None

    async def ensure_dhcp(self, net: NetworkSpec, ports: Sequence[PortSpec]) -> None:
        return None

    async def ensure_router(self, router: RouterSpec) -> None:
        return None

    async def delete_router(self, router_id: str) -> None:
        return None

    async def set_floating_ips(self, router_id: str, floats: Sequence[FloatingSpec]) -> None:
        return None

    async def reconcile(self, desired: DesiredState) -> ReconcileReport:
        return ReconcileReport()
