"""The contract between the compute agent and a hypervisor driver.

Every call is idempotent: spawning an instance that already runs, or destroying one that is
gone, succeeds. `spawn` either fully succeeds or leaves nothing behind (as Nova's spawn).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from nubo.core.bus.faults import Fault


@dataclass(frozen=True)
class VifSpec:
    """One NIC of an instance: a network port that the host's dataplane has plugged as a tap
    device on its network's bridge; the driver hands that device to the guest."""

    port_id: str
    mac: str
    network_id: str
    mtu: int = 1500
    dev: str = ""                   # the host device; "" = the dataplane's tap_name(port_id)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> VifSpec:
        """From the plain values the bus carries (unknown keys are ignored: a newer
        controller may send more than this agent knows)."""
        return cls(port_id=str(doc["port_id"]), mac=str(doc["mac"]),
                   network_id=str(doc.get("network_id") or ""),
                   mtu=int(doc.get("mtu") or 1500), dev=str(doc.get("dev") or ""))


@dataclass(frozen=True)
class InstanceSpec:
    """What a driver needs to know to run an instance."""

    id: str
    name: str                       # instance-0000000a
    display_name: str
    flavor: dict[str, Any]          # vcpus, ram, disk, ephemeral, swap, extra_specs
    image: dict[str, Any] = field(default_factory=dict)   # id + properties
    user_data: str | None = None
    key_data: str | None = None
    config_drive: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    vifs: tuple[VifSpec, ...] = ()  # in the order the guest sees them (eth0 first)
    #: volumes attached before the spawn: {"device": "vda", "connection_info": Cinder's,
    #: "boot_index": 0 for the root disk (a volume-backed server has no image disk)}
    block_devices: tuple[dict[str, Any], ...] = ()

    @property
    def root_volume(self) -> dict[str, Any] | None:
        """The block device the server boots from, when it is volume-backed."""
        return next((b for b in self.block_devices if b.get("boot_index") == 0), None)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> InstanceSpec:
        """From the plain values the bus carries (`vifs` as a list of dicts); unknown keys
        are ignored."""
        known = {f for f in cls.__dataclass_fields__ if f not in ("vifs", "block_devices")}
        values = {k: v for k, v in doc.items() if k in known}
        values["block_devices"] = tuple(dict(b) for b in doc.get("block_devices") or ())
        vifs = tuple(v if isinstance(v, VifSpec) else VifSpec.from_dict(v)
                     for v in doc.get("vifs") or ())
        return cls(**values, vifs=vifs)


@dataclass(frozen=True)
class HostInventory:
    vcpus: int
    memory_mb: int
    local_gb: int
    hypervisor_type: str
    cpu_allocation_ratio: float = 16.0
    ram_allocation_ratio: float = 1.5
    disk_allocation_ratio: float = 1.0
    reserved_memory_mb: int = 512


class SpawnFailed(Fault):
    """The driver could not do what was asked (start, stop, snapshot... the instance); what
    it half did is cleaned up. Crosses the bus as a fault record with this code."""

    code = "spawn_failed"


class VirtDriver(Protocol):
    async def inventory(self) -> HostInventory: ...

    async def spawn(self, spec: InstanceSpec) -> int:
        """Start the instance (may exist: then succeed); returns its power state."""
        ...

    async def destroy(self, instance_id: str) -> None:
        """Remove the instance and everything it used on the host (if_exists)."""
        ...

    async def power_off(self, instance_id: str) -> int: ...

    async def power_on(self, instance_id: str) -> int: ...

    async def reboot(self, instance_id: str, hard: bool) -> int: ...

    async def power_state(self, instance_id: str) -> int | None:
        """The instance's power state, None when the host does not have it."""
        ...

    async def list_instances(self) -> list[str]: ...

    # Each of the following returns the power state after the call, like power_off.
    async def pause(self, instance_id: str) -> int: ...

    async def unpause(self, instance_id: str) -> int: ...

    async def suspend(self, instance_id: str) -> int:
        """Save the guest's memory to disk and stop it (libvirt's managed save)."""
        ...

    async def resume(self, instance_id: str) -> int: ...

    async def rescue(self, spec: InstanceSpec, rescue_image: dict[str, Any]) -> int:
        """Boot the instance from `rescue_image` (id + properties) with its own disk attached
        as the second disk; the instance's own disk is kept untouched."""
        ...

    async def unrescue(self, instance_id: str) -> int: ...

    async def console_output(self, instance_id: str, length: int | None = None) -> str:
        """The serial console log, its last `length` lines when given ('' when none)."""
        ...

    async def snapshot(self, instance_id: str, target: str) -> bool:
        """Write the instance's root disk as one standalone qcow2 file at `target`. False when
        the driver keeps no disk of its own (the fake): the caller then uses the image the
        instance booted from."""
        ...

    async def console(self, instance_id: str, kind: str) -> dict[str, Any] | None:
        """Where a remote console of `kind` ("novnc", "serial") is reachable on this host:
        {"host": ..., "port": ...}, or None when this driver has none."""
        ...

    async def attach_interface(self, instance_id: str, vif: VifSpec) -> None:
        """Hot-plug a NIC on the dataplane's tap `vif.dev` (if_not_exists: attaching a port the
        guest has already succeeds); a stopped guest gets it on its next start."""
        ...

    async def detach_interface(self, instance_id: str, port_id: str) -> None:
        """Hot-unplug the port's NIC (if_exists)."""
        ...

    async def attach_volume(self, instance_id: str, connection_info: dict[str, Any],
                            device: str) -> None:
        """Hot-plug a volume (Cinder's connection_info) as the disk at target `device`
        ("vdb"), into the running guest and its definition (if_not_exists)."""
        ...

    async def detach_volume(self, instance_id: str, device: str) -> None:
        """Hot-unplug the volume disk at `device` (if_exists)."""
        ...

    async def volume_devices(self, instance_id: str) -> dict[str, str] | None:
        """The instance's volume disks, target dev -> volume id (the disk's serial); None
        when the host does not have the instance."""
        ...

    async def get_diagnostics(self, instance_id: str) -> dict[str, Any] | None:
        """What the hypervisor measures of the instance (Nova's get_instance_diagnostics),
        None when this host does not have it: {"power_state": int, "driver", "hypervisor",
        "hypervisor_os", "cpu_details": [{"id", "time" (ns), "utilisation"}],
        "nic_details": [{"mac_address", "rx_octets", "rx_errors", "rx_drop", "rx_packets",
        "rx_rate", "tx_octets", "tx_errors", "tx_drop", "tx_packets", "tx_rate"}],
        "disk_details": [{"read_bytes", "read_requests", "write_bytes", "write_requests",
        "errors_count"}], "memory_details": {"maximum", "used"} (MiB), "legacy": the flat
        pre-2.48 dictionary in the driver's own keys (Nova's get_diagnostics)}. Uptime and
        config drive are the controller's to add."""
        ...
