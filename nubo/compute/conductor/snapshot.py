"""createImage: a server's disk saved as a new image in the image service.

The image record is made first (queued, owned by the server's project), then the conductor
has it filled: the instance's host writes the disk (qemu-img convert) and uploads it through
the image API itself (`snapshot_to_image`, nubo/compute/rpc.py; a host still at RPC 1.1 gets
1.1's `snapshot`, which writes to a path of the controller's, and this side uploads). With
the fake hypervisor a disk never changes, so its snapshot is the data of the image it booted
from, copied here. A failure deletes the half-made image; a restart resumes from
request_spec["snapshot"].
"""

from __future__ import annotations

from typing import Any

from nubo.compute import errors, states
from nubo.compute.agent.virt.base import SpawnFailed
from nubo.compute.conductor.steps import InstanceSteps
from nubo.compute.models import Instance
from nubo.core.bus import HostUnreachable, UnknownMethod
from nubo.core.context import RequestContext
from nubo.core.db import utcnow
from nubo.core.errors import NotFound, NuboError
from nubo.core.files import read_chunks
from nubo.image.api import ImageApi
from nubo.image.listing import ListQuery

#: image properties a snapshot inherits from the image the server booted from
INHERIT = ("hw_", "os_", "img_", "hypervisor_type", "architecture")


def owner_context(inst: Instance) -> RequestContext:
    return RequestContext(request_id="req-snapshot", user_id=inst.user_id,
                          project_id=inst.project_id, roles=("admin", "member", "reader"))


async def create_record(images: Any, ctx: RequestContext, inst: Instance, name: str,
                        metadata: dict[str, str], image_type: str = "snapshot") -> str:
    """The new image's record, queued; its properties say where it came from."""
    src: dict[str, Any] = {}
    props: dict[str, str] = {}
    if inst.image_ref:
        try:
            view = await images.images.get(owner_context(inst), inst.image_ref)
            src = {"disk_format": view.image.disk_format, "min_ram": view.image.min_ram}
            props = {k: v for k, v in view.properties.items() if k.startswith(INHERIT)}
        except NotFound:
            pass
    # the user's metadata wins over the properties Nova sets (its extra_properties update
    # them last: Tempest's createImage with {"image_type": "test"} expects "test" back)
    extra = {"instance_uuid": inst.id, "image_type": image_type,
             "base_image_ref": inst.image_ref or "", "user_id": inst.user_id}
    body = {**props, **extra, **metadata, "name": name,
            "disk_format": src.get("disk_format") or "qcow2", "container_format": "bare",
            "visibility": "private", "min_disk": inst.flavor.get("disk", 0),
            "min_ram": src.get("min_ram") or 0}
    view = await images.images.create(owner_context(inst), body)
    return str(view.image.id)


class Snapshotter:
    def __init__(self, conductor: InstanceSteps, images: ImageApi) -> None:
        self.c = conductor
        self.images = images

    async def snapshot(self, instance_id: str) -> None:
        """createImage (IMAGE_SNAPSHOT) and createBackup (IMAGE_BACKUP, then rotation)."""
        async with self.c.db.read() as s:
            inst = await s.get(Instance, instance_id)
        if inst is None or inst.deleted or inst.task_state not in (states.IMAGE_SNAPSHOT,
                                                                   states.IMAGE_BACKUP):
            return
        task = inst.task_state
        plan = inst.request_spec.get("snapshot") or {}
        started = utcnow()
        tb = await self.copy(inst, plan.get("image_id"))
        if tb is None and task == states.IMAGE_BACKUP:
            await self.rotate(inst, plan.get("backup_type", ""), int(plan.get("rotation", 1)))
        event = "compute_backup_instance" if task == states.IMAGE_BACKUP else \
            "compute_snapshot_instance"
        spec = {k: v for k, v in inst.request_spec.items() if k != "snapshot"}
        await self.c.commit(inst.id, {"task_state": task},
                            [(event, started, inst.host, "Error" if tb else "Success", tb)],
                            finish=True, message="Error" if tb else None, task_state=None,
                            task_started_at=None, request_spec=spec)

    async def copy(self, inst: Instance, image_id: str | None) -> str | None:
        """Fill the queued image `image_id` with the instance's disk; None when done, else
        why not (the half-made image is then deleted)."""
        if not image_id:
            return "no image to copy the instance's disk into"
        ctx = owner_context(inst)
        try:
            new = await self.images.images.get(ctx, image_id)
            if new.image.status == "queued" and await self._from_host(inst, str(image_id)):
                return None
            if new.image.status == "queued":
                # the driver writes the disk when it has one of its own; the fake does not
                # (False), and then the disk is the image the instance booted from
                source = await self.images.images.get(ctx, inst.image_ref or "")
                if not source.image.location:
                    raise errors.ImageDataNotFound(image_id=inst.image_ref)
                path = self.images.store.path(source.image.location)
                await self.images.data.upload(ctx, image_id, read_chunks(path), source.image.size)
            return None
        except (NuboError, OSError) as exc:
            try:
                await self.images.images.delete(ctx, image_id)
            except NuboError:
                pass
            return str(exc)

    async def _from_host(self, inst: Instance, image_id: str) -> bool:
        """Ask the instance's host to write its disk (qemu-img convert) and upload it through
        the image API as `image_id`'s data; False when the driver keeps no disk of its own
        (the fake). A host still at RPC 1.1 has no `snapshot_to_image` (UnknownMethod): it
        gets 1.1's `snapshot` instead (`_from_old_host`)."""
        try:
            try:
                return bool(await self.c.bus.call(inst.host or "", "snapshot_to_image",
                                                  instance_id=inst.id, image_id=image_id,
                                                  timeout=3600))
            except UnknownMethod:
                return await self._from_old_host(inst, image_id)
        except (SpawnFailed, HostUnreachable) as exc:
            raise OSError(f"snapshot on {inst.host} failed: {exc}") from exc

    async def _from_old_host(self, inst: Instance, image_id: str) -> bool:
        """RPC 1.1 during a rolling upgrade: the agent's `snapshot` writes the disk to a path
        on this controller's disk (1.1 agents ran beside their controller, sharing its file
        system) and this side uploads it; the scratch file goes either way."""
        tmp = self.images.store.tmp / f"snapshot-{image_id}.qcow2"
        try:
            if not await self.c.bus.call(inst.host or "", "snapshot", instance_id=inst.id,
                                         target=str(tmp), timeout=3600):
                return False
            await self.images.data.upload(owner_context(inst), image_id, read_chunks(tmp),
                                          tmp.stat().st_size)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    async def rotate(self, inst: Instance, backup_type: str, rotation: int) -> list[str]:
        """Keep the newest `rotation` backups of this type of the instance; delete the rest."""
        ctx = owner_context(inst)
        found = await self.images.images.list_images(ctx, ListQuery({"limit": "1000"}))
        mine = [v for v in found if v.properties.get("instance_uuid") == inst.id
                and v.properties.get("image_type") == "backup"
                and v.properties.get("backup_type") == backup_type]
        backups = sorted(mine, key=lambda v: (v.image.created_at, v.image.id), reverse=True)
        gone: list[str] = []
        for view in backups[rotation:]:
            try:
                await self.images.images.delete(ctx, view.image.id)
                gone.append(str(view.image.id))
            except NuboError:
                pass
        return gone
