"""The fake hypervisor: instances live in memory, with realistic transitions and faults.

Fault injection (for testing your own automation's error handling) is set by an admin, on a
flavor extra spec or an image property, `nubo_fake:spawn`:
  `fail`          every spawn fails (the server ends in ERROR after its reschedules)
  `fail_once`     the first spawn of each instance fails (a reschedule then succeeds)
  `slow=<secs>`   spawning takes that long
  `lost`          the guest is defined and runs, but the host's answer is lost (the caller
                  sees the host unreachable, as after an RPC timeout)
  `error`         the driver breaks with an error of no known kind (a bug, an unmapped
                  hypervisor error), not the SpawnFailed of its contract
or at run time on the driver (`FakeDriver.faults`), and a whole host can be marked down.
`nubo_fake:resize` = `fail` (or `error`) on the flavor a server is resized to fails that
resize's spawn, also on the server's own host (where spawning a guest it already runs
otherwise succeeds at once). `faults["attach_interface"]` = `fail` makes NIC hot-plugs
fail (nothing changes), `lost` plugs the NIC and then loses the answer; the same for
`faults["attach_volume"]` (and `faults["detach_volume"]` = `fail`), and
`nubo_fake:attach_volume` = `slow=<secs>` on a flavor plugs a volume, then answers late.

Each instance's NICs (`nics`: the VifSpecs it was spawned with, then those attached and not
detached since) are kept with it, so that tests can see what the guest would have.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nubo.compute import states
from nubo.compute.agent.virt.base import HostInventory, InstanceSpec, SpawnFailed, VifSpec
from nubo.core.bus import HostUnreachable

FAULT_KEY = "nubo_fake:spawn"
RESIZE_FAULT_KEY = "nubo_fake:resize"
#: on a flavor: `slow=<secs>` plugs a volume's disk, then takes that long to answer (a
#: window to kill the controller in: the record stays `attaching`, the disk is there)
ATTACH_FAULT_KEY = "nubo_fake:attach_volume"
#: instances whose one injected failure happened, on whichever simulated host
_FAILED_ONCE: set[str] = set()


@dataclass
class FakeDriver:
    host: str
    vcpus: int = 32
    memory_mb: int = 65536
    local_gb: int = 1024
    spawn_seconds: float = 0.0
    instances: dict[str, int] = field(default_factory=dict)
    #: run-time faults: "spawn" -> "fail" | "fail_once" | "slow=<s>"; "down" -> any
    faults: dict[str, str] = field(default_factory=dict)
    #: where the host keeps its instances, so that they outlive a restart of `nubo up`
    #: (as a real hypervisor's guests outlive a restart of the agent)
    state_file: Path | None = None
    #: instance id -> its NICs (VifSpec as plain values), in the order the guest sees them
    nics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: instance id -> vcpus, ram, disks it was spawned with, and when it last started
    #: running (for diagnostics; not kept across restarts: then 1 vCPU, 512 MiB, 1 disk)
    sizes: dict[str, dict[str, int]] = field(default_factory=dict)
    since: dict[str, float] = field(default_factory=dict)
    #: instance id -> its volume disks, target dev -> volume id (the reconciler reads them)
    volumes: dict[str, dict[str, str]] = field(default_factory=dict)
    #: instance id -> its flavor's `nubo_fake:attach_volume` fault (set at spawn)
    attach_faults: dict[str, str] = field(default_factory=dict)
    #: the instances whose spawn is under way on this host now (tests wait for it)
    spawning: set[str] = field(default_factory=set)
    _save_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.state_file is not None and self.state_file.exists():
            doc = json.loads(self.state_file.read_text())
            if isinstance(doc.get("instances"), dict):
                self.instances.update(doc["instances"])
                self.nics.update(doc.get("nics") or {})
                self.volumes.update(doc.get("volumes") or {})
            else:               # the older file: instance id -> power state only
                self.instances.update(doc)

    async def _save(self) -> None:
        """Write the state file, off the event loop (creating and renaming a file is a few
        system calls that, on the loop, stalled every other request); the document is taken
        now and saves land in the order they were asked for."""
        if self.state_file is None:
            return
        doc = json.dumps({"instances": self.instances, "nics": self.nics,
                          "volumes": self.volumes})
        async with self._save_lock:
            await asyncio.to_thread(_write_atomically, self.state_file, doc)

    async def inventory(self) -> HostInventory:
        return HostInventory(self.vcpus, self.memory_mb, self.local_gb, "fake")

    def _fault(self, spec: InstanceSpec) -> str | None:
        return (self.faults.get("spawn") or spec.flavor.get("extra_specs", {}).get(FAULT_KEY)
                or spec.image.get("properties", {}).get(FAULT_KEY))

    async def spawn(self, spec: InstanceSpec) -> int:
        resize = spec.flavor.get("extra_specs", {}).get(RESIZE_FAULT_KEY)
        if resize in ("fail", "error"):
            _raise(resize, f"fake driver: resize of {spec.id} to flavor "
                           f"{spec.flavor.get('name')} fails (fault injected)")
        if spec.id in self.instances:
            return self.instances[spec.id]
        fault = self._fault(spec)
        if fault == "error":
            _raise(fault, f"fake driver: spawn of {spec.id} breaks (fault injected)")
        delay = self.spawn_seconds
        if fault == "fail":
            raise SpawnFailed(f"fake driver: spawn of {spec.id} fails (fault injected)")
        if fault == "fail_once" and spec.id not in _FAILED_ONCE:
            _FAILED_ONCE.add(spec.id)
            raise SpawnFailed(f"fake driver: first spawn of {spec.id} fails (fault injected)")
        if fault and fault.startswith("slow="):
            try:
                delay = float(fault.split("=", 1)[1])
            except ValueError:
                delay = self.spawn_seconds
        if delay:
            self.spawning.add(spec.id)
            try:
                await asyncio.sleep(delay)
            finally:
                self.spawning.discard(spec.id)
        self.instances[spec.id] = states.RUNNING
        self.nics[spec.id] = [v if isinstance(v, dict) else asdict(v) for v in spec.vifs]
        for bd in spec.block_devices:      # the volumes it was built with (the root one too)
            info = bd.get("connection_info") or {}
            self.volumes.setdefault(spec.id, {})[str(bd["device"])] = str(
                info.get("serial") or (info.get("data") or {}).get("volume_id") or "")
        f = spec.flavor
        attach_fault = spec.flavor.get("extra_specs", {}).get(ATTACH_FAULT_KEY)
        if attach_fault:
            self.attach_faults[spec.id] = str(attach_fault)
        self.sizes[spec.id] = {"vcpus": int(f.get("vcpus") or 1), "ram": int(f.get("ram") or 512),
                               "disks": 1 + bool(f.get("ephemeral")) + bool(f.get("swap"))
                               + bool(spec.config_drive)}
        self.since[spec.id] = time.time()
        await self._save()
        if fault == "lost":
            raise HostUnreachable(f"fake driver: {self.host}'s answer to the spawn of "
                                  f"{spec.id} was lost (fault injected)")
        return states.RUNNING

    async def destroy(self, instance_id: str) -> None:
        self.nics.pop(instance_id, None)
        self.volumes.pop(instance_id, None)
        self.sizes.pop(instance_id, None)
        self.since.pop(instance_id, None)
        if self.instances.pop(instance_id, None) is not None:
            await self._save()

    async def power_off(self, instance_id: str) -> int:
        return await self._set(instance_id, states.SHUTDOWN)

    async def power_on(self, instance_id: str) -> int:
        return await self._set(instance_id, states.RUNNING)

    async def reboot(self, instance_id: str, hard: bool) -> int:
        return await self._set(instance_id, states.RUNNING)

    async def _set(self, instance_id: str, state: int) -> int:
        if instance_id not in self.instances:
            raise SpawnFailed(f"fake driver: instance {instance_id} is not on {self.host}")
        if state == states.RUNNING and self.instances[instance_id] != states.RUNNING:
            self.since[instance_id] = time.time()
        self.instances[instance_id] = state
        await self._save()
        return state

    async def power_state(self, instance_id: str) -> int | None:
        return self.instances.get(instance_id)

    async def list_instances(self) -> list[str]:
        return sorted(self.instances)

    async def pause(self, instance_id: str) -> int:
        return await self._set(instance_id, states.PAUSED_POWER)

    async def unpause(self, instance_id: str) -> int:
        return await self._set(instance_id, states.RUNNING)

    async def suspend(self, instance_id: str) -> int:
        return await self._set(instance_id, states.SHUTDOWN)

    async def resume(self, instance_id: str) -> int:
        return await self._set(instance_id, states.RUNNING)

    async def rescue(self, spec: InstanceSpec, rescue_image: dict[str, Any]) -> int:
        return await self._set(spec.id, states.RUNNING)

    async def unrescue(self, instance_id: str) -> int:
        return await self._set(instance_id, states.RUNNING)

    async def console_output(self, instance_id: str, length: int | None = None) -> str:
        if instance_id not in self.instances:
            raise SpawnFailed(f"fake driver: instance {instance_id} is not on {self.host}")
        # a short boot log ending in a prompt without a newline, as a real serial console
        # (so the last n lines are n pieces, as Tempest counts them)
        lines = [f"fake console of {instance_id} on {self.host}\n",
                 "[    0.000000] Linux version 6.1.0 (fake)\n",
                 "Run /sbin/init as init process\n", "Starting network: OK\n", "\n",
                 "login: "]
        return "".join(lines[-length:] if length else lines)

    async def snapshot(self, instance_id: str, target: str) -> bool:
        return False

    async def console(self, instance_id: str, kind: str) -> dict[str, Any] | None:
        return None

    async def attach_interface(self, instance_id: str, vif: VifSpec) -> None:
        if instance_id not in self.instances:
            raise SpawnFailed(f"fake driver: instance {instance_id} is not on {self.host}")
        if self.faults.get("attach_interface") == "fail":
            raise SpawnFailed(f"fake driver: attaching port {vif.port_id} to {instance_id} "
                              "fails (fault injected)")
        nics = self.nics.setdefault(instance_id, [])
        if all(n["port_id"] != vif.port_id for n in nics):
            nics.append(asdict(vif))
            await self._save()
        if self.faults.get("attach_interface") == "lost":
            raise HostUnreachable(f"fake driver: {self.host}'s answer to attaching port "
                                  f"{vif.port_id} was lost (fault injected)")

    async def detach_interface(self, instance_id: str, port_id: str) -> None:
        nics = self.nics.get(instance_id, [])
        kept = [n for n in nics if n["port_id"] != port_id]
        if len(kept) != len(nics):
            self.nics[instance_id] = kept
            await self._save()

    async def attach_volume(self, instance_id: str, connection_info: dict[str, Any],
                            device: str) -> None:
        """`faults["attach_volume"]` = `fail`: nothing changes; `lost`: the disk is plugged
        and the answer lost (the conductor cannot tell it from a failure)."""
        if instance_id not in self.instances:
            raise SpawnFailed(f"fake driver: instance {instance_id} is not on {self.host}")
        if self.faults.get("attach_volume") == "fail":
            raise SpawnFailed(f"fake driver: attaching a volume at {device} to {instance_id} "
                              "fails (fault injected)")
        serial = str(connection_info.get("serial") or "")
        self.volumes.setdefault(instance_id, {}).setdefault(device, serial)
        await self._save()
        if self.faults.get("attach_volume") == "lost":
            raise HostUnreachable(f"fake driver: {self.host}'s answer to attaching {device} "
                                  "was lost (fault injected)")
        slow = self.attach_faults.get(instance_id, "")
        if slow.startswith("slow="):
            try:
                await asyncio.sleep(float(slow.removeprefix("slow=")))
            except ValueError:
                pass            # a spec that is not a number: no delay

    async def detach_volume(self, instance_id: str, device: str) -> None:
        if self.faults.get("detach_volume") == "fail":
            raise SpawnFailed(f"fake driver: detaching {device} from {instance_id} fails "
                              "(fault injected)")
        if self.volumes.get(instance_id, {}).pop(device, None) is not None:
            await self._save()

    async def volume_devices(self, instance_id: str) -> dict[str, str] | None:
        if instance_id not in self.instances:
            return None
        return dict(self.volumes.get(instance_id, {}))

    async def get_diagnostics(self, instance_id: str) -> dict[str, Any] | None:
        """Plausible counters from what the fake knows: the flavor it was spawned with,
        its NICs and how long it has been running (2% of each vCPU busy, a little disk and
        network traffic per second). The driver is named "libvirt", the shape it imitates,
        as Nova's own fake does (clients and Tempest know only the real drivers' names)."""
        if instance_id not in self.instances:
            return None
        power = self.instances[instance_id]
        size = self.sizes.get(instance_id, {"vcpus": 1, "ram": 512, "disks": 1})
        t = time.time() - self.since.setdefault(instance_id, time.time()) \
            if power == states.RUNNING else 0.0
        cpus = [{"id": i, "time": int(t * 0.02 * 1e9), "utilisation": None}
                for i in range(size["vcpus"])]
        disks = [{"read_bytes": (1 << 20) + int(t) * 4096, "read_requests": 256 + int(t),
                  "write_bytes": int(t) * 2048, "write_requests": int(t) // 2,
                  "errors_count": 0} for _ in range(size["disks"])]
        nics = [{"mac_address": n.get("mac", ""), "rx_octets": int(t) * 600,
                 "rx_errors": 0, "rx_drop": 0, "rx_packets": int(t) * 5, "rx_rate": None,
                 "tx_octets": int(t) * 300, "tx_errors": 0, "tx_drop": 0,
                 "tx_packets": int(t) * 3, "tx_rate": None}
                for n in self.nics.get(instance_id, [])]
        legacy: dict[str, Any] = {f"cpu{c['id']}_time": c["time"] for c in cpus}
        for i, d in enumerate(disks):
            dev = "vd" + chr(ord("a") + i)
            legacy.update({f"{dev}_read_req": d["read_requests"], f"{dev}_read": d["read_bytes"],
                           f"{dev}_write_req": d["write_requests"],
                           f"{dev}_write": d["write_bytes"], f"{dev}_errors": 0})
        for i, n in enumerate(nics):
            legacy.update({f"tap{i}_rx": n["rx_octets"], f"tap{i}_tx": n["tx_octets"]})
        legacy["memory"] = size["ram"] * 1024
        return {"power_state": power, "driver": "libvirt", "hypervisor": "fake",
                "hypervisor_os": "linux", "cpu_details": cpus, "nic_details": nics,
                "disk_details": disks,
                "memory_details": {"maximum": size["ram"],
                                   "used": size["ram"] if power == states.RUNNING else 0},
                "legacy": legacy}


class FakeDriverError(RuntimeError):
    """An error outside the driver contract (fault `error`): what a bug would raise."""


def _raise(fault: str, message: str) -> None:
    if fault == "error":
        raise FakeDriverError(message)
    raise SpawnFailed(message)


def _write_atomically(path: Path, doc: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(doc)
    os.replace(tmp, path)
