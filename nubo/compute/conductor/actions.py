"""The conductor's side of the server actions that are one call on the host (pause,
suspend, rescue, soft delete, restore ...), and the periodic reclaim of soft-deleted
servers and offload of shelved ones. Moves live in migrate.py, shelving in shelve.py.

Each step goes conductor -> bus -> agent -> driver, as start/stop do, and commits the new
state only if the row is still in the task the API set (the same conditional `commit`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from nubo.compute import states
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.conductor.migrate import Migrator
from nubo.compute.conductor.shelve import Shelver
from nubo.compute.conductor.snapshot import Snapshotter
from nubo.compute.conductor.steps import InstanceSteps
from nubo.compute.models import Instance
from nubo.core.bus import HostUnreachable
from nubo.core.db import utcnow

#: task -> (agent call, vm_state when done, instance action event)
SIMPLE: dict[str, tuple[str, str, str]] = {
    states.PAUSING: ("pause", states.PAUSED, "compute_pause_instance"),
    states.UNPAUSING: ("unpause", states.ACTIVE, "compute_unpause_instance"),
    states.SUSPENDING: ("suspend", states.SUSPENDED, "compute_suspend_instance"),
    states.RESUMING: ("resume", states.ACTIVE, "compute_resume_instance"),
    states.RESCUING: ("rescue", states.RESCUED, "compute_rescue_instance"),
    states.UNRESCUING: ("unrescue", states.ACTIVE, "compute_unrescue_instance"),
    states.SOFT_DELETING: ("power_off", states.SOFT_DELETED, "compute_soft_delete_instance"),
    states.RESTORING: ("power_on", states.ACTIVE, "compute_restore_instance"),
}

Work = Callable[[str], Awaitable[None]]


class ActionWorker:
    def __init__(self, conductor: InstanceSteps, snapshotter: Snapshotter,
                 reclaim_interval: int = 0, shelved_offload_time: int = 0) -> None:
        self.c = conductor
        self.snapshotter = snapshotter
        self.reclaim_interval = reclaim_interval
        self.shelver = Shelver(conductor, snapshotter, shelved_offload_time)
        self.migrator = Migrator(conductor)

    def work_for(self, inst: Instance) -> Work | None:
        """The step for the tasks this module's parts own (None: not one of them)."""
        task = inst.task_state or ""
        if task in SIMPLE:
            return self.simple
        if task in (states.SHELVING, states.SHELVING_IMAGE_UPLOADING):
            return self.shelver.shelve
        if task == states.SHELVING_OFFLOADING:
            return self.shelver.offload
        if task == states.UNSHELVING:
            return self.shelver.unshelve
        if task == states.MIGRATING:
            return self.migrator.live
        if task == states.REBUILDING and (inst.request_spec or {}).get("evacuate"):
            return self.migrator.evacuate
        if task == states.IMAGE_BACKUP:
            return self.snapshotter.snapshot
        return None

    async def simple(self, instance_id: str) -> None:
        async with self.c.db.read() as s:
            inst = await s.get(Instance, instance_id)
        if inst is None or inst.deleted or inst.task_state not in SIMPLE or not inst.host:
            return
        task = inst.task_state
        call, done, event = SIMPLE[task]
        args: dict[str, Any] = {"instance_id": instance_id}
        if call == "rescue":
            image_ref = (inst.request_spec.get("rescue") or {}).get("image_ref") \
                or inst.image_ref
            image = await self.c.image_lookup(image_ref) if image_ref else None
            args = {"spec": await self.c.instance_spec(inst), "rescue_image": image or {}}
        started = utcnow()
        try:
            power = await self.c.bus.call(inst.host, call, **args)
        except (SpawnFailed, HostUnreachable) as exc:
            # the instance stays as it was; the task is cleared so the user can retry
            await self.c.commit(instance_id, {"task_state": task},
                                [(event, started, inst.host, "Error", str(exc))],
                                finish=True, message="Error", task_state=None,
                                task_started_at=None)
            return
        extra: dict[str, Any] = {}
        if task == states.UNRESCUING:
            extra["request_spec"] = {k: v for k, v in inst.request_spec.items()
                                     if k != "rescue"}
        await self.c.commit(instance_id, {"task_state": task},
                            [(event, started, inst.host, "Success", None)], finish=True,
                            vm_state=done, task_state=None, power_state=power,
                            task_started_at=None, **extra)

    async def periodic(self) -> dict[str, int]:
        """Reclaim soft-deleted servers past reclaim_instance_interval; offload shelved
        ones past shelved_offload_time; destroy guests evacuated away from a host that
        answers again."""
        counts = {"reclaimed": 0, "offloaded": 0,
                  "evacuated_destroyed": await self.migrator.destroy_evacuated()}
        now = utcnow()
        async with self.c.db.read() as s:
            rows = list((await s.execute(select(Instance).where(
                Instance.deleted.is_(False), Instance.task_state.is_(None),
                Instance.vm_state.in_((states.SOFT_DELETED, states.SHELVED))))).scalars())
        for inst in rows:
            if inst.vm_state == states.SOFT_DELETED and self.reclaim_interval > 0 and \
                    now - inst.updated_at >= timedelta(seconds=self.reclaim_interval):
                if await self.c.set_if(inst.id, {"vm_state": states.SOFT_DELETED,
                                                 "task_state": None},
                                       task_state=states.DELETING, task_started_at=now):
                    self.c.spawn_task(inst.id, self.c.delete)
                    counts["reclaimed"] += 1
            elif inst.vm_state == states.SHELVED and self.shelver.offload_time > 0 and \
                    now - inst.updated_at >= timedelta(seconds=self.shelver.offload_time):
                if await self.c.set_if(inst.id, {"vm_state": states.SHELVED,
                                                 "task_state": None},
                                       task_state=states.SHELVING_OFFLOADING,
                                       task_started_at=now):
                    self.c.spawn_task(inst.id, self.shelver.offload)
                    counts["offloaded"] += 1
        return counts
