"""Live migration and evacuation, carried out by the conductor (cold migration is a
resize to the same flavor: resize.py).

Both hold the source host's allocation under the migration's own placement consumer while
the move runs and claim the destination for the instance (one atomic swap, then the
scheduler's claim), as Nova's migration-based allocations do; success drops the source's,
failure swaps them back. The plan lives in request_spec["live"] / ["evacuate"]. The guest
an evacuation leaves on its down source is destroyed when that host answers again
(`destroy_evacuated`, from the periodic reconcile).
"""

from __future__ import annotations

import logging
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

Event = tuple[str, Any, str | None, str, str | None]
LOG = logging.getLogger("nubo.compute.conductor.migrate")
#: evacuation statuses whose source may still run the guest (Nova's, plus Nubo's
#: 'rebuilding' step between pre-migrating and done)
EVACUATED = ("accepted", "pre-migrating", "rebuilding", "done")


def spec_for(inst: Instance, flavor: dict[str, Any], image: dict[str, Any] | None = None,
             **kw: Any) -> RequestSpec:
    """What the scheduler needs to place `inst` with `flavor`."""
    disk = flavor["disk"] + flavor.get("ephemeral", 0)
    kw.setdefault("availability_zone", inst.availability_zone)
    return RequestSpec(instance_id=inst.id, project_id=inst.project_id, user_id=inst.user_id,
                       resources={"VCPU": flavor["vcpus"], "MEMORY_MB": flavor["ram"],
                                  **({"DISK_GB": disk} if disk else {})},
                       image_properties=(image or {}).get("properties", {}),
                       flavor_extra_specs=flavor.get("extra_specs", {}), **kw)


def _log_unexpected(exc: Exception, what: str, instance_id: str, host: str) -> None:
    """A failure outside the drivers' contract is a bug somewhere: keep its traceback."""
    if not isinstance(exc, (SpawnFailed, HostUnreachable, VifPlugFailed)):
        LOG.error("%s of %s on %s broke", what, instance_id, host, exc_info=exc)


class Migrator:
    def __init__(self, conductor: InstanceSteps) -> None:
        self.c = conductor
        self.placement = conductor.placement

    async def _load(self, instance_id: str, task: str) -> Instance | None:
        async with self.c.db.read() as s:
            inst = await s.get(Instance, instance_id)
        if inst is None or inst.deleted or inst.task_state != task:
            return None
        return inst

    async def _hold_source(self, inst: Instance, migration: str) -> None:
        """The instance's allocation moves to the migration consumer (once)."""
        if not await self.placement.allocations(migration):
            await self.placement.replace_allocations([
                ConsumerWrite(inst.id, {}, inst.project_id, inst.user_id),
                ConsumerWrite(migration, await self.placement.allocations(inst.id),
                              inst.project_id, inst.user_id)])

    async def _give_back(self, inst: Instance, migration: str) -> None:
        """Undo `_hold_source`: the source's allocation is the instance's again."""
        held = await self.placement.allocations(migration)
        if held:
            await self.placement.replace_allocations([
                ConsumerWrite(inst.id, held, inst.project_id, inst.user_id),
                ConsumerWrite(migration, {}, inst.project_id, inst.user_id)])

    async def _place(self, inst: Instance, plan: dict[str, Any]) -> str:
        """Claim a destination other than the source (or the one asked for)."""
        spec = spec_for(inst, inst.flavor, ignore_hosts=[plan["source"]],
                        force_host=plan.get("host"))
        if plan.get("host"):
            spec.availability_zone = None     # an admin's explicit host wins over the zone
        return (await self.c.scheduler.select(spec, await self.c.host_states())).host

    async def _failed(self, inst: Instance, plan: dict[str, Any], task: str, key: str,
                      event: Event, status: str = "failed") -> None:
        await self._give_back(inst, plan["migration"])
        await records.set_status(self.c.db, plan["migration"], status)
        spec = {k: v for k, v in inst.request_spec.items() if k != key}
        await self.c.commit(inst.id, {"task_state": task}, [event], finish=True,
                            message="Error", task_state=None, task_started_at=None,
                            request_spec=spec)

    async def abandon(self, inst: Instance) -> None:
        """A live migration or evacuation stuck past its timeout: nothing of it stays on
        the destination its record names (the guest goes, tolerating a host that does not
        answer; its claim goes), the source's allocation and the ports are the instance's
        on its source again, and the record is 'error' (Nova's live-migration rollback) or
        'failed' (Nova's failed rebuild on the evacuation's destination). The conductor
        then shows the instance in ERROR on its source."""
        key = "live" if inst.task_state == states.MIGRATING else "evacuate"
        plan = dict(inst.request_spec.get(key) or {})
        if not plan.get("migration"):
            return
        async with self.c.db.read() as s:
            dest = (await s.execute(select(Migration.dest_compute).where(
                Migration.uuid == plan["migration"]))).scalar_one_or_none()
        if dest and dest != plan["source"]:
            await self.c.destroy_on(dest, inst.id)
            await self.c.vifs.restore(inst.id, plan["source"])
        if await self.placement.allocations(plan["migration"]):
            # the instance's own allocation is the destination's claim (if any)
            await self.placement.delete_allocations(inst.id)
            await self._give_back(inst, plan["migration"])
        if key == "live":
            await self._unpause_forced(inst, plan["source"])
        await records.set_status(self.c.db, plan["migration"],
                                 "error" if key == "live" else "failed")

    async def live(self, instance_id: str) -> None:
        """Live migration: spawn on the destination, then destroy on the source."""
        inst = await self._load(instance_id, states.MIGRATING)
        if inst is None:
            return
        plan = dict(inst.request_spec.get("live") or {})
        mig, started, event = plan["migration"], utcnow(), "compute_live_migration"
        await records.set_status(self.c.db, mig, "preparing", expect=("accepted", "queued"))
        await self._hold_source(inst, mig)
        try:
            dest = await self._place(inst, plan)
        except NoValidHost as exc:
            await self._failed(inst, plan, states.MIGRATING, "live",
                               (event, started, None, "Error", str(exc)), "error")
            return
        if not await records.set_status(self.c.db, mig, "running", expect=("preparing",),
                                        dest_compute=dest):     # aborted meanwhile
            await self.placement.delete_allocations(inst.id)
            await self._failed(inst, plan, states.MIGRATING, "live",
                               (event, started, dest, "Error", "aborted"), "cancelled")
            return
        try:
            # the ports move first: the destination's dataplane must have the taps ready
            await self.c.vifs.bind(inst.id, dest)
            power = await self.c.bus.call(dest, "spawn", spec=await self.c.instance_spec(inst),
                                          timeout=900)
            if inst.vm_state == states.PAUSED:
                power = await self.c.bus.call(dest, "pause", instance_id=inst.id)
        except Exception as exc:  # noqa: BLE001 - any failure on the host (as Nova's)
            _log_unexpected(exc, "live migration", inst.id, dest)
            await self.c.destroy_on(dest, inst.id)
            await self.c.vifs.restore(inst.id, plan["source"])
            await self.placement.delete_allocations(inst.id)
            await self._unpause_forced(inst, plan["source"])
            await self._failed(inst, plan, states.MIGRATING, "live",
                               (event, started, dest, "Error", str(exc)))
            return
        await self.c.destroy_on(plan["source"], inst.id)
        await self.placement.delete_allocations(mig)
        spec = {k: v for k, v in inst.request_spec.items() if k != "live"}
        await self.c.commit(inst.id, {"task_state": states.MIGRATING},
                            [(event, started, dest, "Success", None)], finish=True,
                            host=dest, task_state=None, power_state=power,
                            task_started_at=None, request_spec=spec,
                            migration_status=(mig, "completed"))

    async def _unpause_forced(self, inst: Instance, source: str) -> None:
        """An active server's guest that force_complete paused on the source runs again
        there when the move fails."""
        if inst.vm_state != states.ACTIVE:
            return
        try:
            if await self.c.bus.call(source, "power_state", instance_id=inst.id) == \
                    states.PAUSED_POWER:
                await self.c.bus.call(source, "unpause", instance_id=inst.id)
        except (SpawnFailed, HostUnreachable):
            pass

    async def evacuate(self, instance_id: str) -> None:
        """The source host is down: build the instance again on another host."""
        inst = await self._load(instance_id, states.REBUILDING)
        if inst is None or not inst.request_spec.get("evacuate"):
            return
        plan = dict(inst.request_spec["evacuate"])
        mig, started, event = plan["migration"], utcnow(), "compute_rebuild_instance"
        await records.set_status(self.c.db, mig, "pre-migrating", expect=("accepted",))
        await self._hold_source(inst, mig)
        try:
            dest = await self._place(inst, plan)
        except NoValidHost as exc:
            await self._failed(inst, plan, states.REBUILDING, "evacuate",
                               (event, started, None, "Error", str(exc)), "error")
            return
        await records.set_status(self.c.db, mig, "rebuilding", dest_compute=dest)
        try:
            await self.c.vifs.bind(inst.id, dest)       # the ports follow to the new host
            power = await self.c.bus.call(dest, "spawn", spec=await self.c.instance_spec(inst),
                                          timeout=900)
            if plan.get("old_vm_state") == states.STOPPED:
                power = await self.c.bus.call(dest, "power_off", instance_id=inst.id)
        except Exception as exc:  # noqa: BLE001 - any failure on the host (as Nova's)
            _log_unexpected(exc, "evacuation", inst.id, dest)
            await self.c.destroy_on(dest, inst.id)
            await self.c.vifs.restore(inst.id, plan["source"])
            await self.placement.delete_allocations(inst.id)
            await self._failed(inst, plan, states.REBUILDING, "evacuate",
                               (event, started, dest, "Error", str(exc)))
            return
        # The source is down and is not asked (as Nova's evacuate): its copy goes when it
        # answers again (destroy_evacuated, periodic). A call to a dead agent's queue would
        # wait there its whole timeout, the evacuation with it. Its allocation goes now,
        # nothing there runs the instance any more.
        await self.placement.delete_allocations(mig)
        back = states.STOPPED if plan.get("old_vm_state") == states.STOPPED else states.ACTIVE
        spec = {k: v for k, v in inst.request_spec.items() if k != "evacuate"}
        await self.c.commit(inst.id, {"task_state": states.REBUILDING},
                            [(event, started, dest, "Success", None)], finish=True,
                            host=dest, vm_state=back, task_state=None, power_state=power,
                            fault=None, task_started_at=None, request_spec=spec,
                            migration_status=(mig, "done"))

    async def destroy_evacuated(self) -> int:
        """Nova's _destroy_evacuated_instances: a host that answers again still runs the
        guests evacuated away while it was down; destroy them. An evacuation is done with
        its source once the instance lives elsewhere (or is deleted): its record then goes
        from 'done' to 'completed'. One read when there is nothing to do; a host that does
        not answer is tried again next period. Returns the guests destroyed."""
        async with self.c.db.read() as s:
            rows = (await s.execute(select(Migration, Instance.host, Instance.deleted).join(
                Instance, Instance.id == Migration.instance_uuid).where(
                Migration.migration_type == "evacuation",
                Migration.status.in_(EVACUATED)))).all()
        by_source: dict[str, list[Migration]] = {}
        for m, host, deleted in rows:
            # still on its source (the evacuation under way or given up): not yet
            if m.source_compute and (deleted or host != m.source_compute):
                by_source.setdefault(m.source_compute, []).append(m)
        destroyed = 0
        for source, moved in by_source.items():
            try:
                local = set(await self.c.bus.call(source, "list_instances", timeout=10))
                for m in moved:
                    if m.instance_uuid in local:
                        LOG.info("destroying instance %s on %s: it was evacuated from there",
                                 m.instance_uuid, source)
                        await self.c.bus.call(source, "destroy",
                                              instance_id=m.instance_uuid, timeout=300)
                        destroyed += 1
            except (HostUnreachable, SpawnFailed):
                continue
            for m in moved:
                if m.status == "done":
                    await records.set_status(self.c.db, m.uuid, "completed", expect=("done",))
        return destroyed
