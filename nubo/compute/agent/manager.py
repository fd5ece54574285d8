"""The compute agent on a hypervisor host: runs the virt driver for the controller.

It holds no database credentials and imports no database code. The controller reaches it over
the bus (the methods of nubo/compute/rpc.py, its whitelist) and it answers with plain values;
it reports up over the same bus: its resources (on start: the controller's record of the
host), its heartbeat every period (`compute.heartbeat`), its instances' power states every
period, and each lifecycle event its driver sees. Image data comes from the image API over HTTP
(agent/images.py); a snapshot goes back the same way. `down` simulates (or, for real drivers,
reports) a host that stopped answering.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from nubo.compute import rpc, states
from nubo.compute.agent.virt.base import InstanceSpec, SpawnFailed, VifSpec, VirtDriver
from nubo.core.bus import HostUnreachable

LOG = logging.getLogger("nubo.compute.agent")
#: lifecycle event name by the power state it leaves the guest in
EVENT_NAMES = {states.RUNNING: "running", states.PAUSED_POWER: "paused",
               states.SHUTDOWN: "stopped", states.CRASHED: "crashed",
               states.SUSPENDED_POWER: "suspended"}


class Reporter(Protocol):
    """The up half of the bus, all an agent needs of it."""

    async def report(self, host: str, event: str, /, **kwargs: Any) -> None: ...


class SnapshotUploader(Protocol):
    async def upload(self, image_id: str, path: Path) -> None: ...


@dataclass(frozen=True)
class AgentOptions:
    #: seconds between the agent's heartbeats, periodic reports and image-cache cleanups
    #: (Nova's report_interval)
    period: float = 10.0
    #: report the instances' power states every period (a hypervisor that can change them
    #: behind our back; the fake's states are the controller's own simulation)
    report_power: bool = False
    #: where snapshots are written before they are uploaded (default: the system's tmp)
    scratch_dir: Path | None = None


class ComputeAgent:
    RPC_METHODS = rpc.AGENT_METHODS

    def __init__(self, host: str, driver: VirtDriver, bus: Reporter | None = None,
                 images: SnapshotUploader | None = None, availability_zone: str = "nova",
                 options: AgentOptions | None = None) -> None:
        self.host = host
        self.driver = driver
        self.bus = bus
        self.images = images
        self.availability_zone = availability_zone
        self.options = options or AgentOptions()
        self.down = False
        self._periodic: asyncio.Task[None] | None = None

    def _alive(self) -> None:
        if self.down:
            raise HostUnreachable(f"host {self.host} is down")

    # -- life of the agent ----------------------------------------------------------------
    async def start(self, periodic: bool = True) -> None:
        """Start the driver, listen to its lifecycle events, report the host's resources
        (the controller records the host from that), then run the periodic work (the
        heartbeat first). A driver
        may have `start`/`stop`, an `on_event` hook and `cleanup_images` (libvirt); the fake
        has none of them."""
        start = getattr(self.driver, "start", None)
        if start is not None:
            await start()
        if hasattr(self.driver, "on_event"):
            self.driver.on_event = self._lifecycle  # type: ignore[attr-defined]
        await self.report_resources()
        if periodic:
            self._periodic = asyncio.create_task(self._loop(), name=f"agent-{self.host}")

    async def stop(self) -> None:
        if self._periodic is not None:
            self._periodic.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._periodic
            self._periodic = None
        stop = getattr(self.driver, "stop", None)
        if stop is not None:
            await stop()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.period)
            try:
                await self.periodic()
            except Exception:  # noqa: BLE001 - next round tries again
                LOG.exception("compute agent periodic tasks failed on %s", self.host)

    async def periodic(self) -> None:
        """One round: the heartbeat, power states (when asked for), then unused cached
        images. A host that is down (simulated) says nothing."""
        if self.down:
            return
        await self._send(rpc.HEARTBEAT, {})
        if self.options.report_power:
            await self.report_power_states()
        cleanup = getattr(self.driver, "cleanup_images", None)
        if cleanup is not None:
            await asyncio.to_thread(cleanup)

    # -- up: reports ------------------------------------------------------------------------
    async def _send(self, event: rpc.Event, args: dict[str, Any]) -> None:
        if self.bus is not None:
            await self.bus.report(self.host, event.name, **args)

    async def report_resources(self) -> None:
        """`compute.resources`: the report without `host` (the sender is the envelope's)."""
        report = {k: v for k, v in (await self.report()).items() if k != "host"}
        await self._send(rpc.RESOURCES, report)

    async def report_power_states(self) -> None:
        """What the host runs and each one's power state (PowerStateReport)."""
        found: dict[str, int] = {}
        for instance_id in await self.driver.list_instances():
            power = await self.driver.power_state(instance_id)
            if power is not None:
                found[instance_id] = power
        await self._send(rpc.POWER_STATES, rpc.PowerStateReport(found).to_dict())

    async def _lifecycle(self, instance_id: str, power: int) -> None:
        """The driver saw an instance's domain change state."""
        event = rpc.LifecycleEvent(instance_id, EVENT_NAMES.get(power, "changed"), power)
        await self._send(rpc.LIFECYCLE, event.to_dict())

    # -- down: RPC methods (rpc.METHODS) ----------------------------------------------------
    async def report(self) -> rpc.ResourceReport:
        self._alive()
        inv = await self.driver.inventory()
        return rpc.ResourceReport(
            host=self.host, availability_zone=self.availability_zone, vcpus=inv.vcpus,
            memory_mb=inv.memory_mb, local_gb=inv.local_gb, hypervisor_type=inv.hypervisor_type,
            cpu_allocation_ratio=inv.cpu_allocation_ratio,
            ram_allocation_ratio=inv.ram_allocation_ratio,
            disk_allocation_ratio=inv.disk_allocation_ratio,
            reserved_memory_mb=inv.reserved_memory_mb)

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

    async def snapshot_to_image(self, instance_id: str, image_id: str) -> bool:
        """Write the root disk to a scratch file and upload it as `image_id`'s data."""
        self._alive()
        scratch = self.options.scratch_dir
        if scratch is not None:
            await asyncio.to_thread(scratch.mkdir, parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="snapshot-", dir=scratch) as tmp:
            target = Path(tmp) / f"{image_id}.qcow2"
            if not await self.driver.snapshot(instance_id, str(target)):
                return False        # no disk of its own: the controller copies the image
            if self.images is None:
                raise SpawnFailed(f"host {self.host} has no way to the image API")
            try:
                await self.images.upload(image_id, target)
            except OSError as exc:
                raise SpawnFailed(f"uploading the snapshot of {instance_id} as "
                                  f"image {image_id} failed: {exc}") from exc
        return True

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

    async def attach_volume(self, instance_id: str, connection_info: dict[str, Any],
                            device: str) -> None:
        self._alive()
        await self.driver.attach_volume(instance_id, connection_info, device)

    async def detach_volume(self, instance_id: str, device: str) -> None:
        self._alive()
        await self.driver.detach_volume(instance_id, device)

    async def list_volume_devices(self, instance_id: str) -> dict[str, str] | None:
        self._alive()
        return await self.driver.volume_devices(instance_id)
