"""The fake hypervisor: instances live in memory, with realistic transitions and faults.

Fault injection (for testing your own automation's error handling) is set by an admin, on a
flavor extra spec or an image property, `nubo_fake:spawn`:
  `fail`          every spawn fails (the server ends in ERROR after its reschedules)
  `fail_once`     the first spawn of each instance fails (a reschedule then succeeds)
  `slow=<secs>`   spawning takes that long
or at run time on the driver (`FakeDriver.faults`), and a whole host can be marked down.
`faults["attach_interface"] = "fail"` makes NIC hot-plugs fail.

Each instance's NICs (`nics`: the VifSpecs it was spawned with, then those attached and not
detached since) are kept with it, so that tests can see what the guest would have.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nubo.compute import states
from nubo.compute.virt.base import HostInventory, InstanceSpec, SpawnFailed, VifSpec

FAULT_KEY = "nubo_fake:spawn"
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

    def __post_init__(self) -> None:
        if self.state_file is not None and self.state_file.exists():
            doc = json.loads(self.state_file.read_text())
            if isinstance(doc.get("instances"), dict):
                self.instances.update(doc["instances"])
                self.nics.update(doc.get("nics") or {})
            else:               # the older file: instance id -> power state only
                self.instances.update(doc)

    def _save(self) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"instances": self.instances, "nics": self.nics}))
        os.replace(tmp, self.state_file)

    async def inventory(self) -> HostInventory:
        return HostInventory(self.vcpus, self.memory_mb, self.local_gb, "fake")

    def _fault(self, spec: InstanceSpec) -> str | None:
        return (self.faults.get("spawn") or spec.flavor.get("extra_specs", {}).get(FAULT_KEY)
                or spec.image.get("properties", {}).get(FAULT_KEY))

    async def spawn(self, spec: InstanceSpec) -> int:
        if spec.id in self.instances:
            return self.instances[spec.id]
        fault = self._fault(spec)
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
            await asyncio.sleep(delay)
        self.instances[spec.id] = states.RUNNING
        self.nics[spec.id] = [v if isinstance(v, dict) else asdict(v) for v in spec.vifs]
        self._save()
        return states.RUNNING

    async def destroy(self, instance_id: str) -> None:
        self.nics.pop(instance_id, None)
        if self.instances.pop(instance_id, None) is not None:
            self._save()

    async def power_off(self, instance_id: str) -> int:
        return self._set(instance_id, states.SHUTDOWN)

    async def power_on(self, instance_id: str) -> int:
        return self._set(instance_id, states.RUNNING)

    async def reboot(self, instance_id: str, hard: bool) -> int:
        return self._set(instance_id, states.RUNNING)

    def _set(self, instance_id: str, state: int) -> int:
        if instance_id not in self.instances:
            raise SpawnFailed(f"fake driver: instance {instance_id} is not on {self.host}")
        self.instances[instance_id] = state
        self._save()
        return state

    async def power_state(self, instance_id: str) -> int | None:
        return self.instances.get(instance_id)

    async def list_instances(self) -> list[str]:
        return sorted(self.instances)

    async def pause(self, instance_id: str) -> int:
        return self._set(instance_id, states.PAUSED_POWER)

    async def unpause(self, instance_id: str) -> int:
        return self._set(instance_id, states.RUNNING)

    async def suspend(self, instance_id: str) -> int:
        return self._set(instance_id, states.SHUTDOWN)

    async def resume(self, instance_id: str) -> int:
        return self._set(instance_id, states.RUNNING)

    async def rescue(self, spec: InstanceSpec, rescue_image: dict[str, Any]) -> int:
        return self._set(spec.id, states.RUNNING)

    async def unrescue(self, instance_id: str) -> int:
        return self._set(instance_id, states.RUNNING)

    async def console_output(self, instance_id: str, length: int | None = None) -> str:
        if instance_id not in self.instances:
            raise SpawnFailed(f"fake driver: instance {instance_id} is not on {self.host}")
        lines = [f"fake console of {instance_id} on {self.host}", "login:"]
        return "\n".join(lines[-length:] if length else lines) + "\n"

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
            self._save()

    async def detach_interface(self, instance_id: str, port_id: str) -> None:
        nics = self.nics.get(instance_id, [])
        kept = [n for n in nics if n["port_id"] != port_id]
        if len(kept) != len(nics):
            self.nics[instance_id] = kept
            self._save()
