"""GET /servers/{id}/diagnostics: what the host's driver measures (Nova's
get_instance_diagnostics from 2.48, the driver's own flat dictionary before), plus what the
controller knows (uptime since launch, config drive). As Nova, only a running guest is
asked: anything else is a 409."""

from __future__ import annotations

from typing import Any

from nubo.compute import errors, states
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.models import Instance
from nubo.core.bus import Bus, HostUnreachable
from nubo.core.db import utcnow

#: Nova's power_state.STATE_MAP
POWER_NAMES = {0: "pending", 1: "running", 3: "paused", 4: "shutdown", 6: "crashed",
               7: "suspended"}


async def diagnostics(bus: Bus, inst: Instance) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the 2.48 standard form, the pre-2.48 flat form)."""
    if not inst.host:
        raise errors.InstanceNotReady(instance_id=inst.id)
    try:
        found = await bus.call(inst.host, "get_diagnostics", instance_id=inst.id)
    except (HostUnreachable, SpawnFailed):
        raise errors.InstanceNotReady(instance_id=inst.id) from None
    power = found.get("power_state") if found else states.NOSTATE
    if found is None or power != states.RUNNING:
        raise errors.InstanceInvalidState(action="get_diagnostics", uuid=inst.id,
                                          attr="power state",
                                          state=POWER_NAMES.get(power or 0, 'pending'))
    uptime = int((utcnow() - inst.launched_at).total_seconds()) if inst.launched_at else 0
    cpus, nics, disks = found["cpu_details"], found["nic_details"], found["disk_details"]
    standard = {
        "state": POWER_NAMES[states.RUNNING], "driver": found["driver"],
        "hypervisor": found["hypervisor"], "hypervisor_os": found["hypervisor_os"],
        "uptime": uptime, "config_drive": bool(inst.config_drive),
        "num_cpus": len(cpus), "num_nics": len(nics), "num_disks": len(disks),
        "cpu_details": cpus, "nic_details": nics, "disk_details": disks,
        "memory_details": found["memory_details"]}
    return standard, dict(found.get("legacy") or {})
