"""The conductor: carries each server operation from the API to a host and back, durably.

The instance row is the record of where an operation stands (vm_state, task_state, host,
request_spec with the hosts already tried). Every step is idempotent and is taken only if
the row is still in the state the step expects (conditional UPDATEs), so that a delete racing
a build, or a restart after `kill -9` re-running a step, converges instead of corrupting.
`reconcile` runs on start and then periodically: it resumes what was cut off and fails what
has been stuck longer than its state's timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nubo.compute import states
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.conductor.actions import ActionWorker
from nubo.compute.conductor.heartbeats import Heartbeats
from nubo.compute.conductor.resize import Resizer
from nubo.compute.conductor.snapshot import Snapshotter, owner_context
from nubo.compute.conductor.steps import ImageLookup
from nubo.compute.conductor.vifplug import VifPlugAbandoned, VifPlugFailed, VifPlugging
from nubo.compute.models import (
    ComputeHost,
    Instance,
    InstanceAction,
    InstanceActionEvent,
    InstanceMetadata,
)
from nubo.compute.service import migration_records as records
from nubo.compute.service.aggregates import host_aggregate_info
from nubo.compute.service.external_events import EventWaiters
from nubo.compute.service.networking import ComputeNetworking
from nubo.core.bus import Bus, HostUnreachable
from nubo.core.db import Database, utcnow
from nubo.core.errors import NuboError
from nubo.core.locks import DatabaseLocks, KeyedLocks
from nubo.core.metrics import STEP_DURATION, reconciled
from nubo.image.api import ImageApi
from nubo.placement.service import ClaimAborted, PlacementService
from nubo.scheduler.filters import HostState, RequestSpec
from nubo.scheduler.scheduler import NoValidHost, Scheduler, Selection

LOG = logging.getLogger("nubo.compute.conductor.manager")
#: one line per conductor step (in the log file, not on the console): instance, step, result,
#: duration and the request id of the action it belongs to
STEPS = logging.getLogger("nubo.steps")
#: Nova's service_down_time by default (settings.service_down_time)
HOST_DOWN_AFTER = timedelta(seconds=60)
#: a host heard nothing from for this many report intervals is asked (25 s at Nova's 10)
SILENT_INTERVALS = 2.5

#: (group id, instance id) -> (policy, hosts of the group's other live members)
GroupLookup = Callable[[str, str], Awaitable[tuple[str | None, list[str]]]]


class BootVolumes(Protocol):
    """A server's block_device_mapping_v2 volumes (compute/service/server_volumes.py)."""

    async def prepare(self, instance_id: str, project_id: str, user_id: str, host: str,
                      bdms: list[dict[str, Any]],
                      remember: Callable[[list[dict[str, Any]]], Awaitable[None]]) -> None:
        """Make the volumes not made yet and attach all to `host`; raises on failure."""
        ...

    async def devices(self, instance_id: str) -> list[dict[str, Any]]:
        """The attached volumes as the host gets them in a spawn."""
        ...

    async def discard(self, bdms: list[dict[str, Any]]) -> None:
        """After the delete: volumes made with delete_on_termination never attached go."""
        ...


class Conductor:
    def __init__(self, db: Database, bus: Bus, placement: PlacementService,
                 scheduler: Scheduler, image_lookup: ImageLookup,
                 networking: ComputeNetworking | None, images: ImageApi,
                 max_attempts: int = 3, group_lookup: GroupLookup | None = None, *,
                 vif_plugging_timeout: float = 300.0, vif_plugging_is_fatal: bool = True,
                 reclaim_interval: int = 0, shelved_offload_time: int = 0,
                 volume_release: Callable[[str], Awaitable[None]] | None = None,
                 boot_volumes: BootVolumes | None = None,
                 service_down_time: timedelta = HOST_DOWN_AFTER,
                 report_interval: float = 10.0) -> None:
        """`networking`: the servers' ports (None: servers get no NICs); `images`: where
        snapshots and shelved images go; the vif plugging options are Nova's
        vif_plugging_timeout and vif_plugging_is_fatal, `reclaim_interval` and
        `shelved_offload_time` Nova's options of the same names, as are
        `service_down_time` (a host silent for longer is down) and `report_interval` (how
        often the agents beat: a host silent for SILENT_INTERVALS of them is asked)."""
        self.db = db
        self.bus = bus
        #: a deleted server's volumes are released (server_volumes.py)
        self.volume_release = volume_release
        #: the volumes of a server's block_device_mapping_v2, made and attached at build
        self.boot_volumes = boot_volumes
        self.placement = placement
        self.scheduler = scheduler
        self.image_lookup = image_lookup
        self.max_attempts = max_attempts
        self.group_lookup = group_lookup
        self.networking = networking
        self.resizer = Resizer(self)
        self.snapshotter = Snapshotter(self, images)
        #: pause, shelve, migrate, evacuate ... (actions.py) and the periodic reclaim/offload
        self.actions = ActionWorker(self, self.snapshotter, reclaim_interval,
                                    shelved_offload_time)
        #: os-server-external-events waited for; any replica may receive them
        self.events = EventWaiters(db, bus)
        #: binding ports to hosts and waiting for network-vif-plugged
        self.vifs = VifPlugging(self.events, networking, vif_plugging_timeout,
                                vif_plugging_is_fatal)
        self._tasks: set[asyncio.Task[None]] = set()
        self.heartbeats = Heartbeats(db, bus)
        self.service_down_time = service_down_time
        self.silent_after = timedelta(seconds=report_interval * SILENT_INTERVALS)
        #: one operation at a time per instance ("instance:<id>"), the boots into one server
        #: group scheduled one at a time ("group:<id>"): across every replica on the database
        self.locks: KeyedLocks = DatabaseLocks(db)
        self._hosts_cache: tuple[Any, list[HostState]] | None = None
        #: rows the API just created, handed to their first build pass (one read less;
        #: the claim's conditional update still sees a delete that came meanwhile)
        self._created: dict[str, Instance] = {}

    # ------------------------------------------------------------------ hosts

    async def register_host(self, report: dict[str, Any]) -> None:
        """An agent reported itself: record the host and its inventory in placement."""
        name = report["host"]
        async with self.db.write() as s:
            host = await s.get(ComputeHost, name)
            if host is None:
                host = ComputeHost(name=name, provider_uuid=str(uuid.uuid5(
                    uuid.NAMESPACE_DNS, f"nubo-compute-{name}")))
                s.add(host)
            host.hypervisor_type = report["hypervisor_type"]
            host.vcpus, host.memory_mb = report["vcpus"], report["memory_mb"]
            host.local_gb = report["local_gb"]
            host.availability_zone = report.get("availability_zone") or "nova"
            host.last_seen = utcnow()
            provider = host.provider_uuid
        try:    # keep the host aggregates os-aggregates mirrored into placement
            _, aggregates = await self.placement.provider_aggregates(provider)
        except NuboError:
            aggregates = []
        await self.placement.ensure_provider(provider, name, {
            "VCPU": {"total": report["vcpus"],
                     "allocation_ratio": report["cpu_allocation_ratio"]},
            "MEMORY_MB": {"total": report["memory_mb"],
                          "reserved": report["reserved_memory_mb"],
                          "allocation_ratio": report["ram_allocation_ratio"]},
            "DISK_GB": {"total": report["local_gb"],
                        "allocation_ratio": report["disk_allocation_ratio"]}},
            traits=["COMPUTE_NODE"], aggregates=aggregates)

    def host_seen(self, host: str) -> None:
        """A host's heartbeat (`compute.heartbeat`) arrived (heartbeats.py)."""
        self.heartbeats.beat(host)

    async def heartbeat(self, hosts: list[str],
                        silent_after: timedelta | None = None) -> list[str]:
        """The periodic check: hosts push their heartbeats; ask those of `hosts` silent for
        `silent_after` (an earlier agent does not beat) and mark the ones that answer, in one
        write (a thousand simulated hosts must not mean a thousand writes every period).
        Returns the hosts that did not answer."""
        return await self.heartbeats.ask_silent(hosts, silent_after or self.silent_after)

    async def known_hosts(self) -> list[str]:
        """Every compute host recorded (each registered itself with its first report)."""
        async with self.db.read() as s:
            return sorted((await s.execute(select(ComputeHost.name))).scalars())

    async def host_states(self) -> list[HostState]:
        """All hosts as the scheduler sees them; read at most once a second (a host's
        enabled/up state may lag that long; placement's claim keeps capacity exact). Hosts
        still starting (right after `nubo up` started) are waited for: they report first."""
        await self.bus.settled()
        now = utcnow()
        if self._hosts_cache is not None and now - self._hosts_cache[0] < timedelta(seconds=1):
            return self._hosts_cache[1]
        async with self.db.read() as s:
            hosts = list((await s.execute(select(ComputeHost))).scalars())
            # an aggregate's availability_zone puts its hosts in that zone
            zones, agg_meta = await host_aggregate_info(s)
        result = [HostState(h.name, h.provider_uuid, zones.get(h.name, h.availability_zone),
                            h.hypervisor_type, disabled=h.disabled,
                            down=h.forced_down
                            or now - h.last_seen > self.service_down_time,
                            aggregate_metadata=agg_meta.get(h.name, {}))
                  for h in hosts]
        self._hosts_cache = (now, result)
        return result

    def invalidate_hosts(self) -> None:
        """Hosts changed (enabled, disabled, aggregates): the next read sees it at once."""
        self._hosts_cache = None

    # ------------------------------------------------------------------ bookkeeping

    async def commit(self, instance_id: str, expect: dict[str, Any],
                     events: list[tuple[str, Any, str | None, str, str | None]],
                     finish: bool = False, message: str | None = None,
                     migration_status: tuple[str, str] | None = None,
                     **values: Any) -> bool:
        """Record a step of an operation, in one transaction: the instance row takes
        `values` only if it is not deleted and still has the `expect`ed values (a delete or
        another operation that came meanwhile wins); the `events` (name, start, host, result,
        traceback) are added to the instance's latest action; with `finish` that action ends
        (with `message`); with `migration_status` (uuid, status) the move's record changes in
        the same transaction, so a client seeing the server settled sees its migration final.
        Returns whether the row changed (False: the step lost the race, do nothing more)."""
        async with self.db.write() as s:
            ok = await self.commit_in(s, instance_id, expect, events, finish, message,
                                      **values)
            if migration_status is not None:
                await records.set_status_in(s, *migration_status)
            return ok

    async def commit_in(self, s: AsyncSession, instance_id: str, expect: dict[str, Any],
                        events: list[tuple[str, Any, str | None, str, str | None]],
                        finish: bool = False, message: str | None = None,
                        **values: Any) -> bool:
        """`commit`'s work inside the caller's transaction `s` (for a step that writes
        other rows with it); the same contract, the caller commits."""
        values.setdefault("updated_at", utcnow())
        q = update(Instance).where(Instance.id == instance_id, Instance.deleted.is_(False))
        for k, v in expect.items():
            col = getattr(Instance, k)
            q = q.where(col.is_(None) if v is None else col == v)
        ok = bool((await s.execute(q.values(**values))).rowcount)  # type: ignore[attr-defined]
        # plain statements, not ORM objects: this runs in every step of every build
        action = (await s.execute(select(InstanceAction.id, InstanceAction.finish_time,
                                         InstanceAction.request_id).where(
            InstanceAction.instance_id == instance_id).order_by(
            InstanceAction.id.desc()).limit(1))).first()
        if action is not None:
            now = utcnow()
            if events:
                for name, start, host, result, _tb in events:
                    took = max((now - start).total_seconds(), 0.0)
                    STEP_DURATION.labels(name, result).observe(took)
                    STEPS.info("%s %s %s on %s in %.1f ms", instance_id, name, result, host,
                               took * 1000, extra={
                                   "instance_id": instance_id, "step": name,
                                   "result": result, "host": host,
                                   "ms": round(took * 1000, 2),
                                   "request_id": action.request_id})
                await s.execute(insert(InstanceActionEvent), [
                    {"action_id": action.id, "event": name, "host": host,
                     "start_time": start, "finish_time": now, "result": result,
                     "traceback": tb} for name, start, host, result, tb in events])
            if ok and finish and action.finish_time is None:
                await s.execute(update(InstanceAction).where(
                    InstanceAction.id == action.id).values(
                    finish_time=now, updated_at=now,
                    **({"message": message} if message else {})))
        return ok

    async def set_if(self, instance_id: str, expect: dict[str, Any], **values: Any) -> bool:
        """Set `values` on the instance row only if it is not deleted and still has the
        `expect`ed values (None: the column is NULL); no action event. Returns whether the
        row changed."""
        q = update(Instance).where(Instance.id == instance_id, Instance.deleted.is_(False))
        for k, v in expect.items():
            col = getattr(Instance, k)
            q = q.where(col.is_(None) if v is None else col == v)
        values.setdefault("updated_at", utcnow())
        async with self.db.write() as s:
            res = await s.execute(q.values(**values))
            return bool(res.rowcount)  # type: ignore[attr-defined]

    def spawn_task(self, instance_id: str, work: Callable[[str], Awaitable[None]]) -> None:
        """Run `work(instance_id)` in the background once no operation on the instance
        runs in this or any other replica; operations on one instance run in turn."""
        async def run() -> None:
            try:
                async with self.locks.hold(f"instance:{instance_id}"):
                    await work(instance_id)
            except Exception:  # noqa: BLE001 - the reconciler will pick it up again
                LOG.exception("operation on instance %s failed", instance_id)
        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def queue_depth(self) -> int:
        """Operations running or waiting for their instance's lock."""
        return len(self._tasks)

    async def busy(self, instance_id: str) -> bool:
        """Whether an operation on the instance runs (or waits) now, in any replica."""
        return await self.locks.busy(f"instance:{instance_id}")

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        await self.heartbeats.stop()
        await self.locks.close()

    # ------------------------------------------------------------------ build

    def build_created(self, inst: Instance) -> None:
        """Start building a server the API has just committed (`inst` is its row)."""
        self._created[inst.id] = inst
        STEPS.info("%s build accepted", inst.id, extra={"instance_id": inst.id})
        self.spawn_task(inst.id, self.build)

    async def build(self, instance_id: str) -> None:
        while True:
            inst = self._created.pop(instance_id, None)
            if inst is None:
                async with self.db.read() as s:
                    inst = await s.get(Instance, instance_id)
            if inst is None or inst.deleted or inst.vm_state != states.BUILDING:
                return
            if inst.task_state == states.DELETING:
                return await self.delete(instance_id)
            if inst.host and inst.task_state == states.SPAWNING:
                await self._spawn(inst)       # resumed after a restart: spawn is idempotent
                return
            if not await self._schedule(inst):
                return

    async def _schedule(self, inst: Instance) -> bool:
        spec_doc = dict(inst.request_spec or {})
        tried: list[str] = list(spec_doc.get("tried", []))
        image = spec_doc.get("image")     # as the API checked it at create
        if not image or image.get("id") != inst.image_ref:
            image = await self.image_lookup(inst.image_ref) if inst.image_ref else None
        started = utcnow()
        flavor = inst.flavor
        # a volume-backed server's root disk is its volume: no local disk claimed (Nova)
        disk = (0 if spec_doc.get("volume_backed") else flavor["disk"]) + \
            flavor.get("ephemeral", 0)
        spec = RequestSpec(
            instance_id=inst.id, project_id=inst.project_id, user_id=inst.user_id,
            resources={"VCPU": flavor["vcpus"], "MEMORY_MB": flavor["ram"],
                       **({"DISK_GB": disk} if disk else {})},
            availability_zone=inst.availability_zone,
            image_properties=(image or {}).get("properties", {}),
            flavor_extra_specs=flavor.get("extra_specs", {}), ignore_hosts=tried,
            group_policy=spec_doc.get("group_policy"),
            group_hosts=spec_doc.get("group_hosts", []))
        event = "conductor_schedule_and_build_instances"
        group = spec_doc.get("group")
        async with self.locks.hold(f"group:{group}") if group else \
                contextlib.nullcontext():
            return await self._place(inst, spec, spec_doc, tried, image, started, event, group)

    async def _place(self, inst: Instance, spec: RequestSpec, spec_doc: dict[str, Any],
                     tried: list[str], image: dict[str, Any] | None, started: Any,
                     event: str, group: str | None) -> bool:
        if group and self.group_lookup is not None:
            spec.group_policy, spec.group_hosts = await self.group_lookup(group, inst.id)
        async def record(s: AsyncSession, selection: Selection) -> bool:
            # the host and the scheduling event, in the claim's own transaction: a build
            # deleted (or changed) meanwhile gets no allocation at all
            return await self.commit_in(
                s, inst.id, {"vm_state": states.BUILDING, "task_state": states.SCHEDULING},
                [(event, started, None, "Success", None)], host=selection.host,
                task_state=states.SPAWNING, task_started_at=utcnow())
        # the servers of one multi-create are placed one at a time (each sees the claims of
        # those before it, as Nova's one select_destinations call for them all): they spread
        batch = None if group else spec_doc.get("batch")
        try:
            async with self.locks.hold(f"batch:{batch}") if batch else \
                    contextlib.nullcontext():
                selection = await self.scheduler.select(spec, await self.host_states(),
                                                        record)
        except NoValidHost as exc:
            message = str(exc)
            if tried:   # every host left was tried already: say what failed there
                message = (f"Exceeded maximum number of retries. Exhausted all hosts "
                           f"available for retrying build failures for instance {inst.id}. "
                           f"Last error: {spec_doc.get('last_error')}. {exc}")
                # the ports the earlier attempts made go (Nova's conductor cleans up the
                # allocated networks when it gives up)
                await self._unplug_networks(inst)
            await self._fail(inst.id, message, code=500, expect_task=states.SCHEDULING,
                             events=[(event, started, None, "Error", str(exc))])
            return False
        except ClaimAborted:
            await self.placement.delete_allocations(inst.id)   # one claimed before a crash
            async with self.db.read() as s:
                current = await s.get(Instance, inst.id)
            if current is not None and current.task_state == states.DELETING:
                await self.delete(inst.id)
            return False
        inst.host = selection.host
        return await self._spawn(inst, image)

    async def instance_spec(self, inst: Instance, image: dict[str, Any] | None = None,
                            flavor: dict[str, Any] | None = None) -> dict[str, Any]:
        """What the agent needs to run the instance (an InstanceSpec as plain values)."""
        if image is None and inst.image_ref:
            image = await self.image_lookup(inst.image_ref)
        async with self.db.read() as s:
            meta = {m.key: m.value for m in (await s.execute(select(InstanceMetadata).where(
                InstanceMetadata.instance_id == inst.id))).scalars()}
        # NICs only where a dataplane plugs the ports as taps (the one that sends
        # network-vif-plugged); with none (noop) there is no tap to give the guest
        vifs = [] if self.networking is None or not self.networking.vif_events else \
            await self.networking.vifs(inst.id, (inst.request_spec or {}).get("networks") or [])
        devices = await self.boot_volumes.devices(inst.id) if self.boot_volumes else []
        return {"id": inst.id, "name": f"instance-{inst.seq:08x}", "display_name": inst.name,
                "flavor": flavor or inst.flavor, "image": image or {},
                "user_data": inst.user_data, "key_data": inst.key_data,
                "config_drive": inst.config_drive, "metadata": meta,
                "vifs": [dataclasses.asdict(v) for v in vifs],
                **({"block_devices": devices} if devices else {})}

    async def _spawn(self, inst: Instance, image: dict[str, Any] | None = None) -> bool:
        host = inst.host or ""
        event, started = "compute__do_build_and_run_instance", utcnow()
        if not await self._plug_networks(inst, host, event, started):
            return False
        if not await self._prepare_volumes(inst, host, event, started):
            return False
        spec = await self.instance_spec(inst, image)    # with the ports as NICs
        try:
            power = await self.bus.call(host, "spawn", spec=spec, timeout=900)
        except Exception as exc:  # noqa: BLE001 - any failure on the host (as Nova's)
            if not isinstance(exc, (SpawnFailed, HostUnreachable)):
                LOG.exception("spawn of %s on %s broke", inst.id, host)
            return await self._reschedule(inst, host, str(exc) or type(exc).__name__,
                                          (event, started, host, "Error", str(exc)))
        if await self.commit(inst.id, {"task_state": states.SPAWNING, "host": host},
                             [(event, started, host, "Success", None)], finish=True,
                             vm_state=states.ACTIVE, task_state=None, power_state=power,
                             launched_at=utcnow(), progress=100, task_started_at=None):
            return False
        async with self.db.read() as s:            # deleted while spawning: clean the host
            current = await s.get(Instance, inst.id)
        if current is None or current.deleted or current.task_state == states.DELETING:
            await self.delete(inst.id)
        return False

    async def _reschedule(self, inst: Instance, host: str, reason: str,
                          event: tuple[str, Any, str | None, str, str | None]) -> bool:
        await self.destroy_on(host, inst.id)
        await self.placement.delete_allocations(inst.id)
        doc = dict(inst.request_spec or {})
        tried = list(doc.get("tried", [])) + [host]
        doc["tried"], doc["last_error"] = tried, reason
        if len(tried) >= self.max_attempts:
            await self.set_if(inst.id, {"task_state": states.SPAWNING}, request_spec=doc)
            await self._unplug_networks(inst)      # as Nova, before the instance shows ERROR
            await self._fail(inst.id, f"Exceeded maximum number of retries. Exhausted all "
                             f"hosts available for retrying build failures for instance "
                             f"{inst.id}. Last error: {reason}", code=500,
                             expect_task=states.SPAWNING, events=[event])
            return False
        return await self.commit(inst.id, {"task_state": states.SPAWNING}, [event],
                                 host=None, task_state=states.SCHEDULING, request_spec=doc,
                                 task_started_at=utcnow())

    async def _plug_networks(self, inst: Instance, host: str, event: str,
                             started: Any) -> bool:
        """Make and bind the server's ports on its host, then wait until the host's dataplane
        has plugged them (network-vif-plugged). A network that cannot give an address, or a
        port that is not plugged in time, fails the build: another host would not help."""
        nets = inst.request_spec.get("networks") or []
        if not nets or self.networking is None:
            return True
        await self.vifs.prepare(inst.id)
        try:
            await self.networking.allocate(owner_context(inst), inst.id, host,
                                           inst.availability_zone, nets,
                                           inst.security_groups or [])
        except NuboError as exc:
            # ports an earlier attempt (on another host) made go too
            await self._unplug_networks(inst)
            await self.placement.delete_allocations(inst.id)
            await self._fail(inst.id, f"Build of instance {inst.id} aborted: Failed to "
                             f"allocate the network(s): {exc}", code=500,
                             expect_task=states.SPAWNING,
                             events=[(event, started, host, "Error", str(exc))])
            return False
        try:
            await self.vifs.wait(inst.id, host, abandon=lambda: self._deleting(inst.id))
        except VifPlugAbandoned:
            return False            # deleted meanwhile: the delete queued behind us cleans up
        except VifPlugFailed as exc:
            # Nova's BuildAbortException for a VirtualInterfaceCreateException: no
            # reschedule; as Nova, the ports go before the instance shows ERROR
            await self.destroy_on(host, inst.id)    # a resumed build may have spawned
            await self._unplug_networks(inst)
            await self.placement.delete_allocations(inst.id)
            # the message is Nova's, then why when the host's agent says (the user sees
            # only the message of a 500 fault)
            reason = exc.reason(host)
            await self._fail(inst.id, f"Build of instance {inst.id} aborted: Failed to "
                             f"allocate the network(s), not rescheduling."
                             + (f" {reason}" if reason else ""), code=500,
                             expect_task=states.SPAWNING, details=str(exc),
                             events=[(event, started, host, "Error", str(exc))])
            return False
        return True

    async def _prepare_volumes(self, inst: Instance, host: str, event: str,
                               started: Any) -> bool:
        """The volumes of the server's block_device_mapping_v2, made and attached to
        `host` before the spawn. A volume that cannot be made or attached fails the build
        (Nova's "Failure prepping block device": another host would not help); the
        volumes stay with the server in ERROR and go with its delete (as Nova's)."""
        bdms = (inst.request_spec or {}).get("bdms") or []
        if not bdms or self.boot_volumes is None:
            return True

        async def remember(plan: list[dict[str, Any]]) -> None:
            doc = {**(inst.request_spec or {}), "bdms": plan}
            inst.request_spec = doc
            await self.set_if(inst.id, {"task_state": states.SPAWNING}, request_spec=doc)
        try:
            await self.boot_volumes.prepare(inst.id, inst.project_id, inst.user_id, host,
                                            bdms, remember)
        except Exception as exc:  # noqa: BLE001 - any failure stops the build (Nova's)
            await self.destroy_on(host, inst.id)
            await self._unplug_networks(inst)
            await self.placement.delete_allocations(inst.id)
            await self._fail(inst.id, f"Build of instance {inst.id} aborted: Failure "
                             f"prepping block device. {exc}", code=500,
                             expect_task=states.SPAWNING, details=str(exc),
                             events=[(event, started, host, "Error", str(exc))])
            return False
        return True

    async def _deleting(self, instance_id: str) -> bool:
        async with self.db.read() as s:
            inst = await s.get(Instance, instance_id)
        return inst is None or inst.deleted or inst.task_state == states.DELETING

    async def release_build(self, inst: Instance) -> None:
        """A build given up: everything it took goes (the guest and its disks on its host,
        the ports made for it, the user's ports unbound, its placement allocation)."""
        await self.destroy_on(inst.host, inst.id)
        await self._unplug_networks(inst)
        await self.placement.delete_allocations(inst.id)

    async def _unplug_networks(self, inst: Instance) -> None:
        if self.networking is None:
            return
        nets = inst.request_spec.get("networks") or []
        await self.networking.deallocate(inst.id, [n["port_id"] for n in nets
                                                   if n.get("port_id")])

    async def _fail(self, instance_id: str, message: str, code: int,
                    expect_task: str | None,
                    events: list[tuple[str, Any, str | None, str, str | None]] | None = None,
                    details: str | None = None) -> None:
        fault = {"code": code, "message": message[:255], "details": details or message,
                 "created": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")}
        expect: dict[str, Any] = {"task_state": expect_task} if expect_task else {}
        await self.commit(instance_id, expect, events or [], finish=True, message="Error",
                          vm_state=states.ERROR, task_state=None, fault=fault,
                          task_started_at=None)

    # ------------------------------------------------------------------ delete

    async def destroy_on(self, host: str | None, instance_id: str) -> bool:
        """Ask `host` to destroy the instance's guest and disks (idempotent on the host).
        True when it is gone or there was no host; False when the host did not answer (the
        caller leaves the step to be retried or the host to clean up when it is back)."""
        if not host:
            return True
        try:
            await self.bus.call(host, "destroy", instance_id=instance_id, timeout=300)
            return True
        except HostUnreachable as exc:
            LOG.warning("destroy of %s on %s deferred: %s", instance_id, host, exc)
            return False

    async def delete(self, instance_id: str) -> None:
        async with self.db.read() as s:
            inst = await s.get(Instance, instance_id)
        if inst is None or inst.deleted:
            return
        started = utcnow()
        # A host that does not answer keeps its copy; the record still goes (Nova's
        # local delete), and the host's own reconcile reports the orphan when it returns.
        await self.destroy_on(inst.host, instance_id)
        if self.volume_release is not None:
            await self.volume_release(instance_id)
        if self.boot_volumes is not None and (inst.request_spec or {}).get("bdms"):
            await self.boot_volumes.discard(inst.request_spec["bdms"])
        await self._unplug_networks(inst)
        await self.placement.delete_allocations(instance_id)
        await self.commit(instance_id, {}, [("compute_terminate_instance", started,
                                             inst.host, "Success", None)], finish=True,
                          deleted=True, deleted_at=utcnow(), terminated_at=utcnow(),
                          vm_state=states.DELETED, task_state=None,
                          power_state=states.NOSTATE, task_started_at=None)
        self.locks.forget(f"instance:{instance_id}")  # a deleted instance runs nothing more

    # ------------------------------------------------------------------ rebuild

    async def rebuild(self, instance_id: str) -> None:
        """Same host, new disk from the image: destroy, then spawn again (both idempotent,
        so a restart in the middle simply does them again)."""
        async with self.db.read() as s:
            inst = await s.get(Instance, instance_id)
        if inst is None or inst.deleted or inst.task_state != states.REBUILDING:
            return
        plan = dict(inst.request_spec.get("rebuild") or {})
        started, host = utcnow(), inst.host or ""
        inst.image_ref = plan.get("image_ref") or inst.image_ref
        try:
            await self.bus.call(host, "destroy", instance_id=inst.id, timeout=300)
            power = await self.bus.call(host, "spawn", spec=await self.instance_spec(inst),
                                        timeout=900)
            if plan.get("old_vm_state") == states.STOPPED:
                power = await self.bus.call(host, "power_off", instance_id=inst.id)
        except Exception as exc:  # noqa: BLE001 - any failure on the host (as Nova's)
            if not isinstance(exc, (SpawnFailed, HostUnreachable)):
                LOG.exception("rebuild of %s on %s broke", inst.id, host)
            await self._fail(inst.id, f"Rebuild failed on {host}: {exc}", code=500,
                             expect_task=states.REBUILDING,
                             events=[("compute_rebuild_instance", started, host, "Error",
                                      str(exc))])
            return
        back = states.STOPPED if plan.get("old_vm_state") == states.STOPPED else states.ACTIVE
        spec = {k: v for k, v in inst.request_spec.items() if k != "rebuild"}
        await self.commit(inst.id, {"task_state": states.REBUILDING},
                          [("compute_rebuild_instance", started, host, "Success", None)],
                          finish=True, vm_state=back, task_state=None, power_state=power,
                          image_ref=inst.image_ref, fault=None, task_started_at=None,
                          request_spec=spec)

    # ------------------------------------------------------------------ power

    async def power(self, instance_id: str) -> None:
        """Carry out the power task the API recorded (powering-off/on, rebooting)."""
        async with self.db.read() as s:
            inst = await s.get(Instance, instance_id)
        if inst is None or inst.deleted or not inst.host:
            return
        task = inst.task_state
        call, args, done_state = {
            states.POWERING_OFF: ("power_off", {}, states.STOPPED),
            states.POWERING_ON: ("power_on", {}, states.ACTIVE),
            states.REBOOTING: ("reboot", {"hard": False}, states.ACTIVE),
            states.REBOOTING_HARD: ("reboot", {"hard": True}, states.ACTIVE),
        }.get(task or "", (None, {}, None))
        if call is None:
            return
        event, started = f"compute_{call}_instance", utcnow()
        try:
            power = await self.bus.call(inst.host, call, instance_id=instance_id, **args)
        except (SpawnFailed, HostUnreachable) as exc:
            # the instance stays as it was; the task is cleared so the user can retry
            await self.commit(instance_id, {"task_state": task},
                              [(event, started, inst.host, "Error", str(exc))],
                              finish=True, message="Error", task_state=None,
                              task_started_at=None)
            return
        await self.commit(instance_id, {"task_state": task},
                          [(event, started, inst.host, "Success", None)], finish=True,
                          vm_state=done_state, task_state=None, power_state=power,
                          task_started_at=None)

    def work_for(self, inst: Instance) -> Callable[[str], Awaitable[None]]:
        """The step that carries the instance's current task forward."""
        task = inst.task_state
        if task == states.DELETING:
            return self.delete
        if inst.vm_state == states.BUILDING:
            return self.build
        extra = self.actions.work_for(inst) if self.actions is not None else None
        if extra is not None:       # pause, shelve, migrate, evacuate ... (actions_work.py)
            return extra  # type: ignore[no-any-return]
        if task in states.RESIZE_TASKS:
            return self.resizer.resize
        if task == states.RESIZE_CONFIRMING:
            return self.resizer.confirm
        if task == states.RESIZE_REVERTING:
            return self.resizer.revert
        if task == states.REBUILDING:
            return self.rebuild
        if task == states.IMAGE_SNAPSHOT and self.snapshotter is not None:
            return self.snapshotter.snapshot
        return self.power

    # ------------------------------------------------------------------ reconcile

    async def reconcile(self, settle: timedelta | None = None) -> dict[str, int]:
        """Resume every operation a restart cut off; fail the ones stuck past timeout.

        An operation another replica runs holds its instance's lock and is left alone.
        With `settle`, one whose row changed less than that long ago is left to the replica
        that accepted it (between its commit and its taking the lock, the lock is free)."""
        counts = {"resumed": 0, "timed_out": 0}
        now = utcnow()
        async with self.db.read() as s:
            rows = list((await s.execute(select(Instance).where(
                Instance.deleted.is_(False), Instance.task_state.is_not(None)))).scalars())
        for inst in rows:
            if await self.busy(inst.id):
                continue
            limit = states.TIMEOUTS.get(inst.task_state or "")
            started = inst.task_started_at or inst.updated_at
            if limit and now - started > limit and inst.task_state != states.DELETING:
                await self._abandon(inst)
                await self._fail(inst.id, f"Timed out in task state {inst.task_state} after "
                                 f"{limit}; the operation was abandoned.", code=500,
                                 expect_task=inst.task_state)
                counts["timed_out"] += 1
                continue
            if settle is not None and now - max(started, inst.updated_at) < settle:
                continue
            work = self.work_for(inst)
            self.spawn_task(inst.id, work)
            counts["resumed"] += 1
        if self.actions is not None:    # reclaim soft-deleted, offload shelved servers
            counts.update(await self.actions.periodic())
        reconciled("compute", counts)
        return counts

    async def _abandon(self, inst: Instance) -> None:
        """An operation stuck past its timeout releases what it took before the instance
        shows ERROR: a build everything; a resize, migration, live migration or evacuation
        its destination (the allocations go back to the source); the others hold nothing
        extra."""
        if inst.vm_state == states.BUILDING:
            await self.release_build(inst)
        elif inst.task_state in states.RESIZE_TASKS and inst.request_spec.get("resize"):
            await self.resizer.abandon(inst)
        elif inst.task_state in (states.MIGRATING, states.REBUILDING) and \
                self.actions is not None:       # a live migration or an evacuation
            await self.actions.migrator.abandon(inst)

    async def wait_event(self, instance_id: str, name: str, tag: str | None,
                         timeout: float) -> str:
        """Wait for an os-server-external-events event (e.g. network-vif-plugged with the
        port id as tag); its status, or TimeoutError."""
        return await self.events.wait(instance_id, name, tag, timeout)
