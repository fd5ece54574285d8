"""GET /servers/{id}/diagnostics (the 2.48 standard form). The driver contract has no
diagnostics call yet, so the figures are what the controller knows (flavor, launch time)
plus the power state the host's driver reports now; counters the driver does not give are 0.
"""

from __future__ import annotations

from typing import Any

from nubo.compute.models import Instance
from nubo.core.bus import Bus, HostUnreachable
from nubo.core.db import utcnow
from nubo.core.errors import Conflict

POWER_NAMES = {0: "pending", 1: "running", 3: "paused", 4: "shutdown", 6: "crashed",
               7: "suspended"}


async def diagnostics(bus: Bus, inst: Instance, hypervisor: str = "fake") -> dict[str, Any]:
    if not inst.host:
        raise Conflict(f"Instance {inst.id} is not ready")
    try:
        power = await bus.call(inst.host, "power_state", instance_id=inst.id)
    except HostUnreachable:
        raise Conflict(f"Instance {inst.id} is not ready") from None
    flavor = inst.flavor
    uptime = int((utcnow() - inst.launched_at).total_seconds()) if inst.launched_at else 0
    running = power == 1
    disks = 1 + (1 if flavor.get("ephemeral") else 0) + (1 if flavor.get("swap") else 0)
    return {
        "state": POWER_NAMES.get(power if power is not None else 0, "pending"),
        "driver": hypervisor, "hypervisor": hypervisor, "hypervisor_os": "linux",
        "uptime": uptime if running else 0, "config_drive": bool(inst.config_drive),
        "num_cpus": flavor["vcpus"], "num_nics": 0, "num_disks": disks,
        "memory_details": {"maximum": flavor["ram"], "used": flavor["ram"] if running else 0},
        "cpu_details": [{"id": i, "time": uptime * 10**9 if running else 0,
                         "utilisation": None} for i in range(flavor["vcpus"])],
        "nic_details": [],
        "disk_details": [{"read_bytes": 0, "read_requests": 0, "write_bytes": 0,
                          "write_requests": 0, "errors_count": 0} for _ in range(disks)],
    }
