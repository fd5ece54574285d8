"""The controller's side of what compute hosts report over the bus (nubo/compute/rpc.py):
a host's resources and heartbeats go to the conductor (the host's record and its placement
provider; heartbeats.py),
lifecycle events and power-state reports to PowerSync."""

from __future__ import annotations

from typing import Any, Protocol

from nubo.compute import rpc
from nubo.compute.conductor.powersync import PowerSync
from nubo.core.bus import EventHandler


class Subscriber(Protocol):
    def on(self, event: str, handler: EventHandler) -> None: ...


class HostRegistry(Protocol):
    async def register_host(self, report: dict[str, Any]) -> None: ...

    def host_seen(self, host: str) -> None: ...


class HostReports:
    def __init__(self, hosts: HostRegistry, power_sync: PowerSync) -> None:
        self.hosts = hosts
        self.power_sync = power_sync

    def subscribe(self, bus: Subscriber) -> None:
        bus.on(rpc.RESOURCES.name, self.on_resources)
        bus.on(rpc.HEARTBEAT.name, self.on_heartbeat)
        bus.on(rpc.LIFECYCLE.name, self.power_sync.on_lifecycle)
        bus.on(rpc.POWER_STATES.name, self.power_sync.on_power_states)

    async def on_heartbeat(self, host: str) -> None:
        """`compute.heartbeat`: the host is alive (recorded within a second)."""
        self.hosts.host_seen(host)

    async def on_resources(self, host: str, **report: Any) -> None:
        """`compute.resources`: a host started (its ResourceReport)."""
        await self.hosts.register_host({**report, "host": host})   # the sender, not its word
