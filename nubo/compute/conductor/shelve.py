"""Shelve, shelve-offload and unshelve, carried out by the conductor.

Shelving powers the guest off and saves its disk as the image "<name>-shelved" (through the
Snapshotter, as createImage does); offloading then frees the host and the placement
allocation (at once with shelved_offload_time=0, as Nova's default). Unshelving an offloaded
server schedules it again (in the zone, or on the host, asked for) and spawns it from that
image, which is deleted once it runs. The plan (image id, zone and host asked for) lives in
request_spec["shelve"]: every step resumes.
"""

from __future__ import annotations

from nubo.compute import states
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.conductor.migrate import spec_for
from nubo.compute.conductor.snapshot import Snapshotter, owner_context
from nubo.compute.conductor.steps import InstanceSteps
from nubo.compute.conductor.vifplug import VifPlugFailed
from nubo.compute.models import Instance
from nubo.core.bus import HostUnreachable
from nubo.core.db import utcnow
from nubo.core.errors import NuboError
from nubo.scheduler.scheduler import NoValidHost


class Shelver:
    def __init__(self, conductor: InstanceSteps, snapshotter: Snapshotter,
                 offload_time: int = 0) -> None:
        self.c = conductor
        self.snapshotter = snapshotter
        self.offload_time = offload_time

    async def _load(self, instance_id: str, *tasks: str) -> Instance | None:
        async with self.c.db.read() as s:
            inst = await s.get(Instance, instance_id)
        if inst is None or inst.deleted or inst.task_state not in tasks:
            return None
        return inst

    async def shelve(self, instance_id: str) -> None:
        inst = await self._load(instance_id, states.SHELVING, states.SHELVING_IMAGE_UPLOADING)
        if inst is None:
            return
        plan = inst.request_spec.get("shelve") or {}
        started, host, event = utcnow(), inst.host or "", "compute_shelve_instance"
        try:
            power = await self.c.bus.call(host, "power_off", instance_id=inst.id)
        except (SpawnFailed, HostUnreachable) as exc:
            await self._drop_image(inst, plan.get("image_id"))
            await self.c.commit(inst.id, {"task_state": inst.task_state},
                                [(event, started, host, "Error", str(exc))], finish=True,
                                message="Error", task_state=None, task_started_at=None)
            return
        await self.c.set_if(inst.id, {"task_state": inst.task_state},
                            task_state=states.SHELVING_IMAGE_UPLOADING, power_state=power)
        tb = await self.snapshotter.copy(inst, plan.get("image_id"))
        if tb is not None:      # the guest stays powered off, as Nova leaves it
            await self.c.commit(inst.id, {"task_state": states.SHELVING_IMAGE_UPLOADING},
                                [(event, started, host, "Error", tb)], finish=True,
                                message="Error", vm_state=states.STOPPED, task_state=None,
                                task_started_at=None)
            return
        offload = self.offload_time == 0
        await self.c.commit(inst.id, {"task_state": states.SHELVING_IMAGE_UPLOADING},
                            [(event, started, host, "Success", None)], finish=not offload,
                            vm_state=states.SHELVED, power_state=power,
                            task_state=states.SHELVING_OFFLOADING if offload else None,
                            task_started_at=utcnow() if offload else None)
        if offload:
            await self.offload(inst.id)

    async def offload(self, instance_id: str) -> None:
        """Free the host: the guest goes, and with it the placement allocation."""
        inst = await self._load(instance_id, states.SHELVING_OFFLOADING)
        if inst is None:
            return
        started = utcnow()
        await self.c.destroy_on(inst.host, inst.id)
        await self.c.vifs.bind(inst.id, "")     # unbound: the host's dataplane unplugs them
        await self.c.placement.delete_allocations(inst.id)
        await self.c.commit(inst.id, {"task_state": states.SHELVING_OFFLOADING},
                            [("compute_shelve_offload_instance", started, inst.host,
                              "Success", None)], finish=True,
                            vm_state=states.SHELVED_OFFLOADED, task_state=None, host=None,
                            power_state=states.NOSTATE, task_started_at=None)

    async def unshelve(self, instance_id: str) -> None:
        inst = await self._load(instance_id, states.UNSHELVING)
        if inst is None:
            return
        plan = dict(inst.request_spec.get("shelve") or {})
        started, event = utcnow(), "compute_unshelve_instance"
        image = await self.c.image_lookup(plan["image_id"]) if plan.get("image_id") else None
        # a zone given at unshelve replaces the server's (None: unpinned, 2.91)
        zone = plan["availability_zone"] if "availability_zone" in plan \
            else inst.availability_zone
        host = inst.host
        try:
            if inst.vm_state == states.SHELVED and host:     # still on its host: power on
                power = await self.c.bus.call(host, "power_on", instance_id=inst.id)
            else:   # an admin's host (2.91) through the scheduler's force-host path
                host = (await self.c.scheduler.select(
                    spec_for(inst, inst.flavor, image, availability_zone=zone,
                             force_host=plan.get("host")),
                    await self.c.host_states())).host
                spec = await self.c.instance_spec(inst, image)
                try:
                    # on its new host from now (Nova's claim sets it), so the dataplane's
                    # events find it, and its ports are plugged there before it runs
                    await self.c.set_if(inst.id, {"task_state": states.UNSHELVING}, host=host)
                    await self.c.vifs.bind(inst.id, host)
                    power = await self.c.bus.call(host, "spawn", spec=spec, timeout=900)
                except Exception as exc:  # noqa: BLE001 - any failure on the host (as Nova's)
                    await self.c.destroy_on(host, inst.id)
                    await self.c.vifs.restore(inst.id, "")
                    await self.c.placement.delete_allocations(inst.id)
                    await self.c.set_if(inst.id, {"task_state": states.UNSHELVING}, host=None)
                    if isinstance(exc, (SpawnFailed, HostUnreachable, VifPlugFailed)):
                        raise
                    raise SpawnFailed(str(exc) or type(exc).__name__) from exc
        except (SpawnFailed, HostUnreachable, NoValidHost, VifPlugFailed) as exc:
            # it stays shelved (offloaded or not), the user may try again
            await self.c.commit(inst.id, {"task_state": states.UNSHELVING},
                                [(event, started, host, "Error", str(exc))], finish=True,
                                message="Error", task_state=None, task_started_at=None)
            return
        # Nova deletes the shelved image before the server shows ACTIVE, so a client that
        # sees ACTIVE finds it gone (it was deleted after the commit: a race tests saw)
        await self._drop_image(inst, plan.get("image_id"))
        spec_doc = {k: v for k, v in inst.request_spec.items() if k != "shelve"}
        await self.c.commit(inst.id, {"task_state": states.UNSHELVING},
                            [(event, started, host, "Success", None)], finish=True,
                            vm_state=states.ACTIVE, task_state=None, host=host,
                            power_state=power, task_started_at=None,
                            availability_zone=zone, request_spec=spec_doc)

    async def _drop_image(self, inst: Instance, image_id: str | None) -> None:
        """The shelved image served its purpose (Nova deletes it after unshelve too)."""
        if not image_id:
            return
        try:
            await self.snapshotter.images.images.delete(owner_context(inst), image_id)
        except NuboError:
            pass
