"""The compute agent on a hypervisor host: runs the virt driver for the controller.

It holds no database credentials; the controller reaches it over the bus and it answers with
plain values. `down` simulates (or, for real drivers, reports) a host that stopped answering.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from nubo.compute.agent.virt.base import InstanceSpec, VifSpec, VirtDriver
from nubo.core.bus import HostUnreachable


class ComputeAgent:
    RPC_METHODS = frozenset({"report", "spawn", "destroy", "power_off", "power_on", "reboot",
                             "power_state", "list_instances", "pause", "unpause", "suspend",
                             "resume", "rescue", "unrescue", "console_output", "snapshot",
                             "console", "attach_interface", "detach_interface",
                             "get_diagnostics"})

    def __init__(self, host: str, driver: VirtDriver, availability_zone: str = "nova") -> None:
        self.host = host
        self.driver = driver
        self.availability_zone = availability_zone
        self.down = False

    def _alive(self) -> None:
        if self.down:
            raise HostUnreachable(f"host {self.host} is down")

    async def report(self) -> dict[str, Any]:
        self._alive()
        inv = await self.driver.inventory()
        return {"host": self.host, "availability_zone": self.availability_zone, **asdict(inv)}

    async def spawn(self, spec: dict[str, Any]) -> int:
        self._alive()
        return await self.driver.spawn(InstanceSpec.from_dict(spec))

    async def destroy(self, instance_id: str) -> None:
        self._alive()
        await self.driver.destroy(instance_id)

    async def power_off(self, instance_id: str) -> int:
        self._alive()
        return await self.driver.power_off(instance_id)

    async def power_on(self, instance_id: str) -> int:
        self._alive()
        return await self.driver.power_on(instance_id)

    async def reboot(self, instance_id: str, hard: bool) -> int:
        self._alive()
        return await self.driver.reboot(instance_id, hard)

    async def power_state(self, instance_id: str) -> int | None:
        self._alive()
        return await self.driver.power_state(instance_id)

    async def list_instances(self) -> list[str]:
        self._alive()
        return await self.driver.list_instances()

    async def pause(self, instance_id: str) -> int:
        self._alive()
        return await self.driver.pause(instance_id)

    async def unpause(self, instance_id: str) -> int:
        self._alive()
        return await self.driver.unpause(instance_id)

    async def suspend(self, instance_id: str) -> int:
        self._alive()
        return await self.driver.suspend(instance_id)

    async def resume(self, instance_id: str) -> int:
        self._alive()
        return await self.driver.resume(instance_id)

    async def rescue(self, spec: dict[str, Any], rescue_image: dict[str, Any]) -> int:
        self._alive()
        return await self.driver.rescue(InstanceSpec.from_dict(spec), rescue_image)

    async def unrescue(self, instance_id: str) -> int:
        self._alive()
        return await self.driver.unrescue(instance_id)

    async def console_output(self, instance_id: str, length: int | None = None) -> str:
        self._alive()
        return await self.driver.console_output(instance_id, length)

    async def snapshot(self, instance_id: str, target: str) -> bool:
        self._alive()
        return await self.driver.snapshot(instance_id, target)

    async def console(self, instance_id: str, kind: str) -> dict[str, Any] | None:
        self._alive()
        return await self.driver.console(instance_id, kind)

    async def attach_interface(self, instance_id: str, vif: dict[str, Any]) -> None:
        """Hot-plug a NIC; `vif` is a VifSpec as plain values (unknown keys ignored)."""
        self._alive()
        await self.driver.attach_interface(instance_id, VifSpec.from_dict(vif))

    async def detach_interface(self, instance_id: str, port_id: str) -> None:
        self._alive()
        await self.driver.detach_interface(instance_id, port_id)

    async def get_diagnostics(self, instance_id: str) -> dict[str, Any] | None:
        self._alive()
        return await self.driver.get_diagnostics(instance_id)
