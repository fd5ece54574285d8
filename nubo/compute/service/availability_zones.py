"""Availability zones: the names from the settings (default "nova"). The detailed view lists
each zone's hosts and their services through a hook the compute hosts code registers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

#: async fn() -> {zone: {host: {service binary: {"available", "active", "updated_at"}}}}
HostsFn = Callable[[], Awaitable[dict[str, dict[str, dict[str, Any]]]]]


class AvailabilityZones:
    def __init__(self, zones: list[str]) -> None:
        self.zones = list(dict.fromkeys(zones)) or ["nova"]
        self._hosts: HostsFn | None = None

    def register_hosts(self, fn: HostsFn) -> None:
        self._hosts = fn

    async def summary(self) -> list[dict[str, Any]]:
        """Zones users can boot into: configured ones and those host aggregates define
        (Nova lists a zone once a host is in it; `internal` is for services, not shown)."""
        hosts = await self._hosts() if self._hosts is not None else {}
        names = list(self.zones) + [z for z in hosts if z not in self.zones
                                    and z != "internal"]
        return [{"zoneName": z, "zoneState": {"available": True}, "hosts": None}
                for z in names]

    async def detail(self) -> list[dict[str, Any]]:
        hosts = await self._hosts() if self._hosts is not None else {}
        names = list(self.zones) + [z for z in hosts if z not in self.zones]
        return [{"zoneName": z, "zoneState": {"available": True}, "hosts": hosts.get(z) or {}}
                for z in names]
