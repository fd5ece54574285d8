"""The API side of the server actions beyond start/stop/reboot/resize/rebuild: Nova's state
checks, the task the conductor carries out, the instance action record. Each method checks
and records in one transaction (ServerService._begin) and hands the rest to the conductor.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from nubo.compute import errors, states
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.conductor.resize import plan as resize_plan
from nubo.compute.conductor.snapshot import create_record, owner_context
from nubo.compute.models import Instance
from nubo.compute.service import migration_records as records
from nubo.compute.service.servers import ServerService
from nubo.core.bus import HostUnreachable
from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.core.errors import Conflict, NuboError

A, S = states.ACTIVE, states.STOPPED


class ServerActions:
    def __init__(self, servers: ServerService, reclaim_interval: int = 0) -> None:
        self.servers = servers
        self.c = servers.conductor
        self.reclaim_interval = reclaim_interval

    async def _simple(self, ctx: RequestContext, sid: str, action: str,
                      allowed: tuple[str, ...], task: str, plan: Any = None) -> Instance:
        inst: Instance = await self.servers.begin_action(ctx, sid, action, allowed, task, plan=plan)
        self.c.spawn_task(inst.id, self.c.work_for(inst))
        return inst

    async def pause(self, ctx: RequestContext, sid: str) -> None:
        await self._simple(ctx, sid, "pause", (A,), states.PAUSING)

    async def unpause(self, ctx: RequestContext, sid: str) -> None:
        await self._simple(ctx, sid, "unpause", (states.PAUSED,), states.UNPAUSING)

    async def suspend(self, ctx: RequestContext, sid: str) -> None:
        await self._simple(ctx, sid, "suspend", (A,), states.SUSPENDING)

    async def resume(self, ctx: RequestContext, sid: str) -> None:
        await self._simple(ctx, sid, "resume", (states.SUSPENDED,), states.RESUMING)

    async def rescue(self, ctx: RequestContext, sid: str, image_ref: str | None) -> None:
        if image_ref is not None:
            current = (await self.servers.get(ctx, sid)).instance
            f = current.flavor
            await self.servers.check_image(ctx, image_ref, _Flavor(f["ram"], f["disk"]))
        await self._simple(ctx, sid, "rescue", (A, S, states.ERROR), states.RESCUING,
                           plan=lambda i: {"rescue": {"image_ref": image_ref}})

    async def unrescue(self, ctx: RequestContext, sid: str) -> None:
        await self._simple(ctx, sid, "unrescue", (states.RESCUED,), states.UNRESCUING)

    # ------------------------------------------------------------------ shelve

    async def shelve(self, ctx: RequestContext, sid: str) -> None:
        allowed = (A, S, states.PAUSED, states.SUSPENDED)
        current = await self._check(ctx, sid, "shelve", allowed)
        images = self.servers.images
        image_id = await create_record(images, ctx, current, f"{current.name}-shelved", {})
        try:
            await self._simple(ctx, sid, "shelve", allowed, states.SHELVING,
                               plan=lambda i: {"shelve": {"image_id": image_id}})
        except NuboError:
            await images.images.delete(owner_context(current), image_id)
            raise

    async def shelve_offload(self, ctx: RequestContext, sid: str) -> None:
        await self._simple(ctx, sid, "shelveOffload", (states.SHELVED,),
                           states.SHELVING_OFFLOADING)

    async def unshelve(self, ctx: RequestContext, sid: str, zone: str | None = None,
                       zone_given: bool | None = None, host: str | None = None,
                       authorize_host: Callable[[Instance], None] | None = None) -> None:
        """Nova's unshelve rules: a zone (2.77; None unpins it, 2.91) or a host (2.91,
        admins: `authorize_host` raises otherwise) only for a SHELVED_OFFLOADED server; the
        zone must be available, the host must exist and lie in the zone the server will be
        pinned to. The pinned zone is saved at once (as Nova saves its RequestSpec)."""
        given = zone is not None if zone_given is None else zone_given
        allowed = (states.SHELVED, states.SHELVED_OFFLOADED)
        current = await self._check(ctx, sid, "unshelve", allowed)
        if (given or host) and current.vm_state != states.SHELVED_OFFLOADED:
            raise errors.UnshelveInstanceInvalidState(instance_uuid=current.id,
                                                      state=current.vm_state)
        hosts = await self._host_names()
        if given and zone and zone not in {h.availability_zone for h in hosts.values()
                                           if not h.disabled}:
            raise errors.AvailabilityZoneNotAvailable()
        pinned = zone if given else (current.request_spec or {}).get("availability_zone")
        if host:
            if authorize_host is not None:
                authorize_host(current)
            if host not in hosts:
                raise errors.TargetHostNotFound(host=host)
            if pinned is not None and hosts[host].availability_zone != pinned:
                raise errors.UnshelveHostNotInAZ(host=host, availability_zone=pinned)

        def plan(i: Instance) -> dict[str, Any]:
            doc = {k: v for k, v in (i.request_spec.get("shelve") or {}).items()
                   if k not in ("availability_zone", "host")}
            if given:
                doc["availability_zone"] = zone
            if host:
                doc["host"] = host
            return {"shelve": doc, "availability_zone": pinned}
        await self._simple(ctx, sid, "unshelve", allowed, states.UNSHELVING, plan=plan)

    async def _check(self, ctx: RequestContext, sid: str, action: str,
                     allowed: tuple[str, ...]) -> Instance:
        """Nova's state check without starting anything (before side effects elsewhere)."""
        current: Instance = (await self.servers.get(ctx, sid)).instance
        if current.locked and not ctx.is_admin:
            raise errors.InstanceIsLocked(instance_uuid=current.id)
        if current.vm_state not in allowed or current.task_state is not None:
            attr, state = ("task_state", current.task_state) if current.task_state is not None \
                else ("vm_state", current.vm_state)
            raise errors.InstanceInvalidState(action=action, uuid=current.id, attr=attr,
                                              state=state)
        return current

    # ------------------------------------------------------------------ backup

    async def backup(self, ctx: RequestContext, sid: str, arg: dict[str, Any]) -> str:
        allowed = (A, S, states.PAUSED, states.SUSPENDED)
        current = await self._check(ctx, sid, "createBackup", allowed)
        meta = {**(arg.get("metadata") or {}), "backup_type": arg["backup_type"]}
        images = self.servers.images
        image_id = await create_record(images, ctx, current, arg["name"], meta, "backup")
        plan = {"image_id": image_id, "backup_type": arg["backup_type"],
                "rotation": int(arg["rotation"])}
        try:
            await self._simple(ctx, sid, "createBackup", allowed, states.IMAGE_BACKUP,
                               plan=lambda i: {"snapshot": plan})
        except NuboError:
            await images.images.delete(owner_context(current), image_id)
            raise
        return str(image_id)

    # ------------------------------------------------------------------ delete

    async def delete(self, ctx: RequestContext, sid: str) -> None:
        """DELETE: soft when reclaim_instance_interval is set and the server ever ran
        (Nova's rule), else at once."""
        current = (await self.servers.get(ctx, sid)).instance
        if self.reclaim_interval > 0 and current.launched_at is not None and current.host and \
                current.task_state is None and current.vm_state != states.SOFT_DELETED:
            try:
                await self._simple(ctx, sid, "delete",
                                   tuple(v for v in _ALL_VM if v != states.SOFT_DELETED),
                                   states.SOFT_DELETING)
                return
            except Conflict as exc:
                if "locked" in str(exc):
                    raise
        await self.servers.delete(ctx, sid)
        shelved = (current.request_spec or {}).get("shelve") or {}
        if shelved.get("image_id"):       # the shelved image goes with the server (Nova)
            try:
                await self.servers.images.images.delete(owner_context(current),
                                                        shelved["image_id"])
            except NuboError:
                pass

    async def restore(self, ctx: RequestContext, sid: str) -> None:
        await self._simple(ctx, sid, "restore", (states.SOFT_DELETED,), states.RESTORING)

    # ------------------------------------------------------------------ moves

    async def _host_names(self) -> dict[str, Any]:
        return {h.name: h for h in await self.c.host_states()}

    async def migrate(self, ctx: RequestContext, sid: str, host: str | None) -> None:
        current = (await self.servers.get(ctx, sid)).instance
        if host is not None:
            if host not in await self._host_names():
                raise errors.TargetHostNotFound(host=host)
            if host == current.host:
                raise errors.CannotMigrateToSameHost()

        def plan(i: Instance) -> dict[str, Any]:
            return {"resize": {**resize_plan(i, i.flavor), "migrate": True, "host": host}}
        await self._simple(ctx, sid, "migrate", (A, S), states.RESIZE_PREP, plan=plan)

    async def live_migrate(self, ctx: RequestContext, sid: str, host: str | None) -> None:
        current = (await self.servers.get(ctx, sid)).instance
        if host is not None:
            if host not in await self._host_names():
                raise errors.TargetHostNotFound(host=host)
            if host == current.host:
                raise errors.UnableToMigrateToSelf(instance_id=current.id, host=host)
        mig = str(uuid.uuid4())
        inst = await self.servers.begin_action(
            ctx, sid, "live-migration", (A, states.PAUSED), states.MIGRATING,
            plan=lambda i: {"live": {"migration": mig, "host": host, "source": i.host}})
        await records.record(self.servers.db, mig, inst, "live-migration", "accepted",
                             inst.host, host)
        self.c.spawn_task(inst.id, self.c.work_for(inst))

    async def evacuate(self, ctx: RequestContext, sid: str, host: str | None) -> None:
        current = (await self.servers.get(ctx, sid)).instance
        hosts = await self._host_names()
        if host is not None:
            if host not in hosts:
                raise errors.EvacuateHostNotFound(host=host)
            if host == current.host:
                raise errors.EvacuateToSameHost()
        source = hosts.get(current.host or "")
        if source is not None and not source.down:
            raise errors.ComputeServiceInUse(host=current.host)
        mig = str(uuid.uuid4())
        inst = await self.servers.begin_action(
            ctx, sid, "evacuate", (A, S, states.ERROR), states.REBUILDING,
            plan=lambda i: {"evacuate": {"migration": mig, "host": host, "source": i.host,
                                         "old_vm_state": i.vm_state}})
        await records.record(self.servers.db, mig, inst, "evacuation", "accepted",
                             inst.host, host)
        self.c.spawn_task(inst.id, self.c.work_for(inst))


    async def force_complete(self, ctx: RequestContext, sid: str, migration_id: str) -> None:
        """os-migrations/{id}/action forceComplete (2.22) with Nova's checks: 409 when
        locked or not ACTIVE/migrating, 400 when the migration is not this server's or not
        running. As Nova's libvirt driver, the guest is paused on the source so that the
        copy converges; it runs again on the destination (or on the source, should the
        move fail). The event joins the live migration's own instance action."""
        current: Instance = (await self.servers.get(ctx, sid)).instance
        if current.locked and not ctx.is_admin:
            raise errors.InstanceIsLocked(instance_uuid=current.id)
        for attr, value, allowed in (("vm_state", current.vm_state, A),
                                     ("task_state", current.task_state, states.MIGRATING)):
            if value != allowed:
                raise errors.InstanceInvalidState(action="force_complete", uuid=current.id,
                                                  attr=attr, state=value)
        m = await records.by_id(self.servers.db, migration_id, current.id)
        if m is None:
            raise errors.MigrationNotFoundByStatus(migration_id=migration_id,
                                                   instance_id=current.id)
        if m.status != "running":
            raise errors.InvalidMigrationState(migration_id=migration_id, instance_uuid=current.id,
                                               state=m.status, method="force complete")
        started, source = utcnow(), m.source_compute
        try:
            await self.c.bus.call(source or "", "pause", instance_id=current.id)
            result, tb = "Success", None
        except (SpawnFailed, HostUnreachable) as exc:
            result, tb = "Error", str(exc)
        await self.c.commit(current.id, {"task_state": states.MIGRATING}, [(
            "compute_live_migration_force_complete", started, source, result, tb)])


class _Flavor:
    """What ServerService._check_image reads of a flavor."""

    def __init__(self, memory_mb: int, root_gb: int) -> None:
        self.memory_mb, self.root_gb = memory_mb, root_gb


_ALL_VM = (A, S, states.PAUSED, states.SUSPENDED, states.RESCUED, states.ERROR,
           states.RESIZED, states.SHELVED, states.SHELVED_OFFLOADED, states.SOFT_DELETED)
