"""Resize (cold, same host allowed) with confirm and revert, carried out by the conductor.

While a resize waits for confirmation, the old flavor's allocation is held by a migration
consumer and the new one by the instance, as Nova does, so that a revert always has room to
go back and a confirm only has to drop the old. Every step resumes after a crash: the plan
lives in the instance's request_spec["resize"].
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select

from nubo.compute import states
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.conductor.steps import InstanceSteps
from nubo.compute.conductor.vifplug import VifPlugFailed
from nubo.compute.models import Instance
from nubo.compute.models_actions import Migration
from nubo.compute.service import migration_records as records
from nubo.core.bus import HostUnreachable
from nubo.core.db import utcnow
from nubo.placement.allocations import ConsumerWrite
from nubo.scheduler.filters import RequestSpec
from nubo.scheduler.scheduler import NoValidHost

LOG = logging.getLogger("nubo.compute.conductor.resize")


def plan(inst: Instance, new_flavor: dict[str, Any]) -> dict[str, Any]:
    return {"old_flavor": inst.flavor, "new_flavor": new_flavor, "old_host": inst.host,
            "migration": str(uuid.uuid4()), "old_vm_state": inst.vm_state}


class Resizer:
    def __init__(self, conductor: InstanceSteps) -> None:
        self.c = conductor
        self.placement = conductor.placement

    async def _load(self, instance_id: str) -> Instance | None:
        async with self.c.db.read() as s:
            return await s.get(Instance, instance_id)

    async def _move(self, inst: Instance, to_instance: dict[str, dict[str, int]],
                    to_migration: dict[str, dict[str, int]], migration: str) -> None:
        await self.placement.replace_allocations([
            ConsumerWrite(inst.id, to_instance, inst.project_id, inst.user_id),
            ConsumerWrite(migration, to_migration, inst.project_id, inst.user_id)])

    async def resize(self, instance_id: str) -> None:
        inst = await self._load(instance_id)
        if inst is None or inst.deleted or inst.task_state not in states.RESIZE_TASKS:
            return
        rs = dict(inst.request_spec.get("resize") or {})
        migration = rs["migration"]
        # a cold migration is a resize to the same flavor onto another host
        kind = "migration" if rs.get("migrate") else "resize"
        await records.record(self.c.db, migration, inst, kind, "pre-migrating",
                             rs["old_host"], rs.get("host"), rs["new_flavor"])
        if not await self.placement.allocations(migration):   # not moved yet
            await self._move(inst, {}, await self.placement.allocations(inst.id), migration)
        started, event = utcnow(), "conductor_migrate_server"
        new = rs["new_flavor"]
        spec = RequestSpec(instance_id=inst.id, project_id=inst.project_id,
                           user_id=inst.user_id,
                           resources={"VCPU": new["vcpus"], "MEMORY_MB": new["ram"],
                                      **({"DISK_GB": new["disk"] + new.get("ephemeral", 0)}
                                         if new["disk"] + new.get("ephemeral", 0) else {})},
                           availability_zone=inst.availability_zone,
                           flavor_extra_specs=new.get("extra_specs", {}),
                           ignore_hosts=[rs["old_host"]] if rs.get("migrate") else [],
                           force_host=rs.get("host"))
        try:
            selection = await self.c.scheduler.select(spec, await self.c.host_states())
        except NoValidHost as exc:
            await self._undo(inst, rs, [(event, started, None, "Error", str(exc))])
            return
        rs["new_host"] = selection.host
        await records.set_status(self.c.db, migration, "migrating",
                                 dest_compute=selection.host)
        host_spec = await self.c.instance_spec(inst, flavor=new)
        moved = selection.host != rs["old_host"]
        try:
            if moved:       # the ports follow: the new host's dataplane plugs them first
                await self.c.vifs.bind(inst.id, selection.host)
            power = await self.c.bus.call(selection.host, "spawn", spec=host_spec, timeout=900)
        except Exception as exc:  # noqa: BLE001 - any failure on the host (as Nova's)
            if not isinstance(exc, (SpawnFailed, HostUnreachable, VifPlugFailed)):
                LOG.exception("resize of %s on %s broke", inst.id, selection.host)
            await self._leave(inst, rs, selection.host)
            await self._undo(inst, rs, [(event, started, selection.host, "Error",
                                         str(exc) or type(exc).__name__)])
            return
        await self.c.commit(inst.id, {"task_state": inst.task_state},
                            [(event, started, selection.host, "Success", None)], finish=True,
                            vm_state=states.RESIZED, task_state=None, host=selection.host,
                            flavor=new, vcpus=new["vcpus"], memory_mb=new["ram"],
                            power_state=power, task_started_at=None,
                            request_spec={**inst.request_spec, "resize": rs},
                            migration_status=(migration, "finished"))

    async def _leave(self, inst: Instance, rs: dict[str, Any], dest: str | None) -> None:
        """Nothing of the instance stays on a destination other than its source: the guest
        (and its disks) go, the ports come back to the source."""
        if dest and dest != rs["old_host"]:
            await self.c.destroy_on(dest, inst.id)
            await self.c.vifs.restore(inst.id, rs["old_host"])

    async def abandon(self, inst: Instance) -> None:
        """A resize stuck past its timeout (before it finished): leave the destination its
        migration record names and give the source's allocation back to the instance; the
        conductor then shows the instance in ERROR on its source."""
        rs = dict(inst.request_spec.get("resize") or {})
        if not rs.get("migration"):
            return
        async with self.c.db.read() as s:
            dest = (await s.execute(select(Migration.dest_compute).where(
                Migration.uuid == rs["migration"]))).scalar_one_or_none()
        await self._leave(inst, rs, dest)
        old = await self.placement.allocations(rs["migration"])
        if old:
            await self._move(inst, old, {}, rs["migration"])
        await records.set_status(self.c.db, rs["migration"], "error")

    async def _undo(self, inst: Instance, rs: dict[str, Any],
                    events: list[tuple[str, Any, str | None, str, str | None]]) -> None:
        """The resize could not happen: the instance keeps its flavor, host and state."""
        old = await self.placement.allocations(rs["migration"])
        if old:
            await self._move(inst, old, {}, rs["migration"])
        spec = {k: v for k, v in inst.request_spec.items() if k != "resize"}
        await records.set_status(self.c.db, rs["migration"], "error")
        await self.c.commit(inst.id, {"task_state": inst.task_state}, events, finish=True,
                            message="Error", task_state=None, task_started_at=None,
                            request_spec=spec)

    async def confirm(self, instance_id: str) -> None:
        inst = await self._load(instance_id)
        if inst is None or inst.deleted or inst.task_state != states.RESIZE_CONFIRMING:
            return
        rs = dict(inst.request_spec.get("resize") or {})
        started = utcnow()
        if rs.get("old_host") and rs["old_host"] != inst.host:
            await self.c.destroy_on(rs["old_host"], inst.id)
        await self.placement.delete_allocations(rs["migration"])
        back = states.STOPPED if rs.get("old_vm_state") == states.STOPPED else states.ACTIVE
        spec = {k: v for k, v in inst.request_spec.items() if k != "resize"}
        await self.c.commit(inst.id, {"task_state": states.RESIZE_CONFIRMING},
                            [("compute_confirm_resize", started, rs.get("old_host"),
                              "Success", None)], finish=True, vm_state=back,
                            task_state=None, task_started_at=None, request_spec=spec,
                            migration_status=(rs["migration"], "confirmed"))

    async def revert(self, instance_id: str) -> None:
        inst = await self._load(instance_id)
        if inst is None or inst.deleted or inst.task_state != states.RESIZE_REVERTING:
            return
        rs = dict(inst.request_spec.get("resize") or {})
        started = utcnow()
        old_host, old = rs["old_host"], rs["old_flavor"]
        if inst.host != old_host:
            await self.c.destroy_on(inst.host, inst.id)
        held = await self.placement.allocations(rs["migration"])
        if held:
            await self._move(inst, held, {}, rs["migration"])
        if inst.host != old_host:   # the ports go back with it (logged if not plugged)
            await self.c.vifs.restore(inst.id, old_host)
        power = states.RUNNING
        try:
            power = await self.c.bus.call(old_host, "spawn",
                                          spec=await self.c.instance_spec(inst, flavor=old))
        except (SpawnFailed, HostUnreachable):
            power = states.NOSTATE
        back = states.STOPPED if rs.get("old_vm_state") == states.STOPPED else states.ACTIVE
        spec = {k: v for k, v in inst.request_spec.items() if k != "resize"}
        await self.c.commit(inst.id, {"task_state": states.RESIZE_REVERTING},
                            [("compute_revert_resize", started, old_host, "Success", None)],
                            finish=True, vm_state=back, task_state=None, host=old_host,
                            flavor=old, vcpus=old["vcpus"], memory_mb=old["ram"],
                            power_state=power, task_started_at=None, request_spec=spec,
                            migration_status=(rs["migration"], "reverted"))

