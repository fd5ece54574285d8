"""os-volume_attachments: a server's volumes, attached and detached while it lives.

As Nova (nova/compute/api.py attach_volume/detach_volume with Cinder's attachment API): the
server must be ACTIVE, PAUSED or SHUTOFF with no task and not locked (409 otherwise); the
action is recorded (`attach_volume`, `detach_volume` in os-instance-actions). Compute talks to
the volume service in-process (its AttachmentService), never over HTTP.

Attach: under the instance's lock a device is chosen (vdb, vdc... or the one asked for) and
the attachment reserved (volume `reserved`; a volume in use, of another project or unknown
is refused here, before anything is done: 400/404). The API answers 200 with the device
(Nova's reserve_block_device_name), then in the background, under the lock: the connector
of the server's host -> connection_info (`attaching`), the host's agent plugs the disk
(`attach_volume` over the bus), the attachment is completed (`attached`, volume `in-use`).
A failure takes the disk out again on the host (if_exists: a lost answer may have plugged
it) and removes the attachment: the volume is `available`, no record is left dangling.

Detach: the attachment goes `detaching` (volume `detaching`) at once (202), then the host
unplugs the disk and the attachment is removed (volume `available`). A host that fails rolls
the attachment back to `attached`.

Each step is a conditional step on the attachment's own status, which is the durable marker
of where the operation stands: after a kill -9 the reconciler (conductor/volume_reconcile.py)
finishes or undoes it from what the host really has.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from nubo.compute import errors, states
from nubo.compute.conductor.manager import Conductor
from nubo.compute.models import Instance, InstanceAction
from nubo.compute.service.hotplug import finish_action, under_instance_lock
from nubo.compute.service.server_volumes import connector_of
from nubo.compute.service.servers import ServerService
from nubo.core.bus import Bus
from nubo.core.context import RequestContext
from nubo.core.db import Database, utcnow
from nubo.core.errors import NuboError
from nubo.volume.models import VolumeAttachment
from nubo.volume.service import BlockStorage
from nubo.volume.states import AttachStatus

LOG = logging.getLogger("nubo.compute.service.volume_attachments")
ALLOWED = (states.ACTIVE, states.PAUSED, states.STOPPED)
#: the root disk is vda; volumes take vdb... vdz
_DEVICES = [f"vd{chr(c)}" for c in range(ord("b"), ord("z") + 1)]
_DEV = re.compile(r"^(?:/dev/)?(vd[b-z])$")
#: seconds the host has to plug or unplug a disk
HOST_TIMEOUT = 120.0


@dataclass(frozen=True)
class VolumeAttachmentView:
    """One volume of a server as os-volume_attachments shows it."""

    attachment_id: str
    server_id: str
    volume_id: str
    device: str | None
    tag: str | None
    delete_on_termination: bool


def _view(att: VolumeAttachment, server_id: str) -> VolumeAttachmentView:
    return VolumeAttachmentView(att.id, server_id, att.volume_id, att.mountpoint, att.tag,
                                att.delete_on_termination)


class VolumeAttachmentService:
    def __init__(self, servers: ServerService, conductor: Conductor, bus: Bus,
                 storage: BlockStorage) -> None:
        self.servers, self.c, self.bus, self.storage = servers, conductor, bus, storage

    @property
    def db(self) -> Database:
        return self.servers.db

    # ------------------------------------------------------------------ reading

    async def instance(self, ctx: RequestContext, sid: str) -> Instance:
        return (await self.servers.get(ctx, sid)).instance

    async def list(self, ctx: RequestContext, sid: str) -> list[VolumeAttachmentView]:
        inst = await self.instance(ctx, sid)
        return [_view(r.attachment, inst.id)
                for r in await self.storage.attachments.list_(None, instance_id=inst.id)
                if r.attachment.attach_status != AttachStatus.RESERVED]

    async def show(self, ctx: RequestContext, sid: str, volume_id: str
                   ) -> VolumeAttachmentView:
        inst = await self.instance(ctx, sid)
        return _view(await self._attachment(inst.id, volume_id), inst.id)

    async def _attachment(self, sid: str, volume_id: str) -> VolumeAttachment:
        for r in await self.storage.attachments.list_(None, volume_id=volume_id,
                                                      instance_id=sid):
            return r.attachment
        raise errors.VolumeNotAttached(instance_uuid=sid, volume_id=volume_id)

    # ------------------------------------------------------------------ attach

    async def attach(self, ctx: RequestContext, sid: str, volume_id: str,
                     device: str | None, tag: str | None, delete_on_termination: bool
                     ) -> VolumeAttachmentView:
        inst = await self._start(ctx, sid, "attach_volume")
        started = utcnow()
        try:
            att = await under_instance_lock(self.c, inst.id, lambda: self._reserve(
                ctx, inst.id, volume_id, device, tag, delete_on_termination))
        except NuboError as exc:
            await self._finish(inst.id, "compute_attach_volume", started, inst.host, exc)
            raise

        async def work(_: str) -> None:
            try:
                await self._plug(inst.id, att.id)
            except NuboError as exc:
                await self._finish(inst.id, "compute_attach_volume", started, inst.host,
                                   exc)
                return
            await self._finish(inst.id, "compute_attach_volume", started, inst.host, None)
        self.c.spawn_task(inst.id, work)
        return _view(att, inst.id)

    async def _reserve(self, ctx: RequestContext, sid: str, volume_id: str,
                       device: str | None, tag: str | None, delete_on_termination: bool
                       ) -> VolumeAttachment:
        taken = {r.attachment.mountpoint for r in
                 await self.storage.attachments.list_(None, instance_id=sid)}
        chosen = _device(device, {d.removeprefix("/dev/") for d in taken if d})
        rec = await self.storage.attachments.reserve(
            volume_id, None if ctx.is_admin else ctx.project_id, sid,
            mountpoint=f"/dev/{chosen}", tag=tag,
            delete_on_termination=delete_on_termination)
        return rec.attachment

    async def _plug(self, sid: str, attachment_id: str) -> None:
        """connector -> connection_info, the host plugs, complete; any failure undone."""
        async with self.db.read() as s:
            inst = await s.get(Instance, sid)
            att = await s.get(VolumeAttachment, attachment_id)
        host = inst.host if inst is not None and not inst.deleted else None
        volume_id = att.volume_id if att is not None else attachment_id
        try:
            if not host:
                raise errors.VolumeAttachFailed(volume_id=volume_id,
                                                reason=f"instance {sid} has no host")
            rec = await self.storage.attachments.connect(attachment_id, None,
                                                         connector_of(host))
            await self.bus.call(host, "attach_volume", instance_id=sid,
                                connection_info=rec.attachment.connection_info,
                                device=_short(rec.attachment.mountpoint),
                                timeout=HOST_TIMEOUT)
            await self.storage.attachments.complete(attachment_id, None)
        except Exception as exc:  # noqa: BLE001 - any failure rolls back (Nova's rollback)
            LOG.warning("instance %s: attaching (attachment %s) failed: %s", sid,
                        attachment_id, exc)
            await self._unplug_quietly(host, sid, attachment_id)
            await self.storage.attachments.remove(attachment_id)
            raise errors.VolumeAttachFailed(volume_id=volume_id, reason=str(exc)) from exc

    async def _unplug_quietly(self, host: str | None, sid: str, attachment_id: str) -> None:
        async with self.db.read() as s:
            att = await s.get(VolumeAttachment, attachment_id)
        if not host or att is None or not att.mountpoint:
            return
        try:
            await self.bus.call(host, "detach_volume", instance_id=sid,
                                device=_short(att.mountpoint), timeout=HOST_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - the reconciler asks again
            LOG.warning("instance %s: taking %s out again failed: %s", sid, att.mountpoint,
                        exc)

    # ------------------------------------------------------------------ detach

    async def detach(self, ctx: RequestContext, sid: str, volume_id: str) -> None:
        inst = await self.instance(ctx, sid)
        att = await self._attachment(inst.id, volume_id)
        if _short(att.mountpoint) == "vda":
            raise errors.CannotDetachRootVolume()
        if att.attach_status != AttachStatus.ATTACHED:
            raise errors.InvalidVolume(reason=f"Volume {volume_id} status must be in-use to "
                                       f"detach; its attachment is {att.attach_status}.")
        inst = await self._start(ctx, sid, "detach_volume")
        await self.storage.attachments.begin_detach(att.id, None)
        started = utcnow()

        async def work(_: str) -> None:
            try:
                await self.unplug(inst.id, att.id)
            except NuboError as exc:
                await self._finish(inst.id, "compute_detach_volume", started, inst.host,
                                   exc)
                return
            await self._finish(inst.id, "compute_detach_volume", started, inst.host, None)
        self.c.spawn_task(inst.id, work)

    async def unplug(self, sid: str, attachment_id: str) -> None:
        """The host takes the disk out (if_exists), then the attachment goes; a host that
        fails rolls the attachment back to attached (Cinder's os-roll_detaching)."""
        async with self.db.read() as s:
            inst = await s.get(Instance, sid)
            att = await s.get(VolumeAttachment, attachment_id)
        if att is None:
            return
        if inst is not None and inst.host and not inst.deleted and att.mountpoint:
            try:
                await self.bus.call(inst.host, "detach_volume", instance_id=sid,
                                    device=_short(att.mountpoint), timeout=HOST_TIMEOUT)
            except Exception as exc:  # noqa: BLE001 - Nova's DeviceDetachFailed
                await self.storage.attachments.roll_detach(attachment_id)
                raise errors.DeviceDetachFailed(device=att.mountpoint or "",
                                                reason=str(exc)) from exc
        await self.storage.attachments.remove(attachment_id)

    # ------------------------------------------------------------------ update

    async def update(self, ctx: RequestContext, sid: str, volume_id: str,
                     new_volume_id: str, delete_on_termination: bool | None) -> None:
        """PUT: the same volume with delete_on_termination (2.85) changes the flag; another
        volume is a swap, which needs the data copied (libvirt's blockRebase), not done
        by this cloud yet."""
        inst = await self.instance(ctx, sid)
        att = await self._attachment(inst.id, volume_id)
        if new_volume_id != volume_id:
            raise errors.VolumeSwapNotSupported()
        if delete_on_termination is not None:
            await self.storage.attachments.set_delete_on_termination(
                att.id, delete_on_termination)

    # ------------------------------------------------------------------ bookkeeping

    async def _start(self, ctx: RequestContext, sid: str, action: str) -> Instance:
        """Nova's checks (lock, state) and the action record, in one transaction."""
        async with self.db.write() as s:
            inst: Instance = await self.servers.load_in(s, ctx, sid)
            if inst.locked and not ctx.is_admin:
                raise errors.InstanceIsLocked(instance_uuid=inst.id)
            if inst.vm_state not in ALLOWED or inst.task_state is not None:
                attr, state = ("task_state", inst.task_state) if inst.task_state is not None \
                    else ("vm_state", inst.vm_state)
                raise errors.InstanceInvalidState(action=action, uuid=inst.id, attr=attr,
                                                  state=state)
            now = utcnow()
            s.add(InstanceAction(instance_id=inst.id, request_id=ctx.request_id,
                                 action=action, project_id=inst.project_id,
                                 user_id=ctx.user_id or "", start_time=now, updated_at=now))
            return inst

    async def _finish(self, sid: str, event: str, started: Any, host: str | None,
                      error: NuboError | None) -> None:
        await finish_action(self.db, sid, ("attach_volume", "detach_volume"), event,
                            started, host, error)


def _short(mountpoint: str | None) -> str:
    return (mountpoint or "").removeprefix("/dev/")


def _device(asked: str | None, taken: set[str]) -> str:
    """The target dev: the one asked for (vdb...vdz) when free, else the first free one
    (as Nova's libvirt driver, which names the disks itself); 400 when it is taken."""
    if asked:
        m = _DEV.match(asked)
        if m is not None:
            if m.group(1) in taken:
                raise errors.DevicePathInUse(path=asked)
            return m.group(1)
    for dev in _DEVICES:
        if dev not in taken:
            return dev
    raise errors.TooManyDiskDevices(maximum=len(_DEVICES))
