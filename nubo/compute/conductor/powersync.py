"""Keeping instances' power state true to the hypervisor (Nova's _sync_power_states plus
libvirt's lifecycle events), on the controller.

The host reports over the bus (nubo/compute/rpc.py): each lifecycle event its driver sees
(`compute.lifecycle`) and, every period, what it runs with each power state
(`compute.power_states`); this records them in the database. A guest that powers itself
off, or crashes, or whose QEMU was killed, shows SHUTOFF: the driver's lifecycle event says
so at once, and the periodic sync catches whatever an event missed. An instance whose
domain is gone is marked SHUTOFF with no power state; a domain without an instance is
reported in the log, never destroyed (it may be somebody's data). Instances with an
operation under way are left to that operation.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from nubo.compute import rpc, states
from nubo.compute.conductor.steps import InstanceSteps
from nubo.compute.models import Instance

LOG = logging.getLogger("nubo.compute.conductor.powersync")
#: vm_states whose power state the hypervisor decides
SYNCED = (states.ACTIVE, states.STOPPED, states.PAUSED, states.SUSPENDED)


class PowerSync:
    def __init__(self, conductor: InstanceSteps) -> None:
        self.c = conductor
        self.reported_orphans: set[str] = set()

    async def on_lifecycle(self, host: str, **args: Any) -> None:
        """Bus handler of `compute.lifecycle` (a LifecycleEvent from `host`)."""
        event = rpc.LifecycleEvent.from_dict(args)
        await self.on_event(event.instance_id, event.power_state)

    async def on_power_states(self, host: str, **args: Any) -> None:
        """Bus handler of `compute.power_states` (a PowerStateReport from `host`)."""
        counts = await self.sync(host, rpc.PowerStateReport.from_dict(args))
        if counts["changed"] or counts["gone"]:
            LOG.info("power states of %s synced: %s", host, counts)

    async def on_event(self, instance_id: str, power: int) -> None:
        """A lifecycle event from the hypervisor."""
        if await self.c.busy(instance_id):
            return      # the operation that caused it records the outcome itself
        await self.apply(instance_id, power)

    async def apply(self, instance_id: str, power: int | None) -> bool:
        """Record `power` (None: the domain is gone) for an instance with no task running."""
        expect: dict[str, Any] = {"task_state": None}
        values: dict[str, Any] = {"power_state": states.NOSTATE if power is None else power}
        if power in (None, states.SHUTDOWN, states.CRASHED):
            # a running server that stopped by itself is SHUTOFF now (Nova calls stop)
            if await self.c.set_if(instance_id, {**expect, "vm_state": states.ACTIVE},
                                   vm_state=states.STOPPED, **values):
                LOG.warning("instance %s stopped outside of Nubo (power state %s): "
                            "now SHUTOFF", instance_id, values["power_state"])
                return True
        return bool(await self.c.set_if(instance_id, expect, **values))

    async def sync(self, host: str, report: rpc.PowerStateReport) -> dict[str, int]:
        """Compare what the host runs (its report) with what the database says; fix the
        database."""
        counts = {"changed": 0, "gone": 0, "orphans": 0}
        domains = set(report.instances)
        async with self.c.db.read() as s:
            rows = list((await s.execute(select(
                Instance.id, Instance.power_state, Instance.vm_state).where(
                Instance.host == host, Instance.deleted.is_(False),
                Instance.task_state.is_(None), Instance.vm_state.in_(SYNCED)))).all())
            known = set((await s.execute(select(Instance.id).where(
                Instance.host == host, Instance.deleted.is_(False)))).scalars())
        for inst_id, power, vm in rows:
            if await self.c.busy(inst_id):
                continue
            actual = report.instances.get(inst_id)
            if actual is None and power == states.NOSTATE and vm != states.ACTIVE:
                continue        # already marked as gone
            if (actual is None or actual != power) and await self.apply(inst_id, actual):
                counts["gone" if actual is None else "changed"] += 1
        for orphan in sorted(domains - known):
            counts["orphans"] += 1
            if orphan not in self.reported_orphans:
                self.reported_orphans.add(orphan)
                LOG.warning("host %s runs domain %s that belongs to no instance; it is left "
                            "alone (virsh destroy/undefine it if it is not wanted)", host,
                            orphan)
        return counts
